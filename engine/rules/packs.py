"""Find and load rule packs: the built-in ones plus any extra pack folders, checked together."""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path

from asba.facts.vocabulary import Vocabulary, load_vocabulary
from asba.rules.checks import check_packset
from asba.rules.loader import find_pack_dirs, load_pack
from asba.rules.model import PackSet


def builtin_pack_dirs() -> list[Path]:
    from asba.paths import packs_dir

    root = packs_dir()
    return sorted(p.parent for p in root.glob("*/pack.yaml"))


def load_packs(extra_paths: Iterable[str | Path] = (), *, builtin: bool = True,
               vocabulary: Vocabulary | None = None, with_cases: bool = False) -> PackSet:
    """Load, validate and check packs. Raises RulePackError (file:line:col, code, hint) on the first problem.

    ``with_cases`` also reads each rule file's test cases (for `asba rules test/lint/show/validate`). An extra
    pack with the name of a built-in pack replaces it (so an edited copy of a built-in pack can be tried).
    """
    builtin_dirs = builtin_pack_dirs() if builtin else []
    extra_dirs: list[Path] = []
    for extra in extra_paths:
        for found in find_pack_dirs(Path(extra)):
            if found.resolve() not in {d.resolve() for d in builtin_dirs + extra_dirs}:
                extra_dirs.append(found)
    extras = [load_pack(d, with_cases) for d in extra_dirs]
    replaced = {p.name for p in extras}
    packs = [p for p in (load_pack(d, with_cases) for d in builtin_dirs) if p.name not in replaced] + extras
    return check_packset(packs, vocabulary if vocabulary is not None else load_vocabulary())
