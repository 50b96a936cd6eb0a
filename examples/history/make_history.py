"""Write the example job histories (sacct --parsable2 dumps) that `asba explain examples/<x>.sbatch` reads when
your own history has no runs of the script. They are made up, but shaped exactly like real sacct output
(fields of `sacct --parsable2 --units=M --format=JobID,JobName,...`, job row + batch and extern step rows,
as in the captures under tests/fixtures/history). Re-run to regenerate: python examples/history/make_history.py
"""

from __future__ import annotations

from datetime import datetime, timedelta
from pathlib import Path

HEADER = ("JobID|JobName|User|Partition|ReqCPUS|ReqMem|AllocTRES|TotalCPU|CPUTime|MaxRSS|Elapsed|Timelimit|State|"
          "ExitCode|Submit|Start|End|NNodes|NCPUS")
HERE = Path(__file__).resolve().parent


def clock(seconds: float) -> str:
    seconds = int(round(seconds))
    days, rest = divmod(seconds, 86400)
    text = f"{rest // 3600:02d}:{rest % 3600 // 60:02d}:{rest % 60:02d}"
    return f"{days}-{text}" if days else text


def run_rows(job_id: int | str, name: str, part: str, cpus: int, nodes: int, mem_mb: int, gpus: str, limit_s: int,
             submit: datetime, wait_s: int, elapsed_s: int, cpu_eff: float, peak_mb: float, state: str,
             exit_code: str) -> list[str]:
    start, end = submit + timedelta(seconds=wait_s), submit + timedelta(seconds=wait_s + elapsed_s)
    tres = f"billing={cpus},cpu={cpus},{gpus}mem={mem_mb}M,node={nodes}"
    total_cpu = clock(cpus * elapsed_s * cpu_eff)
    stamp = lambda t: t.strftime("%Y-%m-%dT%H:%M:%S")  # noqa: E731
    times = f"{stamp(submit)}|{stamp(start)}|{stamp(end)}"
    step_times = f"{stamp(start)}|{stamp(start)}|{stamp(end)}"
    batch_state = "CANCELLED" if state == "TIMEOUT" else state
    batch_exit = "0:15" if state == "TIMEOUT" else exit_code
    return [
        f"{job_id}|{name}|alice|{part}|{cpus}|{mem_mb}M|{tres}|{total_cpu}|{clock(cpus * elapsed_s)}||"
        f"{clock(elapsed_s)}|{clock(limit_s)}|{state}|{exit_code}|{times}|{nodes}|{cpus}",
        f"{job_id}.batch|batch|||{cpus}||{tres}|{total_cpu}|{clock(cpus * elapsed_s)}|{peak_mb:.2f}M|"
        f"{clock(elapsed_s)}||{batch_state}|{batch_exit}|{step_times}|{nodes}|{cpus}",
        f"{job_id}.extern|extern|||{cpus}||{tres}|00:00.002|{clock(cpus * elapsed_s)}|1.60M|{clock(elapsed_s)}||"
        f"COMPLETED|0:0|{step_times}|{nodes}|{cpus}",
    ]


