"""`asba rules ...` as a user runs it: exit codes, PASS/FAIL lines, one-line errors, JSON."""

from __future__ import annotations

import json
import textwrap

from asba.cli.main import main

RULE = """\
rules:
  - id: demo.big
    severity: warning
    message: {found: "cpus {job.total_cpus}", why: w, fix: f}
    when: [{fact: job.total_cpus, gte: 16}]
    then: [{assert: demo.label, value: big}]
"""
CASES = """\
cases:
  - name: big job
    facts: {job.total_cpus: 32}
    fires: demo.big
    conclusions: {demo.label: big}
  - name: small job
    facts: {job.total_cpus: 15}
    silent: demo.big
  - name: later
    facts: {}
    silent: demo.big
    skip: waiting for a capture
"""


def run(capsys, *argv):
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def test_builtin_packs_pass_their_own_tests(capsys):
    code, out, _ = run(capsys, "rules", "test")
    assert code == 0
    assert "0 FAIL, 0 ERROR" in out and "PASS  workload:" in out


def test_own_pack_pass_fail_skip_and_exit_code(capsys, pack_dir):
    folder = pack_dir(RULE, CASES)
    code, out, _ = run(capsys, "rules", "test", str(folder))
    assert code == 0 and "3 cases: 2 PASS, 0 FAIL, 0 ERROR, 1 SKIP" in out and "workload" not in out
    (folder / "main.test.yaml").write_text(CASES.replace("job.total_cpus: 15", "job.total_cpus: 16"))
    code, out, _ = run(capsys, "rules", "test", str(folder))
    assert code == 1
    assert "FAIL  demo: small job" in out and "expected demo.big to stay silent, but it fired" in out


def test_failing_fire_expectation_explains_why_not(capsys, pack_dir):
    folder = pack_dir(RULE, CASES.replace("job.total_cpus: 32", "job.total_cpus: 8"))
    code, out, _ = run(capsys, "rules", "test", str(folder))
    assert code == 1 and "job.total_cpus = 8 (needed >= 16)" in out


def test_no_cases_is_a_failure(capsys, pack_dir):
    code, out, _ = run(capsys, "rules", "test", str(pack_dir(RULE)))
    assert code == 1 and "no test cases found" in out


def test_validate_ok_and_bad(capsys, pack_dir):
    code, out, _ = run(capsys, "rules", "validate", str(pack_dir(RULE, CASES)))
    assert code == 0 and out.startswith("OK: 1 pack(s), 1 rules, 3 test cases (demo@t1)")
    bad = pack_dir(RULE.replace("job.total_cpus, gte", "job.total_cpu, gte"), name="bad")
    (bad / "pack.yaml").write_text((bad / "pack.yaml").read_text().replace("demo", "bad"))
    (bad / "main.yaml").write_text((bad / "main.yaml").read_text().replace("demo.", "bad."))
    code, out, err = run(capsys, "rules", "validate", str(bad))
    assert code == 2 and out == ""
    assert err.count("\n") == 1 and "main.yaml:5:" in err and "[ASBA-PACK-030]" in err and "job.total_cpus" in err


def test_lint_warns_on_untested_rules_and_fails_on_impossible_ones(capsys, pack_dir):
    folder = pack_dir(RULE, CASES.replace("silent: demo.big\n", "fires: demo.big\n"))
    code, out, _ = run(capsys, "rules", "lint", str(folder))
    assert code == 0 and "no test case where it must stay silent [ASBA-LINT-007]" in out
    assert run(capsys, "rules", "lint", "--strict", str(folder))[0] == 1
    impossible = RULE.replace("[{fact: job.total_cpus, gte: 16}]",
                              "[{fact: job.total_cpus, gte: 16}, {fact: job.total_cpus, lt: 8}]")
    code, out, _ = run(capsys, "rules", "lint", str(pack_dir(impossible, CASES, name="demo")))
    assert code == 1 and "can never fire: 'job.total_cpus' needs a value above 16 and below 8" in out


def test_lint_reports_empty_messages(capsys, pack_dir):
    code, out, _ = run(capsys, "rules", "lint", "--json", str(pack_dir(RULE.replace("why: w", "why: ' '"), CASES)))
    issues = json.loads(out)["issues"]
    assert code == 1 and any(i["code"] == "ASBA-LINT-005" and "message.why" in i["message"] for i in issues)


def test_list_and_show_json(capsys):
    code, out, _ = run(capsys, "rules", "list", "--json")
    data = json.loads(out)
    assert code == 0 and "workload.cpu-bound" in [r["id"] for r in data["rules"]]
    code, out, _ = run(capsys, "rules", "show", "workload.idle-cpus", "--json")
    shown = json.loads(out)
    assert shown["asserts"] == ["workload.idle_cpus", "workload.cpus_needed", "workload.cpus_advice",
                                "workload.over_allocated"] and shown["cases"]


def test_show_unknown_id_suggests(capsys):
    code, _, err = run(capsys, "rules", "show", "workload.cpu-bund")
    assert code == 2 and "did you mean 'workload.cpu-bound'?" in err


def test_eval_prints_trace_and_why_not(capsys, tmp_path):
    facts = tmp_path / "facts.yaml"
    facts.write_text(textwrap.dedent("""\
        history.run_count: 4
        evidence.ok_runs: 4
        evidence.cpu_efficiency_pct: 93
        evidence.memory_efficiency_pct: 20
        """))
    code, out, _ = run(capsys, "rules", "eval", str(facts), "--why-not", "workload.memory_heavy")
    assert code == 0 and "FIRED   workload.cpu-bound" in out and "=> workload.class = 'cpu-bound'" in out
    assert "workload.class = 'cpu-bound' (needed in ('memory-bound', 'cpu-and-memory-bound'))" in out
    code, out, _ = run(capsys, "rules", "eval", str(facts), "--json", "--explain", "full")
    data = json.loads(out)
    assert data["conclusions"]["workload.class"]["value"] == "cpu-bound"
    sources = {e["fact"]: e["source"] for e in data["events"] if e["type"] == "fact_asserted"}
    assert sources["history.run_count"].endswith("facts.yaml:1:20")
    assert {w["target"] for w in data["why_not"]} >= {"workload.cpu-and-memory-bound", "workload.gpu-bound"}


def test_eval_bad_fact_is_one_line(capsys, tmp_path):
    facts = tmp_path / "facts.yaml"
    facts.write_text("history.run_count: many\n")
    code, _, err = run(capsys, "rules", "eval", str(facts))
    assert code == 2 and "history.run_count" in err and err.count("\n") == 1


def test_a_copy_of_a_builtin_pack_replaces_it(capsys, tmp_path):
    import shutil

    from asba.paths import packs_dir

    copy = tmp_path / "workload"
    shutil.copytree(packs_dir() / "workload", copy)
    rule_file = copy / "evidence.yaml"
    rule_file.write_text(rule_file.read_text().replace("priority: 900", "priority: 901"))
    code, out, _ = run(capsys, "rules", "show", "workload.insufficient-evidence", "--path", str(copy))
    assert code == 0 and "priority 901" in out and str(copy) in out


def test_case_expecting_an_undeclared_conclusion_fails_cleanly(capsys, pack_dir):
    folder = pack_dir(RULE, CASES.replace("conclusions: {demo.label: big}", "conclusions: {demo.lable: big}"))
    code, out, _ = run(capsys, "rules", "test", str(folder))
    assert code == 1 and "expected demo.lable = 'big'" in out and "did you mean 'demo.label'?" in out
