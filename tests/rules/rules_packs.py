"""Small rule packs written to disk, as a pack author would (shared by the rules tests)."""

from __future__ import annotations

import textwrap
from pathlib import Path

MANIFEST = """\
pack: {name}
revision: "t1"
description: test pack
owner: tests
namespaces: [{name}]
conclusions:
  {name}.flag: {{type: boolean, meaning: a test flag}}
  {name}.label: {{type: string, meaning: a test label}}
  {name}.amount: {{type: number, meaning: a test amount}}
  {name}.count: {{type: integer, meaning: a test count}}
"""


def make_pack(root: Path, rules: str, tests: str | None = None, name: str = "demo",
              manifest: str | None = None) -> Path:
    folder = root / name
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "pack.yaml").write_text(manifest if manifest is not None else MANIFEST.format(name=name))
    (folder / "main.yaml").write_text(textwrap.dedent(rules))
    if tests is not None:
        (folder / "main.test.yaml").write_text(textwrap.dedent(tests))
    return folder
