"""`asba history` (runs, --patterns, --script insights), `history sync`, `history import`, `asba insights`."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from asba.cli import history_list, wait_record_cmd
from asba.cli.output import add_json_flag, console, print_json, print_json_list
from asba.errors import InputError, clip

PROGRESS_MIN_BYTES = 8 * 1024 * 1024
WASTE_SORTS = {  # asba insights --sort: per-script rows, biggest or least efficient first (unknown last)
    "wasted": lambda a: -a["wasted_core_h"], "core-h": lambda a: -a["core_h"], "jobs": lambda a: -a["jobs"],
    "cpu-eff": lambda a: (a["cpu_efficiency"] is None, a["cpu_efficiency"] or 0.0),
    "mem-eff": lambda a: (a["memory_efficiency"] is None, a["memory_efficiency"] or 0.0),
}


def register(subparsers) -> None:
    parser = subparsers.add_parser(
        "history", help="your past jobs from sacct: runs, efficiency as seff computes it, per-script patterns",
        description="Show the job history stored in ASBA_HOME/jobs.db (fill it with `asba history sync`).")
    _filters(parser, None)
    parser.add_argument("--patterns", action="store_true", help="show per-script patterns (scripts with 2+ runs)")
    history_list.add_flags(parser)
    parser.set_defaults(func=run_list)
    actions = parser.add_subparsers(dest="history_action", metavar="ACTION")

    sync = actions.add_parser("sync", help="read new jobs from sacct into the history (incremental, idempotent)")
    sync.add_argument("--days", type=float, default=None, help="read this many days back (default: since the last "
                      "sync, or 30 days the first time)")
    sync.add_argument("--user", "-u", help="read this user's jobs (default: yours)")
    sync.add_argument("--all-users", action="store_true", help="read every user's jobs (sacct --allusers)")
    sync.add_argument("--capture", type=Path, metavar="DIR", help="save sacct's raw output to DIR")
    sync.add_argument("--cluster-snapshot", type=Path, metavar="DIR", help="read a saved capture instead of sacct")
    sync.add_argument("--no-wait-record", action="store_true",
                      help="do not update the cluster wait record (all users' recent waits, sacct -a -X)")
    sync.add_argument("--force", action="store_true",
                      help="read sacct even within history.sync_min_interval_s of the last sync")
    _db(sync, argparse.SUPPRESS)
    sync.add_argument("--json", action="store_true", default=argparse.SUPPRESS, help="print the report as JSON")
    sync.set_defaults(func=run_sync)

    load = actions.add_parser("import", help="load a saved sacct dump (parsable output with a header line)")
    load.add_argument("file", type=Path, help="the dump (sacct --parsable2 ..., any delimiter)")
    load.add_argument("--delimiter", help="field delimiter (default: guessed from the header line)")
    load.add_argument("--fields", help="comma-separated field names, for a dump without a header line")
    load.add_argument("--cluster", default="", help="cluster name for dumps without a Cluster field")
    load.add_argument("--wait-record", action="store_true",
                      help="the dump is all users' jobs (sacct -a -X, or a mila/NREL trace CSV): load it into the "
                           "cluster wait record instead of your history")
    load.add_argument("--workers", type=_workers, default="auto", metavar="N",
                      help="processes that merge the dump's rows (default auto: one per core, at most 4, for files "
                           "of 64 MiB and more; 1 = in this process)")
    _db(load, argparse.SUPPRESS)
    load.add_argument("--json", action="store_true", default=argparse.SUPPRESS, help="print the report as JSON")
    load.set_defaults(func=run_import)

    insights = subparsers.add_parser(
        "insights", help="one job in depth (request vs use, with bars), or your overall efficiency and biggest wastes",
        description="Without --job-id: your overall efficiency, biggest wastes first.")
    insights.add_argument("--job-id", help="the job (sacct JobID such as 42 or 7_2, or JobIDRaw)")
    insights.add_argument("--efficiency", action="store_true", help="overall efficiency, biggest wastes first "
                          "(the default without --job-id)")
    insights.add_argument("--days", type=float, default=None, help="only jobs submitted in the last N days")
    insights.add_argument("--user", "-u", help="only this user's jobs")
    insights.add_argument("--limit", type=int, default=20, metavar="N",
                          help="list at most N scripts (default 20; the totals cover all of them)")
    insights.add_argument("--all", action="store_true", help="list every script")
    insights.add_argument("--sort", choices=tuple(WASTE_SORTS), default="wasted",
                          help="order of the scripts: wasted (core-hours wasted, default), core-h (allocated), "
                               "jobs, cpu-eff or mem-eff (least efficient first)")
    _db(insights, None)
    add_json_flag(insights)
    insights.set_defaults(func=run_insights)


def _filters(parser: argparse.ArgumentParser, default) -> None:
    parser.add_argument("--days", type=float, default=None, help="only jobs submitted in the last N days")
    parser.add_argument("--script", help="only runs of this script (file name, job name or path); adds the "
                        "PERSONAL HISTORY INSIGHTS block")
    parser.add_argument("--user", "-u", help="only this user's jobs")
    _db(parser, default)
    add_json_flag(parser)


def _db(parser: argparse.ArgumentParser, default) -> None:
    kw = {} if default is None else {"default": default}
    parser.add_argument("--db", type=Path, metavar="FILE", help="history database (default: ASBA_HOME/jobs.db)", **kw)


def _store(args, *, check: bool = False):
    """The history; `check` (commands that write, or read it whole) first refuses a damaged database (a file
    unchanged since its last recorded check is not checked again: asba.history.integrity)."""
    from asba.history.store import HistoryStore

    store = HistoryStore.open(getattr(args, "db", None))
    if check:
        from asba.history.integrity import refuse_damaged

        try:
            refuse_damaged(store.conn, store.path)
        except BaseException:
            store.close()
            raise
    return store


def _check_written(store) -> None:
    """After an import or a sync: SQLite's quick_check on the file as written (ASBA-HIST-013 on a finding)."""
    from asba.history.integrity import check

    check(store.conn, store.path)


