"""What the research-domain packs change in the decision: only decision.checkpointing, a fact the decision pack
reads (and the spot-risk cost uses). The instance family they change through rules (instance-family/domain.yaml).

The first rule evaluation (the one that picks the instance family) may conclude domain.checkpoint_restart: a
domain rule saw the program started to continue from its own checkpoint (gmx mdrun -cpi, train.py --resume).
When the script-wide scan found no sign of checkpointing, that conclusion sets decision.checkpointing, and its
source names the domain rule that did it.
"""

from __future__ import annotations

from typing import Any

from asba.facts.model import Fact

ORIGINS = ("chem.checkpoint_restart", "ml.checkpoint_restart")


def apply(evaluation: Any, facts: list[Fact]) -> list[Fact]:
    """``facts`` with decision.checkpointing set from the domain packs' conclusion, where they found one."""
    found = evaluation.conclusions.get("domain.checkpoint_restart")
    if found is None or found.value is not True:
        return facts
    current = next((f for f in facts if f.name == "decision.checkpointing"), None)
    if current is not None and current.value is True:
        return facts
    origin = next((evaluation.conclusions[n].rule_id for n in ORIGINS if n in evaluation.conclusions), None)
    source = f"rule {found.rule_id}" + (f" (from {origin})" if origin else "")
    updated = Fact("decision.checkpointing", True, f"{source}: the program continues from its own checkpoint")
    return [updated if f.name == "decision.checkpointing" else f for f in facts] + ([] if current else [updated])
