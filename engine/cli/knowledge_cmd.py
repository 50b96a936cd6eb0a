"""`asba knowledge show|search|refresh`: what asba knows about EC2 instance types and their prices."""

from __future__ import annotations

import argparse
import sys
from typing import Any

from asba.cli.output import add_json_flag, console, print_json
from asba.errors import EXIT_FINDING, EXIT_OK, InputError


def register(subparsers) -> None:
    parser = subparsers.add_parser(
        "knowledge", help="EC2 instance types and prices asba knows (offline snapshot, live refresh)",
        description="Show, search and refresh asba's EC2 catalog. Prices come from the shipped snapshot "
                    "(us-east-1, dated) unless `asba knowledge refresh` cached fresher ones.")
    _common(parser)
    parser.set_defaults(func=run_status)
    actions = parser.add_subparsers(dest="knowledge_action", metavar="ACTION")

    status = actions.add_parser("status", help="what the catalog holds and where its prices come from (default)")
    _common(status)
    status.set_defaults(func=run_status)

    show = actions.add_parser("show", help="one instance type: specs, prices, spot interruption")
    show.add_argument("instance", help="EC2 instance type, e.g. p4d.24xlarge")
    _common(show)
    show.set_defaults(func=run_show)

    search = actions.add_parser("search", help="instance types that can hold a per-node need, cheapest first")
    search.add_argument("--cpus", type=_positive_int, default=1, help="CPUs per node (default 1)")
    search.add_argument("--mem", default="0", help="memory per node as sbatch takes it: 64G, 500M (default: any)")
    search.add_argument("--gpus", type=_non_negative_int, default=0, help="GPUs per node (default 0)")
    search.add_argument("--gpu-model", help="GPU model, e.g. a100, h100, t4 (default: any)")
    search.add_argument("--arch", choices=("x86_64", "arm64"), help="CPU architecture (default: any)")
    search.add_argument("--efa", action="store_true", help="needs Elastic Fabric Adapter (tightly coupled MPI)")
    search.add_argument("--nodes", type=_positive_int, default=1, help="nodes the job asks for (default 1)")
    search.add_argument("--partition", help="only the types of this burst partition (see `asba config show`)")
    search.add_argument("--runtime", default="1:00:00", help="expected runtime, as sbatch --time (default 1:00:00)")
    search.add_argument("--purchasing", choices=("on-demand", "spot"), help="sort by this price (default: the "
                        "partition's purchasing option, else on-demand)")
    search.add_argument("--limit", type=_positive_int, default=15, help="show at most N types (default 15)")
    _common(search)
    search.set_defaults(func=run_search)

    refresh = actions.add_parser("refresh", help="fetch live prices and specs from AWS (needs AWS credentials)")
    refresh.add_argument("--profile", help="AWS profile (default: the standard credential chain)")
    _common(refresh)
    refresh.set_defaults(func=run_refresh)


