"""The whole-array view of one request: widths on both sides (with the bound that applies), makespans, whole-array
cost and usage beside the per-task figures, the best local/burst split with its sbatch commands, and the
``array.*`` facts the decision pack reads. The arithmetic is asba.decide.array; this module gathers its inputs.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Any

from asba.decide import array as arr
from asba.decide import array_indices as idx
from asba.decide import compare, timing, tradeoff
from asba.facts.model import Fact

SRC = "asba array planner: "


@dataclass
class ArrayPlan:
    task_count: int
    throttle: int | None
    spec: str
    local_width: arr.Width
    aws_width: arr.Width | None
    local_span: arr.Makespan
    aws_span: arr.Makespan | None
    per_task: compare.Comparison
    whole: compare.Comparison
    usage: arr.Usage
    split: arr.SplitChoice | None
    commands: list[str]
    lift_throttle: bool
    notes: list[str]

    @property
    def local_tasks(self) -> int:
        return self.split.best.local_tasks if self.split else self.task_count


def max_array_size(ctx: Any, view: Any) -> tuple[int, str]:
    """MaxArraySize: scontrol show config when it was read, else the config key, else SLURM's default."""
    text = (getattr(getattr(view, "state", None), "config", None) or {}).get("MaxArraySize")
    if text and str(text).strip().isdigit():
        return int(str(text).strip()), f"scontrol show config ({view.source})"
    configured = ctx.cfg.get("array.max_array_size", None)
    if configured:
        return int(configured), f"config array.max_array_size ({ctx.cfg.source_of('array.max_array_size')})"
    return idx.SLURM_DEFAULT_MAX_ARRAY_SIZE, "SLURM's default (slurm.conf MaxArraySize)"


def check(ctx: Any, req: Any, view: Any) -> None:
    """Refuse the array SLURM would refuse (an index past MaxArraySize); the parser refuses malformed specs."""
    spec = req.job.get("array")
    if not spec:
        return
    size, source = max_array_size(ctx, view)
    where = req.sources.get("array", req.script)
    idx.check_size(spec, size, source, where)
    limit, src = user_limit(ctx, req, view, "max_submit", "array.max_submit_per_user")
    if limit:
        state = getattr(view, "state", None)
        queued = sum(j.tasks for j in state.jobs if j.user == state.user) if state is not None else 0
        idx.check_submit_limit(int(req.job.get("array_task_count") or 1), queued, limit, src, where)


def _cfg_int(ctx: Any, key: str) -> tuple[int | None, str]:
    value = ctx.cfg.get(key, None)
    return (int(value), f"config {key} ({ctx.cfg.source_of(key)})") if value else (None, "")


def slurm_limits(ctx: Any, req: Any, view: Any) -> dict[str, tuple[int, str]]:
    """Per-user/QOS limits from sacctmgr (read once per run), by kind: max_jobs, max_submit, max_cpus."""
    state = getattr(view, "state", None)
    if state is None or state.source == "none" or ctx.runner is None:
        return {}
    key = (state.user, req.job.get("account"), req.job.get("qos"))
    cache = ctx.__dict__.setdefault("_array_slurm_limits", {})
    if key not in cache:
        from asba.inputs.slurm_limits import read_limits

        limits, gap = read_limits(ctx.runner, *key)
        if gap and ctx.runner.snapshot_dir is None:
            ctx.notes.append(f"per-user/QOS limits not read ({gap}); only the config's array.* limits apply")
        cache[key] = {limit.kind: (limit.value, limit.source) for limit in limits}
    return dict(cache[key])


def user_limit(ctx: Any, req: Any, view: Any, kind: str, key: str) -> tuple[int | None, str]:
    """The tighter of SLURM's limit of this kind and the config key."""
    found: list[tuple[int, str]] = []
    for value, source in (slurm_limits(ctx, req, view).get(kind, (None, "")), _cfg_int(ctx, key)):
        if value:
            found.append((value, source))
    return min(found, key=lambda v: v[0]) if found else (None, "")


