"""`asba report --html` in a real headless browser (Debian's chromium, started by the test; skipped with the reason
when it is not installed: scripts/bootstrap.sh --test installs it as root).

The page loads with no console message at all, the browser counts the marks each chart drew (the page's own check
script writes them into #check) and they are what this known history gives by hand; a screenshot is kept in
build/artefacts/ (ASBA_ARTEFACTS overrides) for a person, or CI, to look at.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
from pathlib import Path

import pytest
from asba.cli.main import main

REPO = Path(__file__).resolve().parents[2]
SACCT = REPO / "tests" / "fixtures" / "history" / "samples" / "sacct_parsable2_ALL.psv"
ARTEFACTS = Path(os.environ.get("ASBA_ARTEFACTS", REPO / "build" / "artefacts"))
CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
needs_browser = pytest.mark.skipif(CHROMIUM is None, reason="chromium is not installed (apt-get install chromium; "
                                   "scripts/bootstrap.sh --test does it as root)")
FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--enable-logging=stderr", "--v=0"]


def _browser(page: Path, *extra: str) -> subprocess.CompletedProcess:
    assert CHROMIUM is not None
    return subprocess.run([CHROMIUM, *FLAGS, *extra, page.as_uri()], capture_output=True, text=True, timeout=180)


def _console(stderr: str) -> list[str]:
    return [line for line in stderr.splitlines() if ":CONSOLE" in line]


@pytest.fixture
def report(asba_home, tmp_path, capsys, monkeypatch) -> Path:
    monkeypatch.setenv("ASBA_NOW", "2026-11-28T18:00:00Z")  # the sample's month: its two cpu-aws jobs count
    assert main(["history", "import", str(SACCT)]) == 0
    capsys.readouterr()
    page = tmp_path / "report.html"
    assert main(["report", "--html", str(page)]) == 0
    assert capsys.readouterr().out == f"wrote {page} (20 jobs)\n"
    return page


def test_the_page_is_self_contained(report):
    text = report.read_text()
    assert not re.search(r"""(src|href)=["']?(https?:)?//""", text) and "@import" not in text
    assert text.count("<svg ") == 1 + 6 + 1 + 1 + 1  # wastes, six scripts' efficiency, waits, AWS spend, regret
    assert "EXAMPLE outcomes" in text  # an empty decision log: the example outcomes, named as such


def test_the_page_declares_the_marks_of_the_known_history(report):
    declared = {m.group(1): int(m.group(2)) for m in re.finditer(r'data-chart="([^"]+)" data-marks="(\d+)"',
                                                                 report.read_text())}
    assert declared["wastes"] == 2 * 12  # used and wasted core-hours of each of the 12 scripts with a runtime
    assert declared["waits"] == 7  # one bar per wait bin; all 20 jobs waited under a minute
    assert declared["efficiency:queued_work.sbatch"] == 2 * 4  # CPU and memory of its 4 runs
    assert declared["efficiency:array.sbatch"] == 2 * 4  # the 4 tasks of array 7
    assert declared["spend"] == 1  # both cpu-aws jobs started on 2026-11-28: one day of spend
    assert declared["regret"] == 5  # asba, the choice taken, the Go rule, always-local, always-AWS
    assert sum(declared.values()) == 61


@needs_browser
def test_the_browser_draws_every_mark_with_no_console_message(report):
    proc = _browser(report, "--dump-dom")
    assert proc.returncode == 0, proc.stderr[-2000:]
    assert _console(proc.stderr) == []
    check = re.search(r'id="check">([^<]*)<', proc.stdout)
    assert check and check.group(1) == "marks drawn: 61"  # counted by the browser; no chart mismatched


@needs_browser
def test_a_screenshot_is_kept(report):
    ARTEFACTS.mkdir(parents=True, exist_ok=True)
    shot = ARTEFACTS / "asba-report.png"
    shot.unlink(missing_ok=True)
    proc = _browser(report, f"--screenshot={shot}", "--window-size=800,2400", "--hide-scrollbars")
    assert proc.returncode == 0 and shot.is_file() and shot.stat().st_size > 10_000, proc.stderr[-2000:]


@needs_browser
def test_the_console_check_would_catch_an_error(tmp_path):
    page = tmp_path / "broken.html"
    page.write_text("<html><body><script>notDefined();</script></body></html>")
    assert any("ReferenceError" in line for line in _console(_browser(page, "--dump-dom").stderr))


def test_terminal_fallback_and_json(asba_home, capsys):
    import json

    assert main(["history", "import", str(SACCT)]) == 0
    capsys.readouterr()
    assert main(["report"]) == 0
    out = capsys.readouterr().out
    assert out.startswith("20 jobs in all of your history:") and "Queue wait (20 jobs with a known wait):" in out
    assert "  queued_work.sbatch" in out
    assert main(["report", "--json"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert data["jobs"] == 20 and data["wait_counts"] == [20, 0, 0, 0, 0, 0, 0]


def test_the_wait_chart_shows_the_band_a_logged_decision_predicted(asba_home, tmp_path, capsys, monkeypatch):
    import json
    import sqlite3

    from asba.report import units

    monkeypatch.setenv("ASBA_NOW", "2026-11-28T18:00:00Z")
    monkeypatch.chdir(REPO)
    assert main(["history", "import", str(SACCT)]) == 0
    assert main(["explain", "examples/overalloc.sbatch", "cpu-aws", "--cluster-snapshot",
                 "knowledge/cluster-snapshot"]) == 0  # logged: the decision's facts hold its wait band
    conn = sqlite3.connect(asba_home / "jobs.db")
    facts = {f["name"]: f["value"] for f in json.loads(conn.execute("SELECT facts FROM decisions").fetchone()[0])}
    conn.close()
    page = tmp_path / "report.html"
    assert main(["report", "--html", str(page)]) == 0
    capsys.readouterr()
    text = page.read_text()
    assert 'data-chart="waits" data-marks="8"' in text  # the seven bins and the band
    band = (f"asba predicted p10 {units.duration(facts['wait.local_p10_s'])} to p90 "
            f"{units.duration(facts['wait.local_p90_s'])}")
    assert f"<title>{band}</title>" in text and "the median over 1 logged decision)" in text
    assert main(["report"]) == 0  # the terminal's text fallback says the same
    assert f"  {band} (median of 1 logged decision)\n" in capsys.readouterr().out
    monkeypatch.setenv("ASBA_NOW", "2026-12-10T18:00:00Z")
    assert main(["report", "--html", str(page), "--days", "1"]) == 0  # a window after the decision: no band
    assert 'data-chart="waits" data-marks="7"' in page.read_text()
