"""The job's break-even wait: the local wait at which running locally and bursting to AWS cost the same.

Both sides for the job's request, with its real runtime (the event "wait > break-even" is what decides the
platform in hindsight): local = the cost model's rate x runtime, plus the value of the time to result
(wait + runtime); AWS = the cheapest fitting instance type of the burst partition (``audit.backtest.Decider``,
as instance matching finds it), billed for start-up + runtime x its performance factor, plus the value of that
time. Local wins while ``wait < (AWS cost - local cost) / value + start-up + runtime x (factor - 1)``.
"""

from __future__ import annotations

from types import SimpleNamespace
from typing import Any

from asba.inputs.wait_traces import TraceJob

DEFAULT_MEM_MB_PER_CPU = 4096.0  # a request with no memory is priced at 4 GB per CPU (SLURM's DefMemPerCPU varies)


class BreakEvenPricer:
    def __init__(self, decider: Any, value_of_hour: float) -> None:
        self.decider, self.value = decider, value_of_hour

    @classmethod
    def from_config(cls, value_of_hour: float, config: Any = None) -> BreakEvenPricer:
        from asba.audit.backtest import Decider
        from asba.inputs.config import load_config
        from asba.knowledge.burst import burst_partitions
        from asba.knowledge.catalog import load_catalog
        from asba.rules import load_packs

        cfg = load_config(config)
        return cls(Decider(cfg, load_catalog(config=cfg), load_packs(), burst_partitions(cfg)), value_of_hour)

    def __call__(self, job: TraceJob) -> float | None:
        if job.start is None or job.end is None or self.value <= 0:
            return None
        cpus, nodes = max(job.cpus or 1, 1), max(job.nodes or 1, 1)
        need = SimpleNamespace(cpus=cpus, nodes=nodes, gpus=job.gpus or 0,
                               mem_mb=job.mem_mb or DEFAULT_MEM_MB_PER_CPU * cpus)
        offer = self.decider.offer(need)
        if offer is None:
            return None
        run_s = max(0.0, job.end - job.start)
        startup, factor = self.decider.startup, offer.performance_factor
        aws_usd = offer.on_demand_usd_per_hour * offer.nodes * (startup + run_s * factor) / 3600
        local_usd = self.decider.local_rate(need) * run_s / 3600
        return max(0.0, (aws_usd - local_usd) / self.value * 3600 + startup + run_s * (factor - 1))
