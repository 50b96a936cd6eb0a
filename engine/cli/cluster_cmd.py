"""`asba cluster`: the cluster-state facts with their sources; `asba cluster wait JOB.sbatch`: the wait range."""

from __future__ import annotations

import argparse
from pathlib import Path

from asba.cli.output import add_json_flag, console, print_json
from asba.errors import InputError


def register(subparsers) -> None:
    parser = subparsers.add_parser(
        "cluster",
        help="show the cluster-state facts (queue, nodes, limits, fair-share) with their sources",
        description="Read squeue/sinfo/scontrol/sprio/sshare (or a saved snapshot) and show the facts asba uses.",
    )
    _common(parser, None)
    parser.set_defaults(func=run, cluster_action="show")
    actions = parser.add_subparsers(dest="cluster_action", metavar="ACTION")
    wait = actions.add_parser("wait", help="estimate the queue wait (p10/p50/p90) of a batch script")
    wait.add_argument("script", type=Path, help="the batch script (its #SBATCH options are used)")
    _wait_flags(wait)
    _common(wait, argparse.SUPPRESS)
    wait.add_argument("sbatch_options", nargs=argparse.REMAINDER, metavar="SBATCH_OPTION",
                      help="sbatch options that override the script's, as in asba explain (e.g. -c 36 --mem=154G)")
    wait.set_defaults(func=run_wait)
    from asba.cli import backtest_cmd, rightsize_backtest_cmd

    backtest_cmd.register(actions)
    rightsize_backtest_cmd.register(actions)


