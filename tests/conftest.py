"""Shared test set-up.

Tests marked ``@pytest.mark.slurm`` need the real SLURM test cluster that ``scripts/slurm-cluster.sh start``
brings up (``.ci/run`` does this). When no cluster answers ``scontrol ping`` they are skipped, with the reason,
so the suite still passes on a machine without SLURM.
"""

from __future__ import annotations

import functools
import os
import shutil
import subprocess
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parent.parent
SHARED = Path(os.environ.get("ASBA_SHARED", REPO.parent / "shared"))


@functools.lru_cache(maxsize=1)
def slurm_unavailable_reason() -> str | None:
    if not shutil.which("scontrol"):
        return "no SLURM installed (scontrol not on PATH); start the test cluster with scripts/slurm-cluster.sh start"
    try:
        proc = subprocess.run(["scontrol", "ping"], capture_output=True, text=True, timeout=10)
    except (OSError, subprocess.TimeoutExpired) as exc:
        return f"scontrol ping failed: {exc}"
    if proc.returncode != 0 or "UP" not in proc.stdout:
        return "no SLURM controller answers scontrol ping; start it with scripts/slurm-cluster.sh start"
    return None


def pytest_collection_modifyitems(config, items):
    reason = None
    for item in items:
        if "slurm" in item.keywords:
            reason = reason or slurm_unavailable_reason()
            if reason:
                item.add_marker(pytest.mark.skip(reason=reason))


@pytest.fixture(scope="session", autouse=True)
def _session_asba_home(tmp_path_factory):
    """No test reads or writes the real ~/.asba (a developer's or CI's own history, at whatever schema it has):
    tests that do not ask for `asba_home` share one empty home for the session."""
    saved = os.environ.get("ASBA_HOME")
    os.environ["ASBA_HOME"] = str(tmp_path_factory.mktemp("session-asba-home"))
    yield
    if saved is None:
        os.environ.pop("ASBA_HOME", None)
    else:
        os.environ["ASBA_HOME"] = saved


@pytest.fixture
def asba_home(tmp_path, monkeypatch):
    """An empty ASBA_HOME for one test, so no test touches the user's ~/.asba."""
    home = tmp_path / "asba-home"
    monkeypatch.setenv("ASBA_HOME", str(home))
    return home


@pytest.fixture(scope="session")
def shared_dir() -> Path:
    if not SHARED.is_dir():
        pytest.skip(f"shared data folder not found at {SHARED}")
    return SHARED
