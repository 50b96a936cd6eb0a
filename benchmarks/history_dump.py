"""A generated sacct dump for the history benchmark: realistic job / step / array / state mix.

Columns and delimiter are the ones slurm2sql asks sacct for (``-P --delimiter=;|;``), so the same file can be
fed to slurm2sql through a stand-in ``sacct`` and to ``asba history import``. Run as a script to write one:
``python benchmarks/history_dump.py OUT.psv [ROWS]``.
"""

from __future__ import annotations

import random
import sys
from datetime import datetime, timedelta
from pathlib import Path

DELIMITER = ";|;"
COLUMNS = ("JobName,User,Group,Account,SubmitLine,State,Timelimit,Elapsed,Submit,Start,End,Partition,ExitCode,"
           "NodeList,Priority,ReqNodes,NNodes,AllocNodes,ReqTRES,NTasks,AllocTRES,TRESUsageInTot,TRESUsageOutTot,"
           "NCPUS,ReqCPUS,AllocCPUS,CPUTime,TotalCPU,UserCPU,SystemCPU,MinCPU,MinCPUNode,MinCPUTask,ReqMem,AveRSS,"
           "MaxRSS,MaxRSSNode,MaxRSSTask,MaxPages,MaxVMSize,AveDiskRead,AveDiskWrite,MaxDiskRead,MaxDiskWrite,"
           "Comment,JobID,JobIDRaw,ConsumedEnergyRaw,TRESUsageInAve,TRESUsageOutTot").split(",")
_POS = {name: i for i, name in enumerate(COLUMNS)}
STATES = [("COMPLETED", "0:0")] * 75 + [("FAILED", "1:0")] * 8 + [("TIMEOUT", "0:0")] * 5 + \
    [("OUT_OF_MEMORY", "0:125")] * 4 + [("CANCELLED by 1001", "0:0")] * 5 + [("NEVER", "0:0")] * 2 + \
    [("NODE_FAIL", "0:0")] * 1
PARTITIONS = ["cpu", "cpu", "cpu", "highmem", "gpu", "cpu-aws"]
T0 = datetime(2026, 1, 1)


def _dur(seconds: float) -> str:
    seconds = int(seconds)
    days, rest = divmod(seconds, 86400)
    text = f"{rest // 3600:02d}:{rest % 3600 // 60:02d}:{rest % 60:02d}"
    return f"{days}-{text}" if days else text


def _cpu(seconds: float) -> str:
    if seconds < 3600:
        return f"{int(seconds) // 60:02d}:{seconds % 60:06.3f}"
    return _dur(seconds)


def _mem(mb: float, rng: random.Random) -> str:
    kind = rng.random()
    if kind < 0.6:
        return f"{int(mb * 1024)}K"
    if kind < 0.9:
        return f"{mb:.2f}M"
    return f"{mb / 1024:.2f}G"


def _row(**values: str) -> str:
    fields = [""] * len(COLUMNS)
    for name, value in values.items():
        fields[_POS[name]] = value
    return DELIMITER.join(fields)


