"""`asba share import`: bad bundles are refused with one line and leave the site folder as it was; good ones
are stored once, atomically; `asba share insights` and `asba explain` read them."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from asba.share.bundle import canonical, checksum
from share_support import EXAMPLES, HISTORIES, export_args, load


def _snapshot(root: Path) -> dict[str, bytes]:
    return {str(p.relative_to(root)): p.read_bytes() for p in sorted(root.rglob("*")) if p.is_file()}


@pytest.fixture
def bundle(site, asba, tmp_path) -> Path:
    out = tmp_path / "bundle.json"
    assert asba(*export_args(HISTORIES, out))[0] == 0
    assert asba("share", "import", out)[0] == 0  # the site already holds one bundle
    return out


def _write(path: Path, doc: dict, reseal: bool) -> Path:
    if reseal:
        doc = {**doc, "checksum": checksum(doc)}
    path.write_bytes(canonical(doc))
    return path


def _tampered(doc: dict) -> dict:
    doc["patterns"][0]["runs"] += 10
    return doc


def _future(doc: dict) -> dict:
    doc["version"] = 2
    return doc


def _extra_key(doc: dict) -> dict:
    doc["patterns"][0]["user"] = "alice"
    return doc


def _bad_hash(doc: dict) -> dict:
    doc["contributor"] = "alice"
    return doc


CASES = [
    ("tampered", _tampered, False, "ASBA-SHARE-005"),
    ("future-version", _future, True, "ASBA-SHARE-004"),
    ("schema: extra key", _extra_key, True, "ASBA-SHARE-006"),
    ("schema: not a hash", _bad_hash, True, "ASBA-SHARE-006"),
]


@pytest.mark.parametrize(("name", "change", "reseal", "code"), CASES, ids=[c[0] for c in CASES])
def test_bad_bundle_is_refused_and_nothing_changes(site, asba, bundle, tmp_path, name, change, reseal, code) -> None:
    before = _snapshot(site)
    bad = _write(tmp_path / "bad.json", change(load(bundle)), reseal)
    status, out, err = asba("share", "import", bad)
    assert status == 2 and out == ""
    assert err.count("\n") == 1 and code in err and str(bad) in err
    assert _snapshot(site) == before


RAW = [
    ("truncated", lambda text: text[:200], "ASBA-SHARE-002"),
    ("NaN", lambda text: text.replace('"runs":4', '"runs":NaN', 1), "ASBA-SHARE-002"),
    ("deep nesting", lambda text: "[" * 100000 + "]" * 100000, "ASBA-SHARE-00"),
    ("not an object", lambda text: "[1, 2, 3]", "ASBA-SHARE-003"),
    ("not UTF-8", lambda text: "\udcff", "ASBA-SHARE-002"),
    ("other format", lambda text: text.replace("asba-share-bundle", "other-bundle"), "ASBA-SHARE-003"),
]


@pytest.mark.parametrize(("name", "change", "code"), RAW, ids=[c[0] for c in RAW])
def test_malformed_bundle_is_refused_and_nothing_changes(site, asba, bundle, tmp_path, name, change, code) -> None:
    before = _snapshot(site)
    bad = tmp_path / "bad.json"
    bad.write_bytes(change(bundle.read_text()).encode("utf-8", "surrogateescape"))
    status, _, err = asba("share", "import", bad)
    assert status == 2 and err.count("\n") == 1 and code in err
    assert _snapshot(site) == before


def test_oversized_bundle_is_refused_before_parsing(site, asba, bundle, tmp_path) -> None:
    config = tmp_path / "small.yaml"
    config.write_text("share:\n  max_bundle_bytes: 1024\n")
    before = _snapshot(site)
    status, _, err = asba("share", "import", bundle, "--config", config)
    assert status == 2 and "ASBA-SHARE-008" in err and "refused before parsing" in err
    assert _snapshot(site) == before


def test_a_folder_with_one_bad_bundle_stores_none(site, asba, bundle, tmp_path) -> None:
    folder = tmp_path / "incoming"
    folder.mkdir()
    other = load(bundle)
    other["contributor"] = "h:" + "1" * 16
    _write(folder / "a-good.json", other, True)
    _write(folder / "b-bad.json", _tampered(load(bundle)), False)
    before = _snapshot(site)
    status, _, err = asba("share", "import", folder)
    assert status == 2 and "b-bad.json" in err
    assert _snapshot(site) == before
    (folder / "b-bad.json").unlink()
    status, out, _ = asba("share", "import", folder)
    assert status == 0 and "imported 1 new bundle(s)" in out
    assert not [p for p in site.rglob("*") if p.name.startswith(".tmp-")]  # atomic writes leave no temp files


def _second_user_history(tmp_path: Path) -> list[Path]:
    """The example histories as another user ran them (the same real rows, another User)."""
    out = []
    for dump in HISTORIES:
        copy = tmp_path / dump.name
        copy.write_text(dump.read_text().replace("|alice|", "|bob|"))
        out.append(copy)
    return out


def test_insights_count_users_and_explain_uses_them_without_history(site, asba, bundle, tmp_path) -> None:
    bob = tmp_path / "bob.json"
    (tmp_path / "bob").mkdir()
    assert asba(*export_args(_second_user_history(tmp_path / "bob"), bob))[0] == 0
    assert asba("share", "import", bob)[0] == 0
    status, out, _ = asba("share", "insights", "--json")
    result = json.loads(out)
    assert status == 0 and result["bundles"] == 2 and result["contributors"] == 2
    memory = [b for b in result["best_practices"] if b["workload"] == "simplefoam (cfd)"
              and b["optimization"].startswith("request memory")]
    assert memory and memory[0]["users"] == 2 and memory[0]["savings_percent"] == 74.4
    mistakes = {(m["workload"], m["mistake"]) for m in result["common_mistakes"]}
    assert ("gatk (bioinformatics)", "runs out of memory") in mistakes
    script = tmp_path / "new_cfd.sbatch"  # the same solver on the same nodes, never run by this user
    script.write_text((EXAMPLES / "mpi_cfd.sbatch").read_text())
    status, out, err = asba("explain", script, "cpu-aws", "--json", "--no-log")
    assert status == 0, err
    notes = [n for n in json.loads(out)["notes"] if "site's shared patterns" in n]
    assert notes and notes[0].startswith("no personal history for this script")
    assert "2 user(s) at this site who run simplefoam on 4 node(s)" in notes[0]
    assert "use 21 % of the memory they request" in notes[0]


def test_explain_with_personal_history_does_not_use_site_patterns(site, asba, bundle) -> None:
    status, out, _ = asba("explain", EXAMPLES / "mpi_cfd.sbatch", "cpu-aws", "--json", "--no-log")
    assert status == 0
    assert not [n for n in json.loads(out)["notes"] if "site's shared patterns" in n]
