"""`asba explain`: every flag does something a user can see; bad input is one line and exit 2."""

from __future__ import annotations

import json

import jsonschema
import pytest
from advisor_support import BUSY, EXAMPLES, FIXTURES, REPO

SCHEMA = json.loads((REPO / "knowledge" / "schemas" / "explain-output.schema.json").read_text())
ALL = ("overalloc", "training", "genomics", "mpi_cfd", "tiny", "oom")


@pytest.mark.parametrize("name", ALL)
def test_json_output_matches_the_schema(explain, name):
    result = explain(f"{name}.sbatch", "--optimize", "--with-history", "--recommend-instance", "--why-not", "aws",
                     "--explain", "full")
    jsonschema.validate(result, SCHEMA)
    fired = [e for e in result["trace"] if e["type"] == "rule_fired"]
    assert fired and all(e["matched"] is not None and "asserted" in e for e in fired)
    assert all(f["source"] for f in result["facts"])


def test_offline_answer_is_labelled(explain):
    result = explain("overalloc.sbatch")
    sources = result["data_sources"]
    assert "snapshot" in sources["cluster"]
    assert sources["prices"].startswith("snapshot 2026-07-20, us-east-1")
    assert sources["history"].startswith("EXAMPLE history")
    assert sources["config"].startswith("embedded defaults")
    assert result["burst_partition"] == "cpu-aws"  # chosen for a CPU job, and said so
    assert any("no burst partition named" in n for n in result["notes"])


def test_why_not_names_the_losing_rule_with_actual_value_and_threshold(explain):
    result = explain("training.sbatch", "gpu-aws", "--why-not", "aws")
    line = next(w for w in result["why_not"] if w.startswith("decision.aws-better-value"))
    assert "decision.time_saved_value_usd = " in line and "needed > decision.aws_extra_cost_usd = " in line
    assert result["comparison"]["counterfactual"].startswith("AWS would win if the local wait exceeded ")


def test_counterfactual_memory_lever_is_computed(explain):
    result = explain("overalloc.sbatch", "cpu-aws", "--config", str(FIXTURES / "config-value-low.yaml"))
    assert result["recommendation"]["platform"] == "local"
    mem = result["comparison"]["memory_to_flip_mb"]
    assert 1024 <= mem < result["request"]["mem_per_node_mb"]
    line = result["comparison"]["counterfactual"]
    assert line.startswith("AWS would win if the local wait exceeded ") and f"<= {mem / 1024:.0f} GiB" in line
    # the lever is real: asking for that much memory flips the decision
    smaller = explain("overalloc.sbatch", "cpu-aws", f"--mem={int(mem)}M", "--config",
                      str(FIXTURES / "config-value-low.yaml"))
    assert smaller["recommendation"]["platform"] == "aws"


def test_sbatch_options_after_the_script_override_the_directives(explain):
    plain = explain("overalloc.sbatch", "cpu-aws")
    smaller = explain("overalloc.sbatch", "cpu-aws", "--mem=64G", "-c", "16")
    assert smaller["request"]["mem_per_node_mb"] == 64 * 1024 and smaller["request"]["total_cpus"] == 16
    assert smaller["local"]["cost_usd"] < plain["local"]["cost_usd"]


def test_transfer_gb_adds_egress_to_the_aws_cost(explain):
    plain = explain("tiny.sbatch", "cpu-aws")
    moved = explain("tiny.sbatch", "cpu-aws", "--transfer-gb", "100")
    assert moved["aws"]["transfer_usd"] == pytest.approx(9.0)
    assert moved["aws"]["cost_usd"] == pytest.approx(plain["aws"]["cost_usd"] + 9.0, abs=0.01)


def test_track_history_says_why_it_cannot_sync_from_a_snapshot(explain):
    result = explain("tiny.sbatch", "--track-history")
    assert any(n.startswith("--track-history: not syncing") for n in result["notes"])


def test_no_log_leaves_the_decision_log_alone(explain):
    assert explain("tiny.sbatch", "--no-log")["decision_id"] is None
    assert explain("tiny.sbatch")["decision_id"].startswith("d-")


def test_text_sections_follow_the_flags(explain_text):
    code, out, _ = explain_text(str(EXAMPLES / "overalloc.sbatch"), "cpu-aws", "--cluster-snapshot", str(BUSY),
                                "--optimize", "--with-history", "--recommend-instance", "--config",
                                str(FIXTURES / "config-value-low.yaml"))
    assert code == 0
    for heading in ("RECOMMENDATION: run on the local cluster", "CURRENT ANALYSIS", "PERSONAL HISTORY INSIGHTS",
                    "CURRENT REQUEST (over-allocated):", "OPTIMIZED REQUEST (right-sized):", "KEY INSIGHT: ",
                    "INSTANCE TYPE ANALYSIS", "TRACE", "#SBATCH --cpus-per-task=36"):
        assert heading in out, heading
    code, brief, _ = explain_text(str(EXAMPLES / "overalloc.sbatch"), "--cluster-snapshot", str(BUSY), "--brief")
    assert "CURRENT ANALYSIS" in brief and "TRACE" not in brief and "PERSONAL HISTORY" not in brief


def test_json_trace_follows_the_explain_level(explain):
    notes = explain("tiny.sbatch", "--no-log")
    full = explain("tiny.sbatch", "--no-log", "--explain", "full")
    assert "trace_why_not" not in notes and not any(e["type"] == "fact_asserted" for e in notes["trace"])
    assert any(e["type"] == "fact_asserted" and e["source"] for e in full["trace"])
    assert any(w["target"] == "decision.local-better-value" and not w["happened"] for w in full["trace_why_not"])