def _job_lines(rng: random.Random, number: int, job_id: str, raw_id: str, submit: datetime) -> list[str]:
    script = f"analysis_{rng.randrange(2000)}.sbatch"
    user = f"user{rng.randrange(50)}"
    cpus = rng.choice((1, 1, 2, 4, 8, 16, 32))
    nodes = 1 if cpus <= 16 else rng.choice((1, 2))
    limit = rng.choice((600, 3600, 4 * 3600, 86400, 3 * 86400))
    state, exit_code = rng.choice(STATES)
    # SLURM >= 21.08 prints ReqMem as the job's total (the old Mc/Mn suffixes are covered by the tests)
    req_mem = rng.choice((f"{cpus * 2000}M", f"{max(1, cpus // 2) * nodes}G", f"{cpus * 4}G", "500M"))
    mem_mb = float(req_mem[:-1]) * (1024 if req_mem.endswith("G") else 1)
    partition = rng.choice(PARTITIONS)
    common = dict(Partition=partition, JobName=script.removesuffix(".sbatch"), User=user, Group="grp",
                  Account="research", Timelimit=_dur(limit), NNodes=str(nodes), NCPUS=str(cpus), ReqCPUS=str(cpus),
                  AllocCPUS=str(cpus), ReqMem=req_mem, Submit=submit.isoformat(timespec="seconds"),
                  SubmitLine=f"sbatch -p {partition} /home/{user}/jobs/{script}")
    alloc = f"billing={cpus},cpu={cpus},mem={req_mem},node={nodes}"
    if state == "NEVER":
        return [_row(**common, JobID=job_id, JobIDRaw=raw_id, State="CANCELLED by 1001", ExitCode="0:0",
                     Start="None", End=(submit + timedelta(hours=2)).isoformat(timespec="seconds"),
                     Elapsed="00:00:00", CPUTime="00:00:00", TotalCPU="00:00:00", ReqTRES=alloc)]
    wait = rng.expovariate(1 / 600)
    start = submit + timedelta(seconds=wait)
    elapsed = limit + 60 if state == "TIMEOUT" else rng.uniform(0.05, 0.9) * limit
    end = start + timedelta(seconds=elapsed)
    used = elapsed * cpus * rng.betavariate(2, 1.5)
    peak = mem_mb * rng.uniform(0.05, 0.95) * (1.0 if state != "OUT_OF_MEMORY" else 1.1)
    times = dict(Start=start.isoformat(timespec="seconds"), End=end.isoformat(timespec="seconds"),
                 Elapsed=_dur(elapsed), CPUTime=_dur(elapsed * cpus))
    lines = [_row(**common, **times, JobID=job_id, JobIDRaw=raw_id, State=state, ExitCode=exit_code,
                  TotalCPU=_cpu(used), ReqTRES=alloc, AllocTRES=alloc)]
    steps = [("batch", 1, 0.6), ("extern", nodes, 0.0)]
    steps += [(str(i), nodes, 0.4) for i in range(rng.choice((0, 0, 1, 2)))]
    for name, tasks, share in steps:
        rss = peak * (share or 0.01)
        usage = f"cpu={_dur(used * share)},energy=0,fs/disk={rng.randrange(10**7)},mem={_mem(rss * tasks, rng)},pages=0"
        lines.append(_row(JobName=name, NNodes=str(nodes), NTasks=str(tasks), NCPUS=str(cpus), **times,
                          JobID=f"{job_id}.{name}", JobIDRaw=f"{raw_id}.{name}", State=state.split(" ")[0],
                          ExitCode=exit_code, TotalCPU=_cpu(used * share), MaxRSS=_mem(rss, rng), AllocTRES=alloc,
                          TRESUsageInTot=usage))
    return lines


def write_dump(path: Path, rows: int, seed: int = 5, max_jobs: int | None = None) -> int:
    """Write about `rows` rows (whole jobs only), or, with `max_jobs`, about that many jobs (an array is not
    split); returns the number of jobs."""
    rng = random.Random(seed)
    written, jobs, raw = 0, 0, 1000
    with path.open("w") as out:
        out.write(DELIMITER.join(COLUMNS) + "\n")
        while written < rows if max_jobs is None else jobs < max_jobs:
            raw += 1
            submit = T0 + timedelta(seconds=raw * 20)
            if rng.random() < 0.2:  # an array of 2-10 tasks
                for task in range(rng.randrange(2, 11)):
                    lines = _job_lines(rng, raw, f"{raw}_{task}", str(raw + task), submit)
                    out.write("\n".join(lines) + "\n")
                    written, jobs = written + len(lines), jobs + 1
                raw += 10
            else:
                lines = _job_lines(rng, raw, str(raw), str(raw), submit)
                out.write("\n".join(lines) + "\n")
                written, jobs = written + len(lines), jobs + 1
    return jobs


if __name__ == "__main__":
    target = Path(sys.argv[1])
    if len(sys.argv) > 2 and sys.argv[2].endswith("jobs"):  # e.g. 1000000jobs: about that many jobs
        count = write_dump(target, 0, max_jobs=int(sys.argv[2].removesuffix("jobs")))
    else:
        count = write_dump(target, int(sys.argv[2]) if len(sys.argv) > 2 else 1_000_000)
    print(f"{target}: {count} jobs")
