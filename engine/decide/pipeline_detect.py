"""`--pipeline-mode`: find the workflow a script belongs to in the job history (asba.history.pipelines) and the
scripts of its other steps beside it, so the chain can be planned as a whole."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from asba.decide.context import EXAMPLE_HISTORY_DIR, EXAMPLE_HISTORY_SUFFIX, Options, _ExampleStore, load_context
from asba.errors import InputError
from asba.history import pipelines as hp
from asba.report import units


def _jobs(ctx: Any, script: Path) -> tuple[list[Any], str]:
    """Every job the history holds; for the shipped examples, every example history beside the script."""
    if isinstance(ctx.store, _ExampleStore):
        from asba.history.store import HistoryStore, connect

        store = HistoryStore(connect(Path(":memory:")), Path(":memory:"), frozenset(ctx.bursts))
        dumps = sorted((script.parent / EXAMPLE_HISTORY_DIR).glob("*" + EXAMPLE_HISTORY_SUFFIX))
        for dump in dumps:
            store.import_file(dump)
        return store.jobs(), f"EXAMPLE histories {script.parent / EXAMPLE_HISTORY_DIR} ({len(dumps)} files)"
    if ctx.store is None:
        return [], "no history database"
    return ctx.store.jobs(), ctx.history_label


def _ago(now_ts: float, end_ts: int | None) -> str:
    return "end unknown" if end_ts is None else f"completed {units.duration(max(0.0, now_ts - end_ts))} ago"


def detect(options: Options) -> tuple[list[Path], dict]:
    """(the step scripts in order, the detection block for the result)."""
    ctx = load_context(options)
    script = Path(options.script)
    jobs, source = _jobs(ctx, script)
    found = hp.links(hp.runs_of(jobs))
    chain = hp.chain_of(script.name, found)
    now = ctx.now.timestamp()
    at = chain.position(script.name)
    before, after = chain.links[:at], chain.links[at:]
    block = {"script": script.name, "chain": chain.steps, "window_s": hp.WINDOW_S, "source": source,
             "previous": [{"script": k.before, "runs": k.runs, "via": k.via, "last_end_ts": k.last_end_ts}
                          for k in before],
             "next": [{"script": k.after, "runs": k.runs, "via": k.via} for k in after]}
    block["message"] = message(block, now)
    paths = []
    for name in chain.steps:
        path = script if name == script.name else script.parent / name
        if not path.is_file():
            raise InputError(f"the history links {script.name} to {name}, but there is no {path}", where=str(path),
                             code="ASBA-PIPE-002", hint="put the step scripts side by side, or name them: "
                             "asba pipeline A.sbatch B.sbatch ...")
        paths.append(path)
    return paths, block


def message(block: dict, now_ts: float) -> str:
    if len(block["chain"]) < 2:
        return (f"No workflow detected for {block['script']}: no other script's jobs started within "
                f"{units.duration(block['window_s'])} of its runs' ends (twice or more), or depended on them")
    parts = ["Detected: part of a multi-step workflow"]
    if block["previous"]:
        parts.append("previous steps: " + ", ".join(f"{p['script']} ({_ago(now_ts, p['last_end_ts'])})"
                                                    for p in block["previous"]))
    if block["next"]:
        nxt = block["next"][0]
        basis = "SubmitLine dependency" if nxt["via"] == "dependency" else "start after end"
        parts.append(f"next likely step: {nxt['script']} (based on {nxt['runs']} past runs, {basis})")
    return "; ".join(parts)