def _common(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--region", help="AWS region (default: config `region`, else us-east-1)")
    parser.add_argument("--config", help="config file (see `asba config show`)")
    add_json_flag(parser)


def _positive_int(text: str) -> int:
    value = _non_negative_int(text)
    if value < 1:
        raise argparse.ArgumentTypeError(f"must be at least 1, not {text}")
    return value


def _non_negative_int(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a whole number: {text!r}") from None
    if value < 0:
        raise argparse.ArgumentTypeError(f"must not be negative: {text}")
    return value


def _catalog(args: argparse.Namespace, region: str | None = None):
    from asba.inputs.config import load_config
    from asba.knowledge.catalog import load_catalog

    cfg = load_config(args.config)
    return cfg, load_catalog(args.region or region, config=cfg)


def _print_lines(lines: list[str]) -> None:
    out = console()
    for line in lines:
        out.print(line, markup=False, soft_wrap=True)


def _notes(catalog) -> None:
    for note in catalog.notes:
        sys.stderr.write(f"asba: note: {note}\n")


def run_status(args: argparse.Namespace) -> int:
    from asba.knowledge import price_cache

    cfg, catalog = _catalog(args)
    cache = price_cache.cache_path(catalog.region)
    data = {
        "region": catalog.region,
        "instance_types": len(catalog),
        "offered_in_region": sum(1 for t in catalog if t.offered),
        "priced_in_region": sum(1 for t in catalog if t.on_demand_usd_per_hour is not None),
        "price_label": catalog.price_label(),
        "specs_source": catalog.specs_source,
        "live_cache": str(cache) if cache.is_file() else None,
        "price_ttl_hours": cfg.get("knowledge.price_ttl_hours", None),
        "notes": catalog.notes,
    }
    if args.json:
        print_json(data)
        return EXIT_OK
    _print_lines([
        f"EC2 catalog: {data['instance_types']} instance types; {data['offered_in_region']} offered and "
        f"{data['priced_in_region']} priced in {catalog.region}",
        f"specs: {catalog.specs_source}",
        catalog.price_label(),
        f"live cache: {data['live_cache'] or 'none (run `asba knowledge refresh` with AWS credentials)'}; "
        f"TTL {data['price_ttl_hours']} h",
        *(f"note: {n}" for n in catalog.notes),
    ])
    return EXIT_OK


def run_show(args: argparse.Namespace) -> int:
    _cfg, catalog = _catalog(args)
    inst = catalog.get(args.instance)
    _notes(catalog)
    if args.json:
        print_json({"instance": inst.as_dict(), "price_label": catalog.price_label()})
        return EXIT_OK
    from asba.knowledge.render import instance_lines

    _print_lines(instance_lines(inst, catalog.price_label()))
    return EXIT_OK


def _need(args: argparse.Namespace):
    from asba.inputs.slurm_formats import parse_memory_mb, parse_time_limit
    from asba.knowledge.matching import NodeNeed

    mem_mb = parse_memory_mb(args.mem, where="--mem")
    runtime_s = parse_time_limit(args.runtime, where="--runtime")
    if runtime_s is None:
        raise InputError("--runtime must be a finite time", hint="e.g. --runtime 2:00:00", code="ASBA-KB-003")
    need = NodeNeed(cpus=args.cpus, mem_mb=mem_mb, gpus=args.gpus, gpu_model=args.gpu_model, efa=args.efa,
                    arch=args.arch, nodes=args.nodes)
    return need, runtime_s


def _partition(cfg: Any, name: str | None):
    if not name:
        return None
    from asba.knowledge.burst import burst_partitions

    parts = burst_partitions(cfg)
    if name not in parts:
        known = ", ".join(sorted(parts)) or "none configured"
        raise InputError(f"unknown burst partition '{name}'", hint=f"burst partitions: {known}",
                         code="ASBA-KB-004")
    return parts[name]


def run_search(args: argparse.Namespace) -> int:
    from asba.inputs.config import load_config
    from asba.knowledge.catalog import load_catalog
    from asba.knowledge.matching import match_instances

    need, runtime_s = _need(args)
    cfg = load_config(args.config)
    part = _partition(cfg, args.partition)
    catalog = load_catalog(args.region or (part.region if part else None), config=cfg)
    purchasing = args.purchasing or (part.purchasing if part else "on-demand")
    match = match_instances(need, catalog, part.instance_types if part else None, runtime_s,
                            max_nodes=part.max_nodes if part else None, purchasing=purchasing)
    _notes(catalog)
    if args.json:
        data = match.as_dict()
        data["options"] = data["options"][: args.limit]
        data["partition"] = part.as_dict() if part else None
        data["purchasing"] = purchasing
        print_json(data)
    else:
        from asba.knowledge.render import match_lines

        _print_lines(match_lines(match, part, purchasing, args.limit))
    return EXIT_OK if match.options else EXIT_FINDING


def run_refresh(args: argparse.Namespace) -> int:
    from asba.inputs.config import load_config
    from asba.knowledge.catalog import load_catalog
    from asba.knowledge.refresh import refresh

    cfg = load_config(args.config)
    region = args.region or cfg.get("region", "us-east-1")
    load_catalog(region, config=cfg, use_cache=False)  # an unknown region fails here, before any AWS call
    result = refresh(region, profile=args.profile)
    fallback = load_catalog(region, config=cfg).price_label()
    if args.json:
        print_json(result.as_dict() | {"now_using": fallback})
    else:
        for problem in result.problems:
            sys.stderr.write(f"asba: {problem}; now using {fallback}\n")
        if result.counts:
            stored = ", ".join(f"{n} {part.replace('_', ' ')}" for part, n in result.counts.items())
            _print_lines([f"refreshed {region} at {result.as_dict()['fetched_at']}: {stored} -> {result.path}"])
    return EXIT_OK if result.complete else EXIT_FINDING
