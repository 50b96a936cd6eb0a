"""Right-sizing gain, time-ordered on real usage histories (a thin caller of asba.audit.rightsize_replay).

    python benchmarks/rightsize_gain.py [--out benchmarks/results/rightsize_gain.md] [--json FILE]
        [--memory-headroom H] [--time-headroom H] [--min-runs N]

Each run gets the request `--optimize` would have proposed from its script's runs that had ended before it was
submitted; the report gives the CPU-, GB- and time-hours freed against what was requested and the share of runs
that would have failed (out of memory or out of time). The rule is the config's unless the options say otherwise.

Histories (every real sacct usage capture the project has; see each file's SOURCE note):
* the test cluster under a generated load whose memory and run time vary run to run
  (tests/fixtures/history/rightsize/, captured by benchmarks/capture_rightsize_load.py; a second, shorter capture
  with another seed was taken after the rule had been looked at on the first, to check it);
* the test cluster's bring-up jobs (/work/shared/slurm/samples/sacct_parsable2_ALL.psv);
* asba history sync's capture of its live-cluster test jobs (tests/fixtures/history/live/sacct_ended_sync.out);
* slurm2sql's test data (two Aalto Triton jobs, /work/shared/data/sacct/slurm2sql/).
Not replayable: reportseff's rows (no header, no dates: no time order) and the wait record's `sacct -X` capture
(no job name and no memory use).
"""

from __future__ import annotations

import argparse
import json
import sys
from dataclasses import replace
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
SHARED = REPO.parent / "shared"
SOURCES = {
    "test cluster, varied usage (2026-12-06)":
        [REPO / "tests/fixtures/history/rightsize/sacct_varied_usage_2026-12-06.psv"],
    "test cluster, varied usage, second seed (2026-12-06)":
        [REPO / "tests/fixtures/history/rightsize/sacct_varied_usage_seed2312_2026-12-06.psv"],
    "test cluster bring-up (2026-11-28)": [SHARED / "slurm/samples/sacct_parsable2_ALL.psv"],
    "asba history sync capture (2026-11-28)": [REPO / "tests/fixtures/history/live/sacct_ended_sync.out"],
    "slurm2sql test data (Aalto Triton, 2019)": sorted((SHARED / "data/sacct/slurm2sql").glob("test-data*.csv")),
}


def main(argv: list[str] | None = None) -> int:
    from asba.audit import rightsize_replay as replay
    from asba.inputs.config import load_config

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, help="write the Markdown table here too")
    parser.add_argument("--json", type=Path, help="write the figures as JSON here")
    parser.add_argument("--memory-headroom", type=float)
    parser.add_argument("--time-headroom", type=float)
    parser.add_argument("--min-runs", type=int)
    args = parser.parse_args(argv)
    rule = replay.Rule.from_config(load_config(None))
    overrides = {"memory_headroom": args.memory_headroom, "time_headroom": args.time_headroom,
                 "min_runs": args.min_runs}
    rule = replace(rule, **{k: v for k, v in overrides.items() if v is not None})
    summaries = []
    for name, paths in SOURCES.items():
        present = [p for p in paths if p.is_file()]
        if not present:
            print(f"{name}: not found, skipped", file=sys.stderr)
            continue
        summaries.append(replay.replay(name, replay.load_runs(present), rule))
    summaries.append(replay.pooled("**all histories**", summaries))
    text = "\n".join([f"Rule: memory headroom {rule.memory_headroom:.0%}, time headroom {rule.time_headroom:.0%}, "
                      f"at least {rule.min_runs} earlier ended runs.", "", *replay.table(summaries)]) + "\n"
    print(text)
    if args.out:
        args.out.write_text(text)
    if args.json:
        args.json.write_text(json.dumps({"rule": rule.__dict__, "histories": [s.as_dict() for s in summaries]},
                                        indent=2) + "\n")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
