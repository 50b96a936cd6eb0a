"""The workload class of each script, as `asba history --patterns` prints it beside the pattern table."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any


def workload_table(patterns: Sequence[Any], classes: Sequence[Any], width: int = 160) -> Any:
    from rich import box
    from rich.table import Table

    table = Table(title="Workload class (rules/workload: failed runs first, then the successful runs' efficiency)",
                  box=box.SIMPLE_HEAD, pad_edge=False)
    extra = ("rule",) * (width >= 110) + ("why",) * (width >= 160)
    for header in ("script", "class", "confidence", "rests on", *extra):
        table.add_column(header, no_wrap=header != "why")
    for pattern, cls in zip(patterns, classes):
        runs = "-" if cls.evidence_runs is None else f"{cls.evidence_runs} {_runs_word(cls.basis, cls.evidence)}"
        more = {"rule": cls.rule, "why": cls.reason}
        table.add_row(pattern.script, cls.name, cls.confidence or "-", runs, *(more[h] for h in extra))
    return table


def _runs_word(basis: str | None, evidence: str = "") -> str:
    from asba.history.evidence import PROGRAM_FAILED

    return "failed" if basis == "failure" or evidence == PROGRAM_FAILED else "ok"
