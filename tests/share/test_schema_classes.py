"""Issue 21 item 8: the share bundle schema accepts every class the workload pack concludes (a history holding a
time-limited or io-or-idle script could not be exported when the schema listed only older classes)."""

from __future__ import annotations

import json
from pathlib import Path

import yaml

REPO = Path(__file__).resolve().parents[2]


def test_every_workload_class_of_the_pack_is_a_valid_bundle_class():
    pack = yaml.safe_load((REPO / "rules" / "workload" / "pack.yaml").read_text())
    classes = set(pack["conclusions"]["workload.class"]["values"])
    schema = json.loads((REPO / "knowledge" / "schemas" / "share-bundle.schema.json").read_text())
    allowed = set(schema["$defs"]["pattern"]["properties"]["workload_class"]["enum"])
    assert classes <= allowed, classes - allowed
