"""`asba history sync` within history.sync_min_interval_s of the last sync runs no sacct (--force does)."""

from __future__ import annotations

import json
import os
import stat

from asba.cli.main import main
from asba.history.store import HistoryStore, now_epoch


def _spy(tmp_path, monkeypatch):
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    calls = tmp_path / "sacct.log"
    for name in ("sacct", "scontrol"):
        exe = bin_dir / name
        exe.write_text(f"#!/bin/sh\necho {name} >> {calls}\necho 'slurmdbd down' >&2\nexit 1\n")
        exe.chmod(exe.stat().st_mode | stat.S_IEXEC)
    monkeypatch.setenv("PATH", f"{bin_dir}:{os.environ['PATH']}")
    return calls


def _synced(seconds_ago: int) -> None:
    store = HistoryStore.open(None)
    with store.conn:
        store.conn.execute("INSERT OR REPLACE INTO sync_state (scope, last_sync) VALUES ('self', ?)",
                           (now_epoch() - seconds_ago,))
    store.close()


def test_a_sync_right_after_a_sync_runs_no_sacct(tmp_path, monkeypatch, asba_home, capsys):
    calls = _spy(tmp_path, monkeypatch)
    monkeypatch.delenv("ASBA_CONFIG", raising=False)
    _synced(40)
    assert main(["history", "sync"]) == 0
    out = capsys.readouterr().out
    assert out.startswith("history synced 40 s ago (history.sync_min_interval_s = 300): sacct not run") or \
        out.startswith("history synced 41 s ago")
    assert not calls.exists()
    assert main(["history", "sync", "--json"]) == 0
    assert json.loads(capsys.readouterr().out)["skipped"] is True
    assert main(["history", "sync", "--force"]) == 1  # --force reads sacct (here: slurmdbd down, one error line)
    assert calls.read_text().split()[0] == "sacct"


def test_after_the_interval_or_with_days_sacct_runs(tmp_path, monkeypatch, asba_home, capsys):
    calls = _spy(tmp_path, monkeypatch)
    config = tmp_path / "c.yaml"
    config.write_text("history:\n  sync_min_interval_s: 30\n")
    monkeypatch.setenv("ASBA_CONFIG", str(config))
    _synced(40)
    assert main(["history", "sync"]) == 1 and calls.read_text().split()[0] == "sacct"
    calls.unlink()
    _synced(0)
    assert main(["history", "sync", "--days", "1"]) == 1 and calls.exists()