T0 = datetime(2026, 11, 2, 9, 0, 0)
G = 1024
H = 3600
A100 = "gres/gpu:a100=4,gres/gpu=4,"
EXAMPLES = {
    # script: [(partition, cpus, nodes, mem_mb, gres, limit_s, day, wait_s, elapsed_s, cpu_eff, peak_mb, state, exit)]
    "training": [
        ("gpu", 32, 1, 256 * G, A100, 12 * H, 0, 3 * H, 3.3 * H, 0.41, 88 * G, "COMPLETED", "0:0"),
        ("gpu-aws", 32, 1, 256 * G, A100, 12 * H, 5, 420, 3.1 * H, 0.44, 86 * G, "COMPLETED", "0:0"),
        ("gpu", 32, 1, 256 * G, A100, 12 * H, 9, 5 * H, 3.4 * H, 0.40, 91 * G, "COMPLETED", "0:0"),
        ("gpu-aws", 32, 1, 256 * G, A100, 12 * H, 14, 380, 3.2 * H, 0.43, 85 * G, "COMPLETED", "0:0"),
        ("gpu", 32, 1, 256 * G, A100, 12 * H, 20, 4 * H, 3.3 * H, 0.42, 89 * G, "COMPLETED", "0:0"),
    ],
    "genomics": [
        ("highmem", 16, 1, 480 * G, "", 86400, 1, 2 * H, 10.5 * H, 0.88, 402 * G, "COMPLETED", "0:0"),
        ("highmem", 16, 1, 480 * G, "", 86400, 8, 3 * H, 11.2 * H, 0.86, 415 * G, "COMPLETED", "0:0"),
        ("highmem", 16, 1, 480 * G, "", 86400, 15, 2.5 * H, 10.1 * H, 0.90, 398 * G, "COMPLETED", "0:0"),
        ("highmem", 16, 1, 480 * G, "", 86400, 22, 4 * H, 10.8 * H, 0.87, 409 * G, "COMPLETED", "0:0"),
    ],
    "mpi_cfd": [
        ("cpu", 256, 4, 800 * G, "", 8 * H, 3, 5 * H, 5.2 * H, 0.93, 168 * G, "COMPLETED", "0:0"),
        ("cpu", 256, 4, 800 * G, "", 8 * H, 10, 6 * H, 5.4 * H, 0.94, 171 * G, "COMPLETED", "0:0"),
        ("cpu", 256, 4, 800 * G, "", 8 * H, 17, 4 * H, 5.1 * H, 0.92, 166 * G, "COMPLETED", "0:0"),
    ],
    "overalloc": [
        ("cpu", 64, 1, 256 * G, "", 6 * H, 0, 4 * H, 2.9 * H, 0.55, 121 * G, "COMPLETED", "0:0"),
        ("cpu", 64, 1, 256 * G, "", 6 * H, 4, 5 * H, 3.1 * H, 0.52, 126 * G, "COMPLETED", "0:0"),
        ("cpu", 64, 1, 256 * G, "", 6 * H, 9, 3.5 * H, 3.0 * H, 0.56, 123 * G, "COMPLETED", "0:0"),
        ("cpu", 64, 1, 256 * G, "", 6 * H, 13, 4.5 * H, 3.2 * H, 0.54, 128 * G, "COMPLETED", "0:0"),
        ("cpu", 64, 1, 256 * G, "", 6 * H, 18, 4 * H, 3.0 * H, 0.55, 124 * G, "COMPLETED", "0:0"),
    ],
    "oom": [
        ("cpu", 8, 1, 32 * G, "", 4 * H, 6, 1200, 1.2 * H, 0.81, 32 * G - 3, "OUT_OF_MEMORY", "0:125"),
        ("cpu", 8, 1, 32 * G, "", 4 * H, 7, 900, 1.1 * H, 0.80, 32 * G - 5, "OUT_OF_MEMORY", "0:125"),
        ("cpu", 8, 1, 48 * G, "", 4 * H, 8, 1500, 2.3 * H, 0.83, 41 * G, "COMPLETED", "0:0"),
    ],
    "tiny": [
        ("cpu", 1, 1, 2 * G, "", 600, 2, 60, 370, 0.97, 0.4 * G, "COMPLETED", "0:0"),
        ("cpu", 1, 1, 2 * G, "", 600, 11, 45, 355, 0.96, 0.4 * G, "COMPLETED", "0:0"),
        ("cpu", 1, 1, 2 * G, "", 600, 19, 90, 390, 0.97, 0.4 * G, "COMPLETED", "0:0"),
    ],
}


# GPU use of the training runs, as a site with the NVML GPU plugin and AccountingStorageTRES=gres/gpuutil,
# gres/gpumem records it in the batch step's TRESUsageInAve / TRESUsageInMax (one task driving the 4 GPUs):
# (average utilisation %, busiest sample %, GPU memory peak MiB); the extern step records 0 and 0, as in the
# published outputs under tests/fixtures/history/gpu/.
TRAINING_GPU_USE = [(58, 97, 11878), (61, 98, 12390), (57, 96, 12083), (63, 99, 12595), (60, 97, 12185)]


def _with_gpu_use(rows: list[str], use: tuple[int, int, int]) -> list[str]:
    ave, top, mem = use
    usage = "cpu={cpu},energy=0,fs/disk=0,gres/gpumem={mem}M,gres/gpuutil={util},mem={rss}"
    batch = rows[1].split("|")
    cpu, rss = batch[7], batch[9]
    return [rows[0] + "||",
            rows[1] + f"|{usage.format(cpu=cpu, mem=mem, util=ave, rss=rss)}|"
            f"{usage.format(cpu=cpu, mem=mem, util=top, rss=rss)}",
            rows[2] + "|cpu=00:00:00,energy=0,fs/disk=0,gres/gpumem=0,gres/gpuutil=0,mem=1.60M"
            "|cpu=00:00:00,energy=0,fs/disk=0,gres/gpumem=0,gres/gpuutil=0,mem=1.60M"]


def main() -> None:
    job_id = 41000
    for script, runs in EXAMPLES.items():
        gpu_use = TRAINING_GPU_USE if script == "training" else None
        lines = [HEADER + ("|TRESUsageInAve|TRESUsageInMax" if gpu_use else "")]
        for n, (part, cpus, nodes, mem, gres, limit, day, wait, elapsed, eff, peak, state, code) in enumerate(runs):
            job_id += 1
            submit = T0 + timedelta(days=day, minutes=7 * (job_id % 5))
            rows = run_rows(job_id, f"{script}.sbatch", part, cpus, nodes, mem, gres, limit, submit, int(wait),
                            int(elapsed), eff, peak, state, code)
            lines += _with_gpu_use(rows, gpu_use[n]) if gpu_use else rows
        (HERE / f"{script}.sacct.psv").write_text("\n".join(lines) + "\n")
    (HERE / "blast_array.sacct.psv").write_text("\n".join([HEADER] + array_rows()) + "\n")
    for script, rows in pipeline_rows().items():
        (HERE.parent / "pipeline" / "history" / f"{script}.sacct.psv").write_text("\n".join(rows) + "\n")


