#!/bin/bash
# Run the labelled corpus jobs (tests/fixtures/corpus/jobs/*.sbatch) on the SLURM test cluster and capture
# their accounting with the same sacct command asba's `history sync` uses, into tests/fixtures/corpus/.
#
#   bash scripts/capture-corpus.sh [RUNS]      (RUNS per script, default 2; the OOM jobs run RUNS+1 times)
#   bash scripts/capture-corpus.sh --ids 338,339,...   (no new jobs: capture these again)
#   CAPTURE_NAME=sacct_heldout bash scripts/capture-corpus.sh   (write tests/fixtures/corpus/sacct_heldout.out)
#
# Jobs that only wait (sleep, memory, OOM, TIMEOUT, I/O) are submitted together; the CPU burners run one at a
# time so that they do not compete for the machine's two real cores. Needs a running cluster
# (bash scripts/slurm-cluster.sh status). Re-running replaces sacct_corpus.out and sacct_corpus.meta.json.
set -euo pipefail
here=$(cd "$(dirname "$0")/.." && pwd)
corpus="$here/tests/fixtures/corpus"
runs=${1:-2}
ids=()
if [ "$runs" = "--ids" ]; then IFS=, read -r -a ids <<< "$2"; runs=0; fi

submit() {  # submit SCRIPT [--wait]: records the job id
    local id
    id=$(sbatch --parsable "${@:2}" "$corpus/jobs/$1.sbatch" || true)  # --wait returns the job's exit code
    ids+=("${id%%;*}")
    echo "submitted $1: ${id%%;*}" >&2
}

for _ in $(seq "$runs"); do
    for job in corpus_sleep corpus_mem corpus_timeout corpus_iowait corpus_oom corpus_oom_instant; do submit "$job"; done
done
[ "$runs" -gt 0 ] && { submit corpus_oom; submit corpus_oom_instant; }
for _ in $(seq "$runs"); do
    for job in corpus_burn1 corpus_burn2 corpus_one_of_four corpus_multinode_one; do submit "$job" --wait; done
done
while squeue -h -j "$(IFS=,; echo "${ids[*]}")" 2>/dev/null | grep -q .; do sleep 5; done
sleep 3  # let slurmdbd record the last job ends

list=$(IFS=,; echo "${ids[*]}")
fields="Cluster,JobID,JobIDRaw,JobName,User,Account,Partition,QOS,State,ExitCode,Submit,Start,End,ElapsedRaw,Timelimit,ReqCPUS,AllocCPUS,NNodes,NTasks,ReqMem,ReqTRES,AllocTRES,TotalCPU,MaxRSS,TRESUsageInTot,SubmitLine,WorkDir"
argv=(sacct --parsable2 "--delimiter=$(printf '\037')" "--format=$fields" -j "$list")
name=${CAPTURE_NAME:-sacct_corpus}
"${argv[@]}" > "$corpus/$name.out"
python3 - "$corpus/$name.meta.json" "$list" "${argv[@]}" <<'PY'
import json, sys, time
out, ids, argv = sys.argv[1], sys.argv[2], sys.argv[3:]
json.dump({"argv": argv, "job_ids": ids.split(","), "captured_at": time.time(),
           "captured_utc": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())}, open(out, "w"), indent=2)
PY
echo "captured ${#ids[@]} jobs into $corpus/$name.out" >&2