def _record_sound(path) -> None:
    """With the connection closed (its write-ahead log merged): the file as it now is passed its check, so
    reads until it changes again skip the check."""
    from asba.history.integrity import record

    record(path)


def _check_days(days: float | None) -> None:
    from asba.inputs.bounds import check_option

    check_option("--days", days, code="ASBA-HIST-020")


def run_list(args) -> int:
    _check_days(args.days)
    if args.patterns:
        return _run_patterns(args)
    from asba.history.listing import listing
    from asba.history.store import JobQuery

    limit = history_list.limit_of(args)
    query = JobQuery(script_name=args.script, days=args.days, user=args.user, sort=args.sort)
    with _store(args) as store:
        found = listing(store, query, limit)
        pattern = _pattern(store, args) if args.script else None
    return history_list.print_listing(found, args, pattern)


def _pattern(store, args):
    from asba.history.patterns import pattern_for_script

    return pattern_for_script(store, script_name=args.script, days=args.days, user=args.user)


def _run_patterns(args) -> int:
    """Patterns are printed as they come (a big history's JSON is never held whole)."""
    from asba.history.patterns import all_patterns, pattern_for_script

    with _store(args, check=True) as store:
        if args.script:
            found = pattern_for_script(store, script_name=args.script, days=args.days, user=args.user)
            patterns = iter([found] if found else [])
        else:
            patterns = all_patterns(store, days=args.days, user=args.user)
        from asba.history.workload_class import classify

        if args.json:
            print_json_list({**p.as_dict(), "workload": classify(p).as_dict()} for p in patterns)
            return 0
        every = list(patterns)  # one record per script: the table needs them twice
        shown = every[:history_list.limit_of(args)]
        _print_patterns(shown, len(every))
        if shown:
            from asba.report.workload_view import workload_table

            out = console()
            out.print(workload_table(shown, [classify(p) for p in shown], out.width))
            more = history_list.more_line(len(shown), len(every), "script")
            if more:
                out.print(more, markup=False, soft_wrap=True)
    return 0


