#!/usr/bin/env python3
"""Build asba's offline EC2 knowledge (`knowledge/ec2/`) from the shared data snapshot.

Reproducible: the same inputs give byte-identical outputs (sorted keys, no timestamps of the build itself).

    python scripts/build_knowledge.py [--shared ../shared/data/ec2] [--out knowledge/ec2]

Outputs:
  instances.json              every instance type as a compact row (see asba.knowledge.ec2_records.FIELDS),
                              plus the regions that offer it
  prices/<region>.json        Linux on-demand USD/h with the date and source of the price list
  spot_advisor/<region>.json  Spot Advisor savings % and interruption bucket per type (Linux)
"""

from __future__ import annotations

import argparse
import gzip
import json
import shutil
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))  # import the row format without requiring an install

from engine.knowledge.ec2_records import FIELDS, FORMAT, compact_row  # noqa: E402

SPOT_ADVISOR_DATE = "2025-06-28"  # date of the spotinfo commit that refreshed the feed (see SOURCE.md)
LICENCES = ("LICENSE.moto.txt", "LICENSE.spotinfo.txt")


def _read_gz(path: Path):
    with gzip.open(path, "rt", encoding="utf-8") as fh:
        return json.load(fh)


def _write(path: Path, data) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    text = json.dumps(data, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    path.write_text(text + "\n", encoding="utf-8")


def build_instances(shared: Path) -> dict:
    records = _read_gz(shared / "instance_types.json.gz")
    legacy = _read_gz(shared / "instance_types_legacy.json.gz")
    regions = sorted(p.name.removesuffix(".json.gz") for p in (shared / "moto_region_offerings").glob("*.json.gz"))
    offered: dict[str, list[int]] = {}
    for index, region in enumerate(regions):
        for row in _read_gz(shared / "moto_region_offerings" / f"{region}.json.gz"):
            offered.setdefault(row["InstanceType"], []).append(index)
    types = {}
    for name, record in sorted(records.items()):
        types[name] = compact_row(record) + [offered.get(name, [])]
    legacy_names = sorted(set(legacy) - set(records))
    for name in legacy_names:
        types[name] = compact_row(legacy[name]) + [offered.get(name, [])]
    return {
        "format": FORMAT,
        "fields": [*FIELDS, "regions"],
        "regions": regions,
        "legacy": legacy_names,
        "source": "moto 5.2.5 instance_types.json.gz (+ 5.1.22 for legacy types), Apache-2.0",
        "date": "2026-10-27",
        "types": types,
    }


def build_prices(shared: Path) -> dict[str, dict]:
    raw = json.loads((shared / "on_demand_prices.json").read_text(encoding="utf-8"))
    date = raw["generated"][:10]
    return {
        region: {
            "region": region,
            "date": date,
            "generated": raw["generated"],
            "source": "karpenter-provider-aws zz_generated.pricing_aws.go (AWS Price List), Apache-2.0",
            "on_demand": dict(sorted(prices.items())),
        }
        for region, prices in raw["regions"].items()
    }


def build_spot_advisor(shared: Path) -> dict[str, dict]:
    raw = json.loads((shared / "spot_advisor.json").read_text(encoding="utf-8"))
    labels = [r["label"] for r in sorted(raw["ranges"], key=lambda r: r["index"])]
    out = {}
    for region, by_os in raw["spot_advisor"].items():
        linux = by_os.get("Linux") or {}
        out[region] = {
            "region": region,
            "date": SPOT_ADVISOR_DATE,
            "source": "AWS Spot Instance Advisor feed via spotinfo spot-advisor-data.json",
            "ranges": labels,
            "linux": {t: [v["s"], v["r"]] for t, v in sorted(linux.items())},
        }
    return out


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--shared", type=Path, default=REPO.parent / "shared" / "data" / "ec2")
    parser.add_argument("--out", type=Path, default=REPO / "knowledge" / "ec2")
    args = parser.parse_args(argv)
    if not (args.shared / "instance_types.json.gz").is_file():
        print(f"build_knowledge: {args.shared} has no instance_types.json.gz (pass --shared DIR)", file=sys.stderr)
        return 2
    _write(args.out / "instances.json", build_instances(args.shared))
    for region, data in build_prices(args.shared).items():
        _write(args.out / "prices" / f"{region}.json", data)
    for region, data in build_spot_advisor(args.shared).items():
        _write(args.out / "spot_advisor" / f"{region}.json", data)
    for name in LICENCES:
        shutil.copyfile(args.shared / name, args.out / name)
    print(f"build_knowledge: wrote {args.out}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