def local_bounds(ctx: Any, req: Any, view: Any, partition: str) -> list[arr.Bound]:
    job = req.job
    bounds = []
    throttle = job.get("array_max_concurrent")
    if throttle:
        bounds.append(arr.Bound(f"throttle %{throttle}", int(throttle), f"{req.sources.get('array', req.script)}"))
    summary = view.summary(partition) if view is not None else None
    gpus = int(job.get("total_gpus") or 0)
    if summary is not None and summary.exists:
        use_gpus = gpus > 0 and bool(summary.total_gpus)
        per_task = gpus if use_gpus else int(job.get("total_cpus") or 1)
        free, total = ((summary.idle_gpus, summary.total_gpus) if use_gpus else (summary.idle_cpus, summary.total_cpus))
        bounds += arr.capacity_bounds(per_task, free, total, "GPUs" if use_gpus else "CPUs", partition,
                                      f"sinfo, {view.source}")
    jobs_pu, src = user_limit(ctx, req, view, "max_jobs", "array.max_jobs_per_user")
    if jobs_pu:
        bounds.append(arr.Bound("per-user job limit (MaxJobsPU)", jobs_pu, src))
    cpus_pu, src = user_limit(ctx, req, view, "max_cpus", "array.max_cpus_per_user")
    if cpus_pu:
        per = int(job.get("total_cpus") or 1)
        bounds.append(arr.Bound("per-user CPU limit (GrpTRES/MaxTRESPU cpu)", max(1, cpus_pu // per),
                                f"{src}: {cpus_pu} CPUs / {per} per task"))
    return bounds


def aws_bounds(ctx: Any, req: Any, view: Any, burst: Any, offer: Any, lift: bool) -> list[arr.Bound]:
    bounds = []
    throttle = req.job.get("array_max_concurrent")
    if throttle and not lift:
        bounds.append(arr.Bound(f"throttle %{throttle}", int(throttle), f"{req.sources.get('array', req.script)}"))
    nodes = max(int(offer.nodes or 1), 1)
    if burst.max_nodes:
        bounds.append(arr.Bound(f"{burst.name} MaxNodes {burst.max_nodes}", max(1, burst.max_nodes // nodes),
                                f"{burst.source}: {burst.max_nodes} nodes / {nodes} per task"))
    summary = view.summary(burst.name) if view is not None else None
    if summary is not None and summary.exists and summary.total_nodes:
        bounds.append(arr.Bound(f"{burst.name} node count {summary.total_nodes}",
                                max(1, summary.total_nodes // nodes), f"sinfo, {view.source}: nodes in {burst.name}"))
    quota, src = _cfg_int(ctx, "array.aws_vcpu_quota")
    if quota:
        vcpus = ctx.catalog.get(offer.instance_type).vcpus * nodes
        bounds.append(arr.Bound(f"vCPU quota {quota}", max(1, quota // vcpus), f"{src}: {quota} / {vcpus} per task"))
    return bounds


def usage(req: Any, runtime_s: float) -> arr.Usage:
    job = req.job
    mem_mb = job.get("total_mem_mb") or int(job.get("total_cpus") or 1) * 1024
    return arr.Usage(float(job.get("total_cpus") or 1), float(mem_mb) / 1024.0, float(job.get("total_gpus") or 0),
                     runtime_s)


def _scaled_cost(priced: Any, n: int) -> Any:
    if priced is None:
        return None

    def times(x: float | None) -> float | None:
        return None if x is None else x * n

    return replace(priced, on_demand_usd=priced.on_demand_usd * n, spot_usd=times(priced.spot_usd),
                   spot_expected_usd=times(priced.spot_expected_usd), transfer_usd=priced.transfer_usd * n)


def whole_comparison(per: compare.Comparison, cmp_inputs: compare.Inputs, n: int, lw: int, aw: int,
                     local_span: arr.Makespan, aws_span: arr.Makespan | None) -> compare.Comparison:
    """The per-task comparison re-priced for the whole array: cost x tasks, time = the last task's end."""
    local = replace(per.local, cost_usd=per.local.cost_usd * n, time_to_result_s=local_span.p50_s,
                    time_to_result_p90_s=local_span.p90_s)
    if per.aws is None or aws_span is None:
        return replace(per, local=local)
    aws = replace(per.aws, cost_usd=per.aws.cost_usd * n, time_to_result_s=aws_span.p50_s,
                  time_to_result_p90_s=aws_span.p90_s)
    value = cmp_inputs.value_of_hour_usd
    ls, as_ = tradeoff.Side(local.cost_usd, local.time_to_result_s), tradeoff.Side(aws.cost_usd, aws.time_to_result_s)
    preferred = tradeoff.choose(ls, as_, value)

    def sides_at(wait: float, runtime: float) -> tuple[tradeoff.Side, tradeoff.Side]:
        task_local, task_aws = compare._sides(cmp_inputs, wait, runtime)
        waves_l, waves_a = arr.waves(n, lw), arr.waves(n, aw)
        return (tradeoff.Side(task_local.cost_usd * n, wait + waves_l * runtime),
                tradeoff.Side(task_aws.cost_usd * n, waves_a * task_aws.time_to_result_s))

    low, high = timing.runtime_range(cmp_inputs.runtime)
    scenarios = tradeoff.Scenarios(cmp_inputs.wait_p10_s, cmp_inputs.wait_p90_s, low, high)
    return compare.Comparison(
        local, aws, _scaled_cost(per.aws_cost, n), preferred,
        tradeoff.score(ls, value) - tradeoff.score(as_, value), tradeoff.break_even(ls, as_),
        tradeoff.confidence(preferred, scenarios, sides_at, value),
        tradeoff.wait_to_flip(ls, as_, cmp_inputs.wait_p50_s, value))


def commands(req: Any, burst: Any, spec: str, local_tasks: int, lift: bool, cli_args: list[str]) -> list[str]:
    """Ready-to-paste sbatch lines for each part of a split (local part first)."""
    all_idx = idx.indices(spec)
    throttle = req.job.get("array_max_concurrent")
    extra = "".join(f" {a}" for a in cli_args)
    script = req.script
    out = []
    if local_tasks:
        out.append(f"sbatch --array={idx.compress(all_idx[:local_tasks])}"
                   f"{f'%{throttle}' if throttle else ''}{extra} {script}")
    if local_tasks < len(all_idx) and burst is not None:
        keep = throttle and not lift
        out.append(f"sbatch -p {burst.name} --array={idx.compress(all_idx[local_tasks:])}"
                   f"{f'%{throttle}' if keep else ''}{extra} {script}")
    return out


@dataclass(frozen=True)
class Task:
    """One task of the array as the analysis priced it."""

    req: Any
    partition: str
    burst: Any
    offer: Any
    runtime: timing.RuntimeEstimate
    comparison: compare.Comparison


def plan(ctx: Any, a: Task, view: Any, cmp_inputs: compare.Inputs, remaining_budget: float | None) -> ArrayPlan:
    req, per = a.req, a.comparison
    n = int(req.job.get("array_task_count") or 1)
    lift = bool(ctx.cfg.get("array.lift_throttle_on_aws", False))
    lw = arr.width(n, local_bounds(ctx, req, view, a.partition))
    low, high = timing.runtime_range(a.runtime)
    rt = (low, a.runtime.p50_s, high)
    waits = (cmp_inputs.wait_p10_s, cmp_inputs.wait_p50_s, cmp_inputs.wait_p90_s)
    local_span = arr.local_makespan(n, lw.tasks, waits, rt)
    aw = aws_span = choice = None
    notes: list[str] = []
    if per.aws is not None and a.offer is not None and a.burst is not None:
        aw = arr.width(n, aws_bounds(ctx, req, view, a.burst, a.offer, lift))
        f = a.offer.performance_factor
        aws_span = arr.aws_makespan(n, aw.tasks, cmp_inputs.startup_s, (low * f, a.runtime.p50_s * f, high * f))
        local_side = arr.Side(per.local.cost_usd, lw.tasks, cmp_inputs.wait_p50_s, a.runtime.p50_s)
        aws_side = arr.Side(per.aws.cost_usd, aw.tasks, 0.0, per.aws.time_to_result_s)
        choice = arr.best_split(n, local_side, aws_side, cmp_inputs.value_of_hour_usd, remaining_budget)
        if req.job.get("array_max_concurrent") and not lift:
            notes.append(f"the array throttle %{req.job['array_max_concurrent']} also limits the AWS part; if it "
                         "only protects the local cluster, set array.lift_throttle_on_aws: true to lift it there")
        elif req.job.get("array_max_concurrent"):
            notes.append(f"array.lift_throttle_on_aws is set: the AWS part runs without the %"
                         f"{req.job['array_max_concurrent']} throttle")
    whole = whole_comparison(per, cmp_inputs, n, lw.tasks, aw.tasks if aw else 1, local_span, aws_span)
    local_tasks = choice.best.local_tasks if choice else n
    cmds = commands(req, a.burst, req.job["array"], local_tasks, lift, list(ctx.options.cli_args)) if choice else []
    return ArrayPlan(n, req.job.get("array_max_concurrent"), req.job["array"], lw, aw, local_span, aws_span, per,
                     whole, usage(req, a.runtime.p50_s), choice, cmds, lift, notes)


def facts(p: ArrayPlan) -> list[Fact]:
    """``array.*`` facts for the decision pack (rules/decision/array.yaml)."""
    per, whole = p.per_task, p.whole
    out = [
        Fact("array.task_count", p.task_count, SRC + f"--array={p.spec}"),
        Fact("array.local_width", p.local_width.tasks, SRC + p.local_width.binding.source),
        Fact("array.local_width_bound", p.local_width.binding.name, SRC + p.local_width.binding.source),
        Fact("array.local_waves", p.local_span.waves, SRC + "ceil(tasks / local width)"),
        Fact("array.per_task_local_cost_usd", round(per.local.cost_usd, 4), SRC + "cost model x runtime, one task"),
        Fact("array.local_cost_usd", round(whole.local.cost_usd, 4), SRC + "per-task local cost x tasks"),
        Fact("array.lift_throttle_on_aws", p.lift_throttle, "config array.lift_throttle_on_aws"),
    ]
    if p.throttle:
        out.append(Fact("array.throttle", int(p.throttle), SRC + f"--array={p.spec}"))
    if p.aws_width is None or per.aws is None or whole.aws is None or p.aws_span is None:
        return out
    out += [
        Fact("array.aws_width", p.aws_width.tasks, SRC + p.aws_width.binding.source),
        Fact("array.aws_width_bound", p.aws_width.binding.name, SRC + p.aws_width.binding.source),
        Fact("array.aws_waves", p.aws_span.waves, SRC + "ceil(tasks / AWS width)"),
        Fact("array.per_task_aws_cost_usd", round(per.aws.cost_usd, 4), SRC + f"{per.aws.instance_type}, one task"),
        Fact("array.aws_cost_usd", round(whole.aws.cost_usd, 4), SRC + "per-task AWS cost x tasks"),
    ]
    return out + (_split_facts(p.split) if p.split is not None else [])


def _split_facts(split: arr.SplitChoice) -> list[Fact]:
    best, local, aws = split.best, split.all_local, split.all_aws
    single = min([local] + ([aws] if aws.within_budget else []), key=lambda s: s.objective_usd)
    src = (SRC + f"best of {split.candidates} splits (wave boundaries, budget edge) by cost + value of an hour x "
           "time to result")
    return [
        Fact("array.split_local_tasks", best.local_tasks, src),
        Fact("array.split_aws_tasks", best.aws_tasks, src),
        Fact("array.split_cost_usd", round(best.cost_usd, 4), src),
        Fact("array.split_aws_cost_usd", round(best.aws_cost_usd, 4), src),
        Fact("array.split_result_h", round(best.makespan_s / 3600, 3), src),
        Fact("array.split_objective_usd", round(best.objective_usd, 4), src),
        Fact("array.all_local_objective_usd", round(local.objective_usd, 4), src),
        Fact("array.all_aws_objective_usd", round(aws.objective_usd, 4), src),
        Fact("array.split_saving_usd", round(single.objective_usd - best.objective_usd, 4),
             src + "; best single platform (within budget) minus the split"),
    ]