def _print_patterns(patterns, total: int) -> None:
    from asba.history.views import patterns_table
    from asba.report import units

    out = console()
    table = patterns_table(patterns, out.width)
    if total > table.row_count:
        table.title = f"Patterns of {units.count(table.row_count)} of {units.count(total)} scripts (2+ finished runs)"
    if not table.row_count:
        out.print("No script has 2 or more finished runs in the history yet.")
        return
    out.print(table)


def run_sync(args) -> int:
    from asba.inputs.slurm import SlurmRunner

    _check_days(args.days)
    if args.all_users and args.user:
        raise InputError("--user and --all-users cannot be combined", code="ASBA-HIST-021",
                         hint="give one of them")
    if _synced_recently(args):
        return 0
    if args.capture is not None:
        from asba.inputs.cluster_snapshot import check_capture_dir

        check_capture_dir(args.capture)
    runner = SlurmRunner(capture_dir=args.capture, snapshot_dir=args.cluster_snapshot, timeout_s=300)
    with _store(args, check=True) as store, _spinner("reading sacct and merging job steps"):
        report = store.sync(runner, days=args.days, user=args.user, all_users=args.all_users,
                            wait_days=None if args.no_wait_record else wait_record_cmd.record_days())
        waits = None if report.waits is None else report.waits.as_dict()
        _check_written(store)
    _record_sound(store.path)
    code = _print_report(report, getattr(args, "json", False), "synced from sacct since " + str(report.window_start),
                         {"wait_record": waits} if waits is not None else None)
    if waits is not None and not getattr(args, "json", False):
        wait_record_cmd.print_sync(waits)
    return code


def _synced_recently(args) -> bool:
    """Within history.sync_min_interval_s of the last sync of the same scope, sacct is not run again (slurmdbd
    is spared a poll loop); --force, --days and a snapshot always read. Says so, on stdout or as JSON."""
    if args.force or args.days is not None or args.cluster_snapshot is not None:
        return False
    from asba.history.store import now_epoch
    from asba.inputs.config import load_config

    interval = float(load_config(None).get("history.sync_min_interval_s", 300))
    scope = "all" if args.all_users else (f"user:{args.user}" if args.user else "self")
    with _store(args) as store:
        row = store.conn.execute("SELECT last_sync FROM sync_state WHERE scope = ?", (scope,)).fetchone()
    ago = None if row is None else now_epoch() - int(row[0])
    if ago is None or interval <= 0 or ago >= interval or ago < 0:
        return False
    if getattr(args, "json", False):
        print_json({"skipped": True, "last_sync_s_ago": ago, "min_interval_s": interval})
    else:
        console().print(f"history synced {ago} s ago (history.sync_min_interval_s = {interval:g}): sacct not run; "
                        "`asba history sync --force` reads it now", markup=False, highlight=False, soft_wrap=True)
    return True


def run_import(args) -> int:
    if not args.file.is_file():
        from asba.paths import missing_file_reason

        raise InputError(f"{missing_file_reason(args.file)}: {args.file}", where=str(args.file), code="ASBA-HIST-004",
                         hint="give the path of a saved sacct dump")
    fields = _fields(args.fields)
    delimiter = _delimiter(args.delimiter)
    from asba.history.parts import auto_workers

    if args.wait_record:
        with _store(args) as store:
            return wait_record_cmd.run_import(store, args.file, getattr(args, "json", False))
    workers = auto_workers(args.file) if args.workers == "auto" else args.workers
    with _store(args, check=True) as store:
        progress, done = _progress(args.file)
        try:
            report = store.import_file(args.file, delimiter=delimiter, fields=fields, cluster=args.cluster,
                                       progress=progress, workers=workers)
        finally:
            done()
        _check_written(store)
    _record_sound(store.path)
    return _print_report(report, getattr(args, "json", False), f"imported {args.file}")


