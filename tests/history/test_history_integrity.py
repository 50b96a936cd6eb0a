"""Integrity checks run after an import or a sync and are recorded; a read trusts the record only while the
file is exactly as it was checked, so damage done since is still refused with one line (issue 27)."""

from __future__ import annotations

import json
from pathlib import Path

from asba.cli.main import main
from asba.history import integrity

DUMP = Path(__file__).resolve().parents[1] / "fixtures" / "history" / "samples" / "sacct_parsable2_ALL.psv"


def _imported(tmp_path: Path, capsys) -> Path:
    db = tmp_path / "jobs.db"
    assert main(["history", "import", str(DUMP), "--db", str(db)]) == 0
    capsys.readouterr()
    return db


def _counting_checks(monkeypatch) -> list[str]:
    calls: list[str] = []
    real = integrity.check

    def counted(conn, db):
        calls.append(str(db))
        real(conn, db)

    monkeypatch.setattr(integrity, "check", counted)
    return calls


def test_an_import_records_its_check_and_reads_skip_it(tmp_path, capsys, monkeypatch):
    db = _imported(tmp_path, capsys)
    body = json.loads(integrity.record_path(db).read_text())
    assert body["result"] == "ok" and body["size"] == db.stat().st_size
    calls = _counting_checks(monkeypatch)
    assert main(["history", "--patterns", "--db", str(db)]) == 0
    assert main(["audit", "list", "--db", str(db)]) == 0
    assert calls == []  # the file is as the import left it: no full-file check on a read


def test_a_file_damaged_after_its_check_is_still_refused_and_left_as_it_was(tmp_path, capsys):
    db = _imported(tmp_path, capsys)
    data = bytearray(db.read_bytes())
    page = 4096
    at = page * (len(data) // page // 2)
    data[at:at + 3000] = b"\xff" * 3000
    db.write_bytes(bytes(data))
    before = db.read_bytes()
    for argv in (["history", "--patterns"], ["audit", "list"], ["history", "import", str(DUMP)]):
        code = main([*argv, "--db", str(db)])
        err = capsys.readouterr().err
        assert code != 0 and "ASBA-HIST-013" in err and len(err.strip().splitlines()) <= 2, (argv, err)
        assert db.read_bytes() == before
    assert json.loads(integrity.record_path(db).read_text())["result"] == "ok"  # the old record is not trusted


def test_a_changed_file_is_checked_once_then_trusted(tmp_path, capsys, monkeypatch):
    db = _imported(tmp_path, capsys)
    integrity.record_path(db).unlink()  # as after a write by something other than an import or a sync
    calls = _counting_checks(monkeypatch)
    assert main(["history", "--patterns", "--db", str(db)]) == 0
    assert main(["history", "--patterns", "--db", str(db)]) == 0
    assert len(calls) == 1
