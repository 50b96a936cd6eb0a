"""`asba` entry point: a dispatcher over command modules.

Each command module in COMMAND_MODULES has ``register(subparsers)``, which adds its sub-command(s) and sets
``func`` (``args -> exit code``) on the parser. Errors raised by the library are AsbaError: printed as one line,
never a traceback. Exit codes: 0 ok, 1 failure or finding, 2 usage or input error.
"""

from __future__ import annotations

import os
import sys

TYPE_CHECKING = False  # not typing's: `asba check` (the sbatch-time fast path) must not pay for importing typing
if TYPE_CHECKING:
    import argparse
    from typing import NoReturn

COMMAND_MODULES = (
    "asba.cli.explain_cmd",
    "asba.cli.facts_cmd",
    "asba.cli.cluster_cmd",
    "asba.cli.history_cmd",
    "asba.cli.knowledge_cmd",
    "asba.cli.config_cmd",
    "asba.cli.rules_cmd",
    "asba.cli.audit_cmd",
    "asba.cli.share_cmd",
    "asba.cli.pipeline_cmd",
    "asba.cli.profile_cmd",
    "asba.cli.submit_cmd",
    "asba.cli.check_cmd",
    "asba.cli.site_cmd",
    "asba.cli.report_cmd",
)

EPILOG = """\
exit codes: 0 ok, 1 failure or finding (e.g. a failing rule test), 2 usage or input error.
Short form: `asba JOB.sbatch [BURST_PARTITION] [sbatch options]` is `asba explain --brief ...`.
Set NO_COLOR to disable colour; ASBA_HOME (default ~/.asba) holds the history database and caches."""


def _parser_class() -> type[argparse.ArgumentParser]:
    """argparse is imported here, not at the top: `asba check` never builds a parser."""
    import argparse

    from asba.errors import EXIT_USAGE

    class _Parser(argparse.ArgumentParser):
        def error(self, message: str) -> NoReturn:  # one line, exit 2
            self.print_usage(sys.stderr)
            sys.stderr.write(f"asba: error: {message}\n")
            raise SystemExit(EXIT_USAGE)

    return _Parser


def build_parser() -> argparse.ArgumentParser:
    import argparse
    import importlib

    from asba import __version__

    _Parser = _parser_class()
    parser = _Parser(
        prog="asba",
        description="AWS SLURM Burst Advisor: run this job here or on AWS, with what resources, and why.",
        epilog=EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--version", action="version", version=f"asba {__version__}")
    subparsers = parser.add_subparsers(dest="command", metavar="COMMAND", parser_class=_Parser)
    for name in COMMAND_MODULES:
        try:
            module = importlib.import_module(name)
        except ModuleNotFoundError as exc:  # during development a command module may not exist yet
            if exc.name == name:
                continue
            raise
        module.register(subparsers)
    return parser


def _rewrite_short_form(argv: list[str], commands: set[str]) -> list[str]:
    """`asba job.sbatch gpu-aws ...` -> `asba explain --brief job.sbatch gpu-aws ...`."""
    if argv and not argv[0].startswith("-") and argv[0] not in commands and os.path.exists(argv[0]):
        return ["explain", "--brief", *argv]
    return argv


def main(argv: list[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    if argv[:1] == ["check"]:  # the sbatch-time fast path: no parser, no command module imported (asba.site.check)
        from asba.site.check import fast_main

        return fast_main(argv[1:])
    from asba.errors import EXIT_USAGE, AsbaError

    try:
        parser = build_parser()
        commands = set(parser._subparsers._group_actions[0].choices or ()) if parser._subparsers else set()
        argv = _rewrite_short_form(argv, commands)
        args = parser.parse_args(argv)
        if not getattr(args, "func", None):
            parser.print_help()
            return EXIT_USAGE
        return int(args.func(args) or 0)
    except AsbaError as exc:
        sys.stderr.write(f"asba: error: {exc.one_line()}\n")
        return exc.exit_code
    except KeyboardInterrupt:
        sys.stderr.write("asba: interrupted\n")
        return 130
    except BrokenPipeError:
        return 0
    except Exception as exc:  # a bug: still one line, with a way to see more
        if os.environ.get("ASBA_DEBUG"):
            raise
        sys.stderr.write(
            f"asba: internal error: {type(exc).__name__}: {exc} "
            "(this is a bug; run again with ASBA_DEBUG=1 for the traceback and report it)\n"
        )
        return 3