# Four past runs of the three-step workflow in examples/pipeline/: preprocess -> align (submitted with
# --dependency=afterok, as its SubmitLine shows) -> analysis (submitted by hand 10-40 minutes after align ended).
# Per run: (day, preprocess wait/elapsed, align wait/elapsed, analysis gap/wait/elapsed), seconds.
PIPELINE_RUNS = [(1, 1800, 3500, 5400, 17900, 600, 2400, 2700), (6, 2400, 3700, 7200, 18600, 1500, 3000, 2600),
                 (12, 1500, 3400, 4800, 17400, 2400, 1800, 2800), (19, 3000, 3600, 6600, 18200, 900, 2700, 2750)]


def _with_submit_line(rows: list[str], line: str) -> list[str]:
    return [rows[0] + "|" + line] + [r + "|" for r in rows[1:]]


def pipeline_rows() -> dict[str, list[str]]:
    header = HEADER + "|SubmitLine"
    out: dict[str, list[str]] = {"preprocess": [header], "align": [header], "analysis": [header]}
    for n, (day, pre_wait, pre_run, al_wait, al_run, gap, an_wait, an_run) in enumerate(PIPELINE_RUNS):
        pre_id, al_id, an_id = 44001 + 3 * n, 44002 + 3 * n, 44003 + 3 * n
        submit = T0 + timedelta(days=day)
        pre = run_rows(pre_id, "preprocess.sbatch", "cpu", 4, 1, 8 * G, "", 2 * H, submit, pre_wait, pre_run, 0.85,
                       5.2 * G, "COMPLETED", "0:0")
        pre_end = pre_wait + pre_run  # align was submitted with preprocess, held until it ended
        align = run_rows(al_id, "align.sbatch", "cpu", 16, 1, 64 * G, "", 8 * H, submit, pre_end + al_wait, al_run,
                         0.9, 41 * G, "COMPLETED", "0:0")
        an_submit = submit + timedelta(seconds=pre_end + al_wait + al_run + gap)
        analysis = run_rows(an_id, "analysis.sbatch", "cpu", 4, 1, 16 * G, "", 2 * H, an_submit, an_wait, an_run,
                            0.8, 9.5 * G, "COMPLETED", "0:0")
        out["preprocess"] += _with_submit_line(pre, "sbatch preprocess.sbatch")
        out["align"] += _with_submit_line(align, f"sbatch --dependency=afterok:{pre_id} align.sbatch")
        out["analysis"] += _with_submit_line(analysis, "sbatch analysis.sbatch")
    return out


# Two past runs of blast_array.sbatch as `--array=1-20%4`: 8 CPUs, 16 GB, 2 h limit; tasks start in waves of 4
# as the throttle allows. Per task: (elapsed minutes, CPU efficiency, peak GB); chunk 17 is the slow one.
ARRAY_TASKS = [(62, 0.91, 6.1), (58, 0.93, 5.8), (71, 0.90, 6.6), (66, 0.92, 6.3), (60, 0.94, 5.9),
               (64, 0.91, 6.2), (75, 0.89, 7.0), (59, 0.93, 5.7), (63, 0.92, 6.0), (68, 0.90, 6.4),
               (61, 0.93, 6.1), (57, 0.94, 5.6), (70, 0.90, 6.8), (65, 0.92, 6.2), (62, 0.91, 6.0),
               (60, 0.93, 5.9), (96, 0.88, 8.9), (63, 0.92, 6.1), (66, 0.91, 6.3), (59, 0.94, 5.8)]


def array_rows() -> list[str]:
    lines: list[str] = []
    for base, day in ((43001, 3), (43002, 12)):
        submit = T0 + timedelta(days=day)
        ends: list[float] = []  # the throttle %4: a task starts when one of the four before it has ended
        for task, (minutes, eff, peak_gb) in enumerate(ARRAY_TASKS, 1):
            wait = 120 if task <= 4 else sorted(ends)[task - 5]
            elapsed = minutes * 60 * (1.03 if base == 43002 else 1.0)
            ends.append(wait + elapsed)
            lines += run_rows(f"{base}_{task}", "blast_array.sbatch", "cpu", 8, 1, 16 * G, "", 2 * H, submit,
                              int(wait), int(elapsed), eff, peak_gb * G, "COMPLETED", "0:0")
    return lines


if __name__ == "__main__":
    main()
