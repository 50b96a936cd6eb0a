"""The jobstats-style alert (GPU_UTIL_RED = 15 %, PrincetonUniversity/jobstats config.py): GPU jobs whose
recorded utilisation is under 15 % are called out by `asba insights --efficiency` and `asba profile`; jobs at or
above the line, and jobs whose GPU use was not recorded, are not."""

from __future__ import annotations

import json
import re
from pathlib import Path

from asba.cli.main import main

EXAMPLE = Path(__file__).resolve().parents[2] / "examples" / "history" / "training.sacct.psv"
# the example's five training jobs, at these average utilisations (TRESUsageInAve gres/gpuutil of the batch step)
UTILS = {"41001": 8, "41002": 12, "41003": 15, "41004": 60, "41005": 61}


def _dump(tmp_path: Path, utils: dict[str, int], drop_use: bool = False) -> Path:
    lines = EXAMPLE.read_text().splitlines()
    out = [lines[0]]
    for line in lines[1:]:
        job = line.split("|", 1)[0]
        if job.endswith(".batch"):
            line = re.sub(r"gres/gpuutil=\d+,", f"gres/gpuutil={utils[job.split('.')[0]]},", line, count=1)
        if drop_use:
            line = re.sub(r"gres/gpu(mem|util)=[^,|]*,", "", line)
        out.append(line)
    path = tmp_path / "training.sacct.psv"
    path.write_text("\n".join(out) + "\n")
    return path


def _run(capsys, *argv: str) -> str:
    assert main(list(argv)) == 0
    return capsys.readouterr().out


def test_insights_efficiency_calls_out_gpu_jobs_under_15_percent(asba_home, tmp_path, capsys, monkeypatch):
    monkeypatch.setenv("NO_COLOR", "1")
    _run(capsys, "history", "import", str(_dump(tmp_path, UTILS)))
    text = _run(capsys, "insights", "--efficiency")
    assert "GPU alert (jobstats: under 15 % busy): 2 GPU jobs of 5 with use recorded" in text
    assert re.search(r"job 41001 training\.sbatch: 8 % busy on 4 GPUs", text)
    assert "job 41002" in text and "job 41003" not in text  # 15 % is not under the line
    alert = json.loads(_run(capsys, "insights", "--efficiency", "--json"))["gpu_alert"]
    assert alert["count"] == 2 and [w["job_id"] for w in alert["worst"]] == ["41001", "41002"]
    assert alert["gpu_hours"] > 0 and alert["threshold_pct"] == 15


def test_profile_calls_out_the_same_jobs(asba_home, tmp_path, capsys):
    _run(capsys, "history", "import", str(_dump(tmp_path, UTILS)))
    text = _run(capsys, "profile")
    assert "GPU alert (jobstats: under 15 % busy): 2 GPU jobs" in text
    assert json.loads(_run(capsys, "profile", "--json"))["gpu_alert"]["count"] == 2


def test_no_alert_when_every_gpu_job_is_busy_or_its_use_unrecorded(asba_home, tmp_path, capsys):
    _run(capsys, "history", "import", str(_dump(tmp_path, dict.fromkeys(UTILS, 60))))
    assert "GPU alert" not in _run(capsys, "insights", "--efficiency")
    assert "GPU alert" not in _run(capsys, "profile")


def test_unrecorded_gpu_use_is_never_called_idle(asba_home, tmp_path, capsys):
    (tmp_path / "none").mkdir()
    _run(capsys, "history", "import", str(_dump(tmp_path / "none", UTILS, drop_use=True)))
    data = json.loads(_run(capsys, "insights", "--efficiency", "--json"))
    assert data["totals"]["jobs"] == 5 and data["totals"]["gpu_hours"] > 0
    assert (data["gpu_alert"]["count"], data["gpu_alert"]["recorded"]) == (0, 0)
    assert "GPU alert" not in _run(capsys, "profile")