def test_explain_levels(explain_text):
    args = (str(EXAMPLES / "tiny.sbatch"), "--cluster-snapshot", str(BUSY), "--no-log")
    _, notes, _ = explain_text(*args)
    _, fails, _ = explain_text(*args, "--explain=fails")
    _, full, _ = explain_text(*args, "--explain", "full")
    assert "Why not" not in notes and "Why not" in fails
    assert "  fact       job.total_cpus = 1" in full and "  fact " not in fails


def test_short_form_is_explain_brief(asba_home, monkeypatch, capsys):
    from asba.cli.main import main

    monkeypatch.setenv("ASBA_NOW", "2026-11-28T18:00:00Z")
    monkeypatch.chdir(REPO)
    assert main(["examples/tiny.sbatch", "cpu-aws", "--cluster-snapshot", str(BUSY), "--no-log"]) == 0
    out = capsys.readouterr().out
    assert out.startswith("RECOMMENDATION: ") and "TRACE" not in out  # the answer first
    assert "  script: examples/tiny.sbatch -> burst partition cpu-aws" in out.split("CURRENT ANALYSIS")[0]


@pytest.mark.parametrize("argv, message", [
    (["missing.sbatch"], "missing.sbatch"),
    (["{tiny}", "gpu-awz"], "unknown burst partition 'gpu-awz' [ASBA-ADVISE-010] — did you mean 'gpu-aws'?"),
    (["{tiny}", "--history-dump", "/nonexistent.psv"], "sacct dump /nonexistent.psv: no such file"),
    (["{tiny}", "--cluster-snapshot", "/nonexistent-dir"], "no such snapshot directory"),
    (["{tiny}", "--mem=lots"], "lots"),
])
def test_bad_input_is_one_line_and_exit_2(explain_text, argv, message):
    argv = [a.replace("{tiny}", str(EXAMPLES / "tiny.sbatch")) for a in argv]
    code, out, err = explain_text(*argv, "--no-log")
    assert code == 2 and out == ""
    assert message in err and len(err.strip().splitlines()) == 1


def test_bad_asba_now_is_reported(explain_text, monkeypatch):
    monkeypatch.setenv("ASBA_NOW", "yesterday")
    code, _, err = explain_text(str(EXAMPLES / "tiny.sbatch"), "--cluster-snapshot", str(BUSY))
    assert code == 2 and "ASBA_NOW" in err and "'yesterday'" in err and len(err.splitlines()) == 1


def test_extra_packs_add_their_findings_to_the_advice(explain):
    result = explain("overalloc.sbatch", "--packs", str(FIXTURES / "extra-pack"))
    fired = [e["rule"] for e in result["trace"] if e["type"] == "rule_fired"]
    assert "site.wide-job" in fired
    plain = explain("tiny.sbatch", "--packs", str(FIXTURES / "extra-pack"))
    assert "site.wide-job" not in [e.get("rule") for e in plain["trace"]]


def test_a_corrupt_history_database_is_a_note_and_is_left_untouched(explain, asba_home):
    asba_home.mkdir(parents=True, exist_ok=True)
    db = asba_home / "jobs.db"
    db.write_bytes(b"not an sqlite database\n")
    result = explain("tiny.sbatch")
    assert result["decision_id"] is None
    assert any(n.startswith("history database unavailable:") for n in result["notes"])
    assert any(n.startswith("decision not logged:") for n in result["notes"])
    assert db.read_bytes() == b"not an sqlite database\n"
    # never the example history in its place: that would show someone else's runs as the user's (issue 17)
    assert result["data_sources"]["history"] == "none (the history database is unavailable)"


def _corpus() -> list:
    root = REPO / "tests" / "fixtures" / "script" / "corpus"  # real scripts (edge/ holds deliberate errors)
    skip = (".md", ".tsv", ".txt", ".rst", ".json", ".py", ".R", ".m", ".jl", ".yaml")
    return sorted(p for p in root.rglob("*") if p.is_file() and not p.name.endswith(skip)
                  and not p.name.startswith(("SOURCE", "LICENSE")))


def test_every_real_script_in_the_corpus_gets_an_answer_or_one_clear_error(explain_text):
    scripts = _corpus()
    assert len(scripts) >= 50  # Princeton, UiT and Fred Hutch scripts copied by the parser's tests
    outcomes = {}
    for script in scripts:
        code, _, err = explain_text(str(script), "--cluster-snapshot", str(BUSY), "--no-log", "--json", "--optimize")
        outcomes[script.name] = code
        assert code in (0, 2), f"{script}: exit {code}: {err}"
        assert code == 0 or len(err.strip().splitlines()) == 1
    assert all(code == 0 for code in outcomes.values())


def test_a_script_can_declare_its_data_transfer(explain, tmp_path):
    result = explain("genomics.sbatch", "cpu-aws")
    fact = next(f for f in result["facts"] if f["name"] == "decision.transfer_gb")
    assert fact["value"] == 20 and fact["source"].endswith("genomics.sbatch:10 # asba: transfer-out-gb=20")
    assert result["aws"]["transfer_usd"] == pytest.approx(1.8)
    overridden = explain("genomics.sbatch", "cpu-aws", "--transfer-gb", "5")
    assert overridden["aws"]["transfer_usd"] == pytest.approx(0.45)