def _fields(text: str | None) -> list[str] | None:
    """--fields: sacct field names, JobID among them (without it no job can be told from another)."""
    if not text:
        return None
    fields = [f.strip() for f in text.split(",")]
    if "jobid" not in (f.lower() for f in fields):
        raise InputError(f"--fields {clip(text)} does not name JobID", code="ASBA-HIST-023",
                         hint="list the dump's columns in order, JobID among them (e.g. --fields JobID,State,Elapsed)")
    return fields


def _delimiter(text: str | None) -> str | None:
    """--delimiter: a literal text, with backslash escapes such as \\t or \\x1f."""
    if not text:
        return None
    try:
        delimiter = text.encode("utf-8", "surrogateescape").decode("unicode_escape")
    except UnicodeDecodeError:
        raise InputError(f"--delimiter {clip(text)} is not a valid escape", code="ASBA-HIST-024",
                         hint="quote a literal backslash as \\\\, or write a tab as \\t") from None
    if not delimiter or "\n" in delimiter or "\r" in delimiter:
        raise InputError(f"--delimiter {clip(text)} cannot separate fields of a line", code="ASBA-HIST-024",
                         hint="give the text between fields, such as '|' or '\\x1f'")
    return delimiter


def _workers(text: str) -> int | str:
    if text == "auto":
        return text
    if not text.isdigit() or not 1 <= int(text) <= 64:
        raise argparse.ArgumentTypeError(f"expected auto or a number of processes from 1 to 64, got {text!r}")
    return int(text)


def _progress(path: Path):
    """A rich progress bar over the file's bytes, on a terminal and for big files only."""
    size = path.stat().st_size
    if size < PROGRESS_MIN_BYTES or not sys.stderr.isatty():
        return None, lambda: None
    from rich.progress import BarColumn, DownloadColumn, Progress, TimeRemainingColumn

    bar = Progress("[progress.description]{task.description}", BarColumn(), DownloadColumn(), TimeRemainingColumn(),
                   console=console(stderr=True), transient=True)
    task = bar.add_task("importing", total=size)
    bar.start()
    return (lambda n: bar.advance(task, n)), bar.stop


def _spinner(text: str):
    """A spinner on the terminal while a long sync runs; nothing when output is not a terminal."""
    import contextlib

    if not sys.stderr.isatty():
        return contextlib.nullcontext()
    return console(stderr=True).status(text)


def _print_report(report, as_json: bool, what: str, extra: dict | None = None) -> int:
    if as_json:
        print_json({**report.as_dict(), **(extra or {})})
        return 0
    out = console()
    out.print(f"{what}: {report.rows} rows, {report.jobs} jobs ({report.new} new, {report.improved} improved, "
              f"{report.unchanged} unchanged, {report.refused_older} refused as older), "
              f"{report.step_rows} step rows merged", markup=False, soft_wrap=True)
    for ids, total, how in ((report.counts.improved_ids, report.improved, "improved"),
                            (report.counts.refused_ids, report.refused_older, "refused as older")):
        if ids:
            note = " (the history holds a newer state of them, kept as it was)" if how != "improved" else ""
            out.print(f"jobs {how}: {', '.join(ids)}{' ...' if len(ids) < total else ''}{note}",
                      markup=False, soft_wrap=True)
    if report.cut_jobs:
        out.print(f"{report.cut_jobs} jobs had a name, submit line or work directory over 4096 characters: "
                  "kept cut to its start and end", markup=False, soft_wrap=True)
    if report.orphan_steps:
        out.print(f"{report.orphan_steps} step rows had no job row and were skipped", markup=False, soft_wrap=True)
    if report.malformed:
        shown = ", ".join(str(m.line_no) for m in report.malformed[:20])
        more = f" (and {len(report.malformed) - 20} more)" if len(report.malformed) > 20 else ""
        out.print(f"{len(report.malformed)} malformed lines skipped (the rest loaded): lines {shown}{more}; "
                  f"first: line {report.malformed[0].line_no}: {report.malformed[0].reason}",
                  markup=False, soft_wrap=True)
    return 0


