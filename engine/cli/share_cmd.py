"""`asba share export|import|insights`: anonymised bundles of script patterns, gathered in a site folder."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from asba.cli.output import add_json_flag, console, print_json
from asba.errors import EXIT_OK, InputError


def register(subparsers) -> None:
    share = subparsers.add_parser("share", help="export, import and read anonymised patterns shared at your site",
                                  description="Collaborative learning: anonymised bundles of script patterns.")
    sub = share.add_subparsers(dest="share_command", metavar="SUBCOMMAND")
    share.set_defaults(func=lambda args: (share.print_help(), 2)[1])
    p = sub.add_parser("export", help="write your patterns as an anonymised JSON bundle")
    p.add_argument("--out", type=Path, metavar="FILE", help="write the bundle here (default: standard output)")
    p.add_argument("--history-dump", type=Path, action="append", default=[], metavar="FILE",
                   help="read these sacct dumps instead of your history database (repeatable)")
    p.add_argument("--scripts", type=Path, action="append", default=[], metavar="DIR",
                   help="where to find job scripts the history names but did not record a path for (repeatable)")
    _common(p)
    p.set_defaults(func=run_export)
    p = sub.add_parser("import", help="check bundles and add them to the site folder (share.site_dir)")
    p.add_argument("source", type=Path, metavar="FILE|DIR", help="a bundle, or a folder of *.json bundles")
    _common(p)
    p.set_defaults(func=run_import)
    p = sub.add_parser("insights", help="best practices and common mistakes from the site's bundles")
    _common(p)
    p.set_defaults(func=run_insights)


def _common(parser) -> None:
    parser.add_argument("--config", type=Path, metavar="FILE", help="read this config file last")
    add_json_flag(parser)


def site_of(cfg: Any) -> Any:
    from asba.share.site import site_for

    return site_for(cfg)


def run_export(args) -> int:
    from asba.inputs.config import load_config
    from asba.share.bundle import canonical
    from asba.share.export import build_bundle
    from asba.share.site import write_atomic

    cfg = load_config(args.config)
    site = site_of(cfg)
    with _history(args, cfg) as store:
        report = build_bundle(store, site.salt(), k=int(cfg.get("share.k_anonymity_runs", 3)),
                              memory_headroom=float(cfg.get("advisor.memory_headroom", 0.2)),
                              time_headroom=float(cfg.get("advisor.time_headroom", 0.25)),
                              script_dirs=list(args.scripts))
    data = canonical(report.bundle) + b"\n"
    summary = (f"exported {report.exported} pattern(s); {report.withheld} withheld (fewer than "
               f"{report.bundle['k_anonymity_runs']} runs)")
    if report.without_script:
        summary += f"; {len(report.without_script)} without a script file (no programs or domain; see --scripts)"
    if args.out:
        write_atomic(args.out, data)
        if args.json:
            print_json({"out": str(args.out), "exported": report.exported, "withheld": report.withheld,
                        "checksum": report.bundle["checksum"]})
        else:
            console().print(f"{summary}: {args.out}", highlight=False, markup=False)
        return EXIT_OK
    import sys

    sys.stdout.write(data.decode())
    console(stderr=True).print(summary, highlight=False, markup=False)
    return EXIT_OK


class _history:
    """The store to export from: the sacct dumps given, else the user's history database."""

    def __init__(self, args, cfg) -> None:
        self.args, self.cfg, self.store = args, cfg, None

    def __enter__(self):
        from asba.history.store import HistoryStore

        if self.args.history_dump:
            self.store = HistoryStore.open(":memory:")
            for dump in self.args.history_dump:
                if not dump.is_file():
                    from asba.paths import missing_file_reason

                    raise InputError(f"sacct dump: {missing_file_reason(dump)}", where=str(dump), code="ASBA-SHARE-012",
                                     hint="give a file written by sacct --parsable2 (with a header line)")
                self.store.import_file(dump)
        else:
            self.store = HistoryStore.open(self.cfg.get("history.db", None))
        return self.store

    def __exit__(self, *exc: object) -> None:
        if self.store is not None:
            self.store.close()


def run_import(args) -> int:
    from asba.inputs.config import load_config
    from asba.share.bundle import read_bundle

    cfg = load_config(args.config)
    site = site_of(cfg)
    source: Path = args.source
    if source.is_dir():
        files = sorted(source.glob("*.json"))
        if not files:
            raise InputError("no *.json bundles in this folder", where=str(source), code="ASBA-SHARE-007",
                             hint="give a bundle written by asba share export, or a folder of them")
    else:
        files = [source]
    bundles = [read_bundle(path, site.max_bytes) for path in files]  # all checked before anything is stored
    added = [site.add(doc)[1] for doc in bundles]
    new = sum(added)
    if args.json:
        print_json({"site_dir": str(site.root), "read": len(bundles), "new": new, "already_there": len(added) - new})
    else:
        console().print(f"imported {new} new bundle(s) into {site.bundle_dir} ({len(added) - new} already there)",
                        highlight=False, markup=False)
    return EXIT_OK


def run_insights(args) -> int:
    from asba.inputs.config import load_config
    from asba.share.insights import aggregate

    site = site_of(load_config(args.config))
    result = {"site_dir": str(site.root), **aggregate(list(site.bundles()))}
    if args.json:
        print_json(result)
        return EXIT_OK
    out = console()
    out.print(f"site {site.root}: {result['bundles']} bundle(s) from {result['contributors']} user(s), "
              f"{result['patterns']} pattern(s)", highlight=False, markup=False)
    out.print("BEST PRACTICES", highlight=False, markup=False)
    for bp in result["best_practices"] or [None]:
        out.print("  (none yet)" if bp is None else
                  f"  {bp['workload']}: {bp['optimization']} — frees {bp['savings_percent']:.0f} % of the request; "
                  f"{bp['adoption_rate']:.0%} of {bp['users']} user(s) already do it", highlight=False, markup=False)
    out.print("COMMON MISTAKES", highlight=False, markup=False)
    for m in result["common_mistakes"] or [None]:
        out.print("  (none yet)" if m is None else
                  f"  {m['workload']}: {m['mistake']} ({m['users']} user(s), {m['share_of_users']:.0%}); "
                  f"{m['typical']}; {m['fix']}", highlight=False, markup=False)
    return EXIT_OK
