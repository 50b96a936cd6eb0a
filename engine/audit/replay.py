"""Replay a logged decision: re-evaluate its recorded facts with the packs installed now and report differences
(in pack revisions, conclusions and fired rules)."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from asba.audit.log import Decision, packs_of
from asba.facts.model import Fact


@dataclass
class Replay:
    decision_id: str
    same_packs: bool
    pack_changes: list[str]
    differences: list[str] = field(default_factory=list)
    platform_then: str = ""
    platform_now: str = ""

    @property
    def identical(self) -> bool:
        return self.same_packs and not self.differences

    def as_dict(self) -> dict:
        return {**self.__dict__, "identical": self.identical}


def _pack_changes(recorded: list[dict], current: list[dict]) -> list[str]:
    now = {p["pack"]: p for p in current}
    changes = []
    for pack in recorded:
        here = now.get(pack["pack"])
        if here is None:
            changes.append(f"pack {pack['pack']}@{pack['revision']} is no longer installed")
        elif (here["revision"], here["digest"]) != (pack["revision"], pack["digest"]):
            changes.append(f"pack {pack['pack']}: recorded {pack['revision']} ({pack['digest']}), "
                           f"installed {here['revision']} ({here['digest']})")
    changes += [f"pack {name}@{p['revision']} is new" for name, p in now.items()
                if name not in {r['pack'] for r in recorded}]
    return changes


def recorded_extra_packs(decision: Decision) -> list[Path]:
    """Pack folders the decision used beyond the built-in ones, if they are still there."""
    from asba.paths import packs_dir

    builtin = packs_dir().resolve()
    paths = [Path(p["path"]) for p in decision.packs if p.get("path")]
    return [p for p in paths if p.is_dir() and builtin not in p.resolve().parents]


def replay(decision: Decision, extra_paths: tuple = ()) -> Replay:
    from asba.rules import evaluate, load_packs

    packs = load_packs([*recorded_extra_packs(decision), *extra_paths])
    changes = _pack_changes(decision.packs, packs_of(packs))
    facts = [Fact(f["name"], f["value"], f["source"]) for f in decision.facts]
    ev = evaluate(packs, facts)
    then = {e["name"]: e["value"] for e in decision.trace if e["type"] == "conclusion_asserted"}
    now = {name: c.value for name, c in ev.conclusions.items()}
    fired_then = [e["rule"] for e in decision.trace if e["type"] == "rule_fired"]
    result = Replay(decision.id, not changes, changes,
                    platform_then=str(then.get("advice.platform", decision.platform)),
                    platform_now=str(now.get("advice.platform", "")))
    for name in sorted(set(then) | set(now)):
        if then.get(name) != now.get(name):
            result.differences.append(f"{name}: recorded {then.get(name)!r}, now {now.get(name)!r}")
    for rule in sorted(set(fired_then) ^ set(ev.fired)):
        state = "fired then, not now" if rule in fired_then else "fires now, did not then"
        result.differences.append(f"rule {rule}: {state}")
    return result


MASK_USER = "<user>"


def mask(data: Any, users: set[str]) -> Any:
    """The decision with users, groups, hosts, addresses, paths and job/script names masked (asba.audit.masking)."""
    from asba.audit.masking import mask as mask_all

    return mask_all(data, users)
