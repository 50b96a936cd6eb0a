"""Find and load rule packs: the built-in ones plus any extra pack folders, checked together."""

from __future__ import annotations

from pathlib import Path
from typing import Iterable

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

    ``with_cases`` also reads each rule file's test cases (for `asba rules test/lint/show/validate`).
    """
    dirs: list[Path] = builtin_pack_dirs() if builtin else []
    for extra in extra_paths:
        for found in find_pack_dirs(Path(extra)):
            if found.resolve() not in {d.resolve() for d in dirs}:
                dirs.append(found)
    packs = [load_pack(d, with_cases) for d in dirs]
    return check_packset(packs, vocabulary if vocabulary is not None else load_vocabulary())
