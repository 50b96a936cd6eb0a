"""`asba rules new`: the scaffold passes its own tests; bad names, built-in names and used folders are refused."""

from __future__ import annotations

import yaml
from asba.cli.main import main


def test_scaffold_passes_test_and_strict_lint(tmp_path, capsys) -> None:
    assert main(["rules", "new", "alignment", "--dir", str(tmp_path), "--tool", "minimap2",
                 "--owner", "Genomics core: <g@example.org> # not a comment"]) == 0
    folder = tmp_path / "alignment"
    assert sorted(p.name for p in folder.iterdir()) == ["pack.yaml", "threads.test.yaml", "threads.yaml"]
    assert "body.program, eq: minimap2" in (folder / "threads.yaml").read_text()
    capsys.readouterr()
    assert main(["rules", "test", str(folder)]) == 0
    assert "4 cases: 4 PASS, 0 FAIL" in capsys.readouterr().out
    assert main(["rules", "lint", str(folder), "--strict"]) == 0
    manifest = yaml.safe_load((folder / "pack.yaml").read_text())
    assert manifest["owner"] == "Genomics core: <g@example.org> # not a comment"  # quoted, not cut at ':' or '#'



def test_refusals_are_one_line_and_write_nothing(tmp_path, capsys) -> None:
    (tmp_path / "used").mkdir()
    (tmp_path / "used" / "notes.txt").write_text("mine")
    for argv, code in ((["Bad-Name"], "ASBA-PACK-060"), (["bio"], "ASBA-PACK-060"), (["used"], "ASBA-PACK-061"),
                       (["ok", "--tool", "rm -rf"], "ASBA-PACK-060")):
        assert main(["rules", "new", *argv, "--dir", str(tmp_path)]) == 2
        err = capsys.readouterr().err
        assert code in err and err.count("\n") == 1
    assert sorted(p.name for p in tmp_path.iterdir()) == ["used"]
    assert (tmp_path / "used" / "notes.txt").read_text() == "mine"
