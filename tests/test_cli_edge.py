"""The command-line edge: version, help, usage errors and exit codes a user sees."""

from __future__ import annotations

import os
import subprocess
import sys

from asba import __version__
from asba.cli.main import COMMAND_MODULES, main


def run_asba(*args: str, env: dict | None = None) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "asba", *args],
        capture_output=True,
        text=True,
        env={**os.environ, **(env or {})},
        timeout=120,
    )


def test_version_prints_the_package_version():
    proc = run_asba("--version")
    assert proc.returncode == 0
    assert proc.stdout.strip() == f"asba {__version__}"


def test_help_lists_every_command_and_the_exit_codes():
    proc = run_asba("--help")
    assert proc.returncode == 0
    for module in COMMAND_MODULES:
        assert module.rsplit(".", 1)[1].removesuffix("_cmd") in proc.stdout
    assert "exit codes: 0 ok, 1 failure or finding" in proc.stdout
    assert "2 usage or input error" in proc.stdout


def test_unknown_command_is_a_usage_error_on_one_line():
    proc = run_asba("frobnicate")
    assert proc.returncode == 2
    assert "Traceback" not in proc.stderr
    assert proc.stderr.strip().splitlines()[-1].startswith("asba: error:")


def test_every_command_module_exists():
    import importlib

    for name in COMMAND_MODULES:
        assert hasattr(importlib.import_module(name), "register"), name


def test_no_command_prints_help_and_exits_2(capsys):
    assert main([]) == 2
    assert "usage: asba" in capsys.readouterr().out
