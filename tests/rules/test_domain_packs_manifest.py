"""Every research-domain pack has an owner, cited references, at least 5 rules, and a firing and a silent case
for each rule."""

from __future__ import annotations

import pytest
from asba.rules import load_packs

DOMAIN_PACKS = ("ml", "bio", "chem", "climate", "cfd")


@pytest.fixture(scope="module")
def packs():
    return {p.name: p for p in load_packs(with_cases=True).packs}


@pytest.mark.parametrize("name", DOMAIN_PACKS)
def test_domain_pack_is_complete(packs, name) -> None:
    pack = packs[name]
    assert pack.owner.strip() and len(pack.references) >= 3
    assert len(pack.rules) >= 5
    for rule in pack.rules:
        fires = [c for c in pack.cases if rule.id in c.fires]
        silent = [c for c in pack.cases if rule.id in c.silent]
        assert fires and silent, f"{rule.id}: needs a case where it fires and one where it stays silent"
