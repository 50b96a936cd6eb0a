"""scripts/build_knowledge.py reproduces knowledge/ec2 byte for byte from ../shared/data/ec2."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]


def test_build_is_reproducible(shared_dir, tmp_path):
    out = tmp_path / "ec2"
    subprocess.run(
        [sys.executable, str(REPO / "scripts" / "build_knowledge.py"), "--shared", str(shared_dir / "data" / "ec2"),
         "--out", str(out)],
        check=True, capture_output=True,
    )
    shipped = REPO / "knowledge" / "ec2"
    built = sorted(p.relative_to(out) for p in out.rglob("*") if p.is_file())
    assert built, "the build wrote nothing"
    for rel in built:
        assert (shipped / rel).read_bytes() == (out / rel).read_bytes(), f"{rel} differs: rerun the build"


def test_build_refuses_a_folder_without_the_snapshot(tmp_path):
    proc = subprocess.run(
        [sys.executable, str(REPO / "scripts" / "build_knowledge.py"), "--shared", str(tmp_path), "--out",
         str(tmp_path / "out")],
        capture_output=True, text=True,
    )
    assert proc.returncode == 2 and "instance_types.json.gz" in proc.stderr