def run_insights(args) -> int:
    from asba.history import gpu_alerts, views

    _check_days(args.days)
    with _store(args) as store:
        if args.job_id:
            records = store.jobs(job_id=args.job_id, user=args.user)
            if not records:
                raise InputError(f"job {args.job_id} is not in the history", code="ASBA-HIST-022",
                                 hint="run `asba history sync` (or --days N) first, "
                                      "or check the id with `asba history`")
            if args.json:
                print_json([r.as_dict() for r in records])
            else:
                for record in records:
                    for line in views.job_bars(record):
                        console().print(line, markup=False, highlight=False, soft_wrap=True)
            return 0
        tally = _wastes(store, args)
        low_gpu = gpu_alerts.low_gpu_jobs(store.conn, args.days, args.user)
    rows = sorted(tally.rows(), key=WASTE_SORTS[args.sort])  # stable: ties keep the biggest waste first
    if args.json:
        print_json({"totals": tally.totals(), "by_script": rows, "gpu_alert": low_gpu.as_dict()})
        return 0
    _print_wastes(tally.totals(), rows, history_list.limit_of(args))
    for line in gpu_alerts.alert_lines(low_gpu):
        console().print(line, markup=False, soft_wrap=True, highlight=False)
    return 0


def _wastes(store, args):
    """The tally of the whole history from the per-script sums kept on import; filtered, over the jobs."""
    from asba.history import script_summary
    from asba.history.wastes import FIELDS, WasteTally

    if args.days is None and not args.user and script_summary.ready(store.conn):
        return script_summary.cached_wastes(store.conn)
    return WasteTally().add_all(store.iter_rows(FIELDS, days=args.days, user=args.user))


def _gpu_eff(a: dict) -> str:
    """A script's GPU efficiency; 'not recorded' where it had GPUs but no recorded use, '-' without GPUs."""
    from asba.history import views

    if not a.get("gpu_h"):
        return "-"
    return views.pct(a["gpu_efficiency"]) if a["gpu_h_recorded"] else "not recorded"


def _print_wastes(totals: dict, rows, limit: int | None) -> None:
    from asba.history import views
    from asba.report import units

    out = console()
    out.print(views.totals_text(totals), markup=False, soft_wrap=True)
    if not rows:
        return
    listed = sum(a["jobs"] for a in rows)
    if listed != totals["jobs"]:
        out.print(f"By script below: the {units.plural(listed, 'job')} with a runtime and CPUs; "
                  f"{units.count(totals['jobs'] - listed)} without either used no core-hours.",
                  markup=False, soft_wrap=True)
    table = _wastes_table(rows[:limit], out.width)
    out.print(table)
    more = history_list.more_line(len(rows[:limit]), len(rows), "script")
    if more:
        out.print(more, markup=False, soft_wrap=True)


def _wastes_table(rows, width: int):
    """Per script, biggest waste first; under 120 columns the memory sums give way (numbers are never cut)."""
    from asba.history import views
    from asba.report import units
    from rich import box
    from rich.table import Table

    wide = width >= 120
    table = Table(title="Biggest wastes first", box=box.SIMPLE_HEAD, pad_edge=False)
    table.add_column("script", overflow="fold")
    heads = (("jobs", "core-h", "core-h used", "core-h wasted", "CPU eff", "mem GiB-h", "mem GiB-h used", "mem eff")
             if wide else ("jobs", "core-h", "used", "wasted", "CPU", "mem"))
    gpus = any(a.get("gpu_h") for a in rows)
    for header in heads + (("GPU-h", "GPU eff") if gpus else ()):
        table.add_column(header, justify="right", no_wrap=True)
    for a in rows:
        mem = (units.amount(a["mem_gbh"]), units.amount(a["used_mem_gbh"])) if wide else ()
        gpu_cells = (units.amount(a["gpu_h"]), _gpu_eff(a)) if gpus else ()
        table.add_row(a["script"], units.count(a["jobs"]), units.amount(a["core_h"]), units.amount(a["used_core_h"]),
                      units.amount(a["wasted_core_h"]), views.pct(a["cpu_efficiency"]), *mem,
                      views.pct(a["memory_efficiency"]), *gpu_cells)
    return table