def _wait_flags(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--cpus", type=int, help="override the CPUs the script asks for")
    parser.add_argument("--gpus", type=int, help="override the GPUs the script asks for")
    parser.add_argument("--time-limit", help="override the script's time limit (SLURM syntax)")
    parser.add_argument("--runtime-ratio", type=float, help="your typical runtime / time limit (0-1]")
    parser.add_argument("--past-wait", type=float, action="append", default=[], metavar="SECONDS",
                        help="a past Submit->Start wait of a similar job (repeatable)")


def _split_wait_args(args) -> list[str]:
    """asba's own flags after the script are asba's; the rest are sbatch options (one request, as explain reads it)."""
    again = argparse.ArgumentParser(add_help=False)
    _wait_flags(again)
    _common(again, argparse.SUPPRESS)
    known, sbatch = again.parse_known_args(args.sbatch_options or [])
    for key, value in vars(known).items():
        if key == "past_wait":
            args.past_wait = [*args.past_wait, *value]
        elif value is not None:
            setattr(args, key, value)
    return sbatch


def _common(parser: argparse.ArgumentParser, default) -> None:
    kw = {} if default is None else {"default": default}
    parser.add_argument("--partition", "-p", help="target partition (default: the cluster's default)", **kw)
    parser.add_argument("--burst-partition", "-b", help="the burst (AWS) partition to read as well", **kw)
    parser.add_argument("--capture", type=Path, metavar="DIR", help="save every raw SLURM output to DIR", **kw)
    parser.add_argument("--cluster-snapshot", type=Path, metavar="DIR",
                        help="read a saved capture instead of calling SLURM", **kw)
    parser.add_argument("--no-snapshot-fallback", action="store_true",
                        help="without SLURM, do not fall back to the shipped example snapshot", **kw)
    if default is None:
        add_json_flag(parser)
    else:
        parser.add_argument("--json", action="store_true", default=default, help="print JSON instead of text")


def _runner(args):
    from asba.inputs.cluster_snapshot import choose_runner

    return choose_runner(args.capture, args.cluster_snapshot, fallback=not args.no_snapshot_fallback)


def run(args) -> int:
    from asba.facts.cluster_facts import read_cluster

    runner, note = _runner(args)
    view = read_cluster(runner, partition=args.partition, burst_partition=args.burst_partition)
    if args.json:
        print_json({**view.as_dict(), "note": note})
        return 0
    _print_view(view, note)
    return 0


def run_wait(args) -> int:
    from asba.facts.cluster_facts import read_cluster
    from asba.inputs.batch_script import parse_script
    from asba.inputs.cluster_parse import parse_duration

    sbatch = _split_wait_args(args)
    if not args.script.is_file():
        from asba.paths import missing_file_reason

        raise InputError(f"batch script {args.script}: {missing_file_reason(args.script)}", where=str(args.script),
                         code="ASBA-CLUSTER-001",
                         hint="give the path of an existing sbatch script")
    if args.runtime_ratio is not None and not 0 < args.runtime_ratio <= 1:
        raise InputError(f"--runtime-ratio {args.runtime_ratio} is not in (0, 1]", code="ASBA-CLUSTER-002",
                         hint="use e.g. 0.4 when your jobs typically run 40% of their limit")
    job = dict(parse_script(args.script, cli_args=sbatch).job)
    overrides = {"total_cpus": args.cpus, "total_gpus": args.gpus,
                 "time_limit_s": _limit(args.time_limit, parse_duration)}
    job.update({key: value for key, value in overrides.items() if value is not None})
    runner, note = _runner(args)
    partition = getattr(args, "partition", None) or job.get("partition") or None
    view = read_cluster(runner, partition=partition, burst_partition=getattr(args, "burst_partition", None),
                        job=job, script=args.script)
    estimates, basis = _estimates(args, job, view)
    if args.json:
        print_json({"source": view.source, "note": note, "gaps": view.gaps, "basis": basis, "estimates": estimates})
        return 0
    _print_waits(view, estimates, note, basis)
    return 0


def _estimates(args, job: dict, view) -> tuple[list, str]:
    """Each partition's wait from asba.decide.job_wait, on the history asba explain reads for this script (the
    same figure explain shows), unless --past-wait or --runtime-ratio replace part of it (then said so)."""
    from asba.decide.context import Options, _ExampleStore, open_history
    from asba.decide.job_wait import WaitInputs, history_waits, job_wait, wait_record
    from asba.inputs.config import load_config
    from asba.knowledge.burst import burst_partitions

    cfg = load_config(None)
    notes: list[str] = []
    store, label = open_history(Options(script=args.script), cfg, notes, burst_partitions(cfg))
    example = isinstance(store, _ExampleStore)
    estimates = []
    for name in view.partitions:
        waits, ratio = history_waits(store, job, name, example)
        inputs = WaitInputs(args.past_wait or waits, args.runtime_ratio or ratio,
                            wait_record(cfg, store, name, view.now, notes), label)
        estimates.append(job_wait(view, job, name, inputs))
    replaced = [flag for flag, given in (("--past-wait", args.past_wait), ("--runtime-ratio", args.runtime_ratio))
                if given]
    basis = (f"history: {label}; " + (f"{' and '.join(replaced)} given here replace it, so asba explain may differ"
                                      if replaced else "the same estimate asba explain uses for this job"))
    return estimates, "; ".join([basis, *dict.fromkeys(notes)])


def _limit(text: str | None, parse) -> int | None:
    if text is None:
        return None
    try:
        return parse(text)
    except ValueError:
        raise InputError(f"--time-limit {text!r} is not a SLURM time", code="ASBA-CLUSTER-003",
                         hint="use MM, HH:MM:SS or D-HH:MM:SS") from None


def _print_view(view, note: str) -> None:
    from asba.report.cluster_text import render

    out = console()
    for line in render(view, note):
        out.print(line, markup=False, highlight=False, soft_wrap=True)
    _print_gaps(out, view.gaps)


def _print_waits(view, estimates, note: str, basis: str) -> None:
    out = console()
    out.print(f"[bold]queue wait[/bold] (cluster: {view.source})")
    if note:
        out.print(f"[yellow]{note}[/yellow]")
    out.print(basis, markup=False, highlight=False, soft_wrap=True)
    for est in estimates:
        if est.p50_s is None:
            out.print(f"  [bold]{est.partition}[/bold]: no estimate")
            for gap in est.gaps:
                out.print(f"    [dim]{gap}[/dim]", soft_wrap=True)
            continue
        soon = "starts almost at once (under 5 min); " if est.starts_at_once else ""
        out.print(f"  [bold]{est.partition}[/bold]: {soon}p50 {_human(est.p50_s)}, p90 {_human(est.p90_s)} "
                  f"(p10 {_human(est.p10_s)}); method {est.method}, evidence {est.evidence_count}")
        for c in est.components:
            out.print(f"    {c.name:<12} weight {c.weight:4.2f}  p50 {_human(c.p50_s):>8}  p90 {_human(c.p90_s):>8}"
                      f"  [dim]{c.detail}[/dim]", soft_wrap=True)
        for gap in est.gaps:
            out.print(f"    [dim]not used: {gap}[/dim]", soft_wrap=True)
    _print_gaps(out, view.gaps)


def _print_gaps(out, gaps: list[str]) -> None:
    if gaps:
        out.print("[bold]could not read[/bold]:")
        for gap in gaps:
            out.print(f"  - {gap}", markup=False, soft_wrap=True)


def _human(seconds: float | None) -> str:
    """A duration spelled as explain spells it (asba.report.units)."""
    from asba.report.units import duration

    return "?" if seconds is None else duration(seconds)
