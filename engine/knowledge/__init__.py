"""Knowledge: EC2 instance catalog, prices, burst partitions, local cost model, instance matching."""
