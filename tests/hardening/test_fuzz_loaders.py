"""Property: whatever YAML or JSON a pack author or a site writes (alias bombs, cycles, tags, deep nesting, huge
numbers, bad patterns, binary), the pack, config and partitions.json loaders give a result or one error of
asba's own with a place and a stable code, in bounded time and memory."""

from __future__ import annotations

import json
from pathlib import Path

from asba.errors import AsbaError
from asba.inputs.config import load_config
from asba.knowledge.burst import read_partitions_json
from asba.rules import load_packs
from asba.rules.evaluate import compiled
from fuzz_profile import PACK_EXAMPLES, fuzz
from hypothesis import given
from hypothesis import strategies as st

RULES = """\
rules:
  - id: demo.big
    severity: info
    priority: 10
    message: {found: "big job {job.total_cpus}", why: "w", fix: "f"}
    when:
      - {fact: job.total_cpus, gte: 16}
      - {fact: job.job_name, matches: "align.*"}
    then:
      - {assert: demo.flag, value: true}
      - {assert: demo.amount, expr: "job.total_cpus * 2"}
"""
MANIFEST = """\
pack: demo
revision: "t1"
description: test pack
owner: tests
namespaces: [demo]
conclusions:
  demo.flag: {type: boolean, meaning: a flag}
  demo.amount: {type: number, meaning: an amount}
"""
CONFIG = """\
region: us-east-1
user:
  value_of_hour_usd: 5.0
budget:
  monthly_aws_usd: 500.0
advisor:
  memory_headroom: 0.2
  min_runs: 2
burst_partitions:
  cpu-aws: {purchasing: on-demand, max_nodes: 16, instance_types: ["c6i.*"]}
"""
BOMB = "".join(f"l{i}: &l{i} [" + ",".join([f"*l{i - 1}"] * 9) + "]\n" for i in range(1, 9))
SPLICES = st.sampled_from([
    "&a", "*a", "&a [*a]", "!!python/object/apply:os.system ['true']", "!!binary AAAA", "!custom x", "[" * 200,
    "{" * 60, "- " * 120, ".nan", ".inf", "-.inf", "9" * 400, "1e400", "(a+)+", "(a*)*b", "a{999}", "()", "%",
    "\t", "\x00", "\x85", "\ufeff", ": :", "? ", "<<: *a", "'", '"', "\\", "#", "\n", "\n  ", "---\n", "...\n",
    "a: &a x\nb: *a\n", "x: " + "y" * 5000, BOMB, "0x7fffffffffffffff", "-" + "9" * 30, "~", "null", "true",
])


@st.composite
def mutated(draw, base: str) -> str:
    text = base
    for _ in range(draw(st.integers(1, 4))):
        at = draw(st.integers(0, len(text)))
        cut = draw(st.integers(0, 12))
        text = text[:at] + draw(st.one_of(SPLICES, st.text(max_size=8))) + text[at + cut:]
    return text


BOMB_OR_TEXT = st.sampled_from([BOMB, "&a [*a]", "[" * 5000, "a:\n" + "".join(" " * i + "b:\n" for i in range(1, 300))])


def _one_error(exc: AsbaError, prefix: tuple[str, ...]) -> None:
    line = exc.one_line()
    assert exc.code.startswith(prefix), exc.code
    assert "\n" not in line and len(line) < 1600


@fuzz(PACK_EXAMPLES)
@given(st.one_of(mutated(RULES), BOMB_OR_TEXT),
       st.one_of(st.just(MANIFEST), mutated(MANIFEST)))
def test_pack_loader_gives_a_pack_or_one_pack_error(tmp_path: Path, rules: str, manifest: str) -> None:
    folder = tmp_path / "packs" / "demo"
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "pack.yaml").write_text(manifest, encoding="utf-8", errors="surrogatepass")
    (folder / "main.yaml").write_text(rules, encoding="utf-8", errors="surrogatepass")
    try:
        packs = load_packs([folder.parent], builtin=False)
        compiled(packs)
    except AsbaError as exc:
        _one_error(exc, ("ASBA-PACK-", "ASBA-VOCAB-", "ASBA-LINT-", "ASBA-ENGINE-"))


@fuzz()
@given(st.one_of(mutated(CONFIG), BOMB_OR_TEXT))
def test_config_loader_gives_a_config_or_one_config_error(tmp_path: Path, text: str) -> None:
    path = tmp_path / "config.yaml"
    path.write_text(text, encoding="utf-8", errors="surrogatepass")
    try:
        load_config(path, env={})
    except AsbaError as exc:
        _one_error(exc, ("ASBA-CONFIG-",))


SITE = (Path(__file__).parents[1] / "fixtures" / "knowledge" / "site_partitions.json").read_text()
JSON_VALUES = st.recursive(
    st.one_of(st.none(), st.booleans(), st.integers(-(2**70), 2**70), st.floats(), st.text(max_size=10)),
    lambda kids: st.one_of(st.lists(kids, max_size=4), st.dictionaries(st.sampled_from(
        ["Partitions", "PartitionName", "NodeGroups", "LaunchTemplateOverrides", "InstanceType", "MaxNodes",
         "Region", "PurchasingOption", "NodeGroupName", "x"]), kids, max_size=5)), max_leaves=20)


@fuzz()
@given(st.one_of(mutated(SITE), JSON_VALUES.map(json.dumps)))
def test_partitions_json_gives_partitions_or_one_burst_error(tmp_path: Path, text: str) -> None:
    path = tmp_path / "partitions.json"
    path.write_text(text, encoding="utf-8", errors="surrogatepass")
    try:
        found = read_partitions_json(path)
    except AsbaError as exc:
        _one_error(exc, ("ASBA-BURST-",))
        return
    for part in found.values():
        assert part.instance_types and all(isinstance(t, str) for t in part.instance_types)
        assert part.max_nodes is None or part.max_nodes >= 1
