"""What `asba submit` runs: the exact ``sbatch --parsable`` argv for an explained job, array split or pipeline.

Pure: built from the advice's JSON-ready result, nothing is run here. Option order follows sbatch's rule that a
later option wins: the user's own options first, then the partition the advice chose (``-p BURST`` when it says
AWS), then the right-sized options of ``--optimize``. A local recommendation adds no ``-p``: the script's or the
user's partition stays. A job array the decision pack splits is two submissions (local part, AWS part); a
pipeline is one submission per step, each ``--dependency=afterok:`` the step before (filled in with the id sbatch
returned for it, when it is run).
"""

from __future__ import annotations

import shlex
from dataclasses import dataclass
from pathlib import Path

SBATCH = ("sbatch", "--parsable")
AFTEROK = "--dependency=afterok:{}"


@dataclass(frozen=True)
class Submission:
    step: int
    platform: str  # local | aws
    options: tuple[str, ...]  # between `sbatch --parsable` and the script
    script: str
    after: int | None = None  # the step this one waits for (afterok), if any

    def argv(self, after_id: str | None = None) -> list[str]:
        dep = [AFTEROK.format(after_id)] if self.after is not None and after_id else []
        return [*SBATCH, *dep, *self.options, self.script]

    def line(self) -> str:
        """The shell line, with the dependency as a variable for pipelines (ready to paste)."""
        dep = [AFTEROK.format(f"$step{self.after + 1}")] if self.after is not None else []
        words = [*SBATCH, *dep, *self.options, self.script]
        return " ".join(w if w.startswith("--dependency=afterok:$") else shlex.quote(w) for w in words)


@dataclass(frozen=True)
class SubmitPlan:
    platform: str  # local | aws | split | pipeline
    instance_type: str | None
    optimized: bool
    submissions: tuple[Submission, ...]
    summary: str

    def as_dict(self) -> dict:
        return {"platform": self.platform, "instance_type": self.instance_type, "optimized": self.optimized,
                "summary": self.summary,
                "submissions": [{"step": s.step, "platform": s.platform, "line": s.line(),
                                 "after_step": s.after} for s in self.submissions]}


def _optimized(result: dict, optimize: bool) -> dict | None:
    block = result.get("optimized") or {}
    return block if optimize and block.get("status") == "changed" else None


def _opt_args(block: dict | None) -> list[str]:
    return [line.removeprefix("#SBATCH ").strip() for line in (block or {}).get("sbatch_lines", [])]


def _split_args(command: str) -> list[str]:
    """The options of one of the array split's ready-to-paste commands (``sbatch OPTS SCRIPT``)."""
    words = shlex.split(command)
    return words[1:-1]


def plan_job(result: dict, script: Path, cli_args: list[str], burst: str | None, optimize: bool) -> SubmitPlan:
    """The submission(s) for one explained script."""
    block = _optimized(result, optimize)
    rec = (block or result)["recommendation"]
    extra = _opt_args(block)
    split = ((result.get("array") or {}).get("split") or {})
    if split.get("offered") and split.get("commands") and not block:
        subs = tuple(Submission(i, "aws" if burst and f"-p {burst}" in cmd else "local",
                                (*cli_args, *_split_args(cmd)), str(script))
                     for i, cmd in enumerate(split["commands"]))
        return SubmitPlan("split", rec.get("instance_type"), False, subs,
                          f"split the array: {split['local_tasks']} task(s) here, {split['aws_tasks']} on {burst}")
    platform = rec["platform"]
    part = ["-p", burst] if platform == "aws" and burst else []
    where = f"AWS via {burst} ({rec.get('instance_type')} x{rec.get('nodes') or 1})" if part else "the local cluster"
    sub = Submission(0, platform, (*cli_args, *part, *extra), str(script))
    return SubmitPlan(platform, rec.get("instance_type") if part else None, bool(block), (sub,),
                      f"run on {where}" + (", right-sized from history" if block else ""))


def plan_pipeline(steps: list[tuple[Path, str, str | None]], burst: str | None,
                  cli_args: tuple[str, ...] = ()) -> SubmitPlan:
    """One submission per (script, platform, instance) step, each afterok the one before; the user's sbatch
    options apply to every step (as `asba pipeline` prints them)."""
    subs = tuple(Submission(i, where, (*cli_args, *(("-p", burst) if where == "aws" and burst else ())),
                            str(script), i - 1 if i else None) for i, (script, where, _inst) in enumerate(steps))
    path = " -> ".join(where for _s, where, _i in steps)
    return SubmitPlan("pipeline", None, False, subs, f"a chain of {len(steps)} afterok step(s): {path}")
