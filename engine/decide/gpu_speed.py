"""Issue 21 item 12 (GPU half): the AWS runtime of a GPU job at the offered GPU model's speed.

The runs' model (the request's ``gres/gpu:<type>``, else the model the history's runs were given) against the
offered instance's (knowledge/gpu_models.yaml, each factor with its datasheet): an offer on a slower GPU runs
longer, on a faster one shorter. A family the config gives its own ``advisor.performance_factors`` entry keeps
that measured or chosen figure; the output says which was used.
"""

from __future__ import annotations

import dataclasses
from typing import Any

from asba.knowledge.gpu_models import builtin


def apply(ctx: Any, offer: Any, req: Any, history: dict[str, Any], notes: list[str]) -> Any:
    """`offer` with its performance factor set from the GPU models, and a note saying so; unchanged otherwise."""
    if offer is None or not req.job.get("total_gpus"):
        return offer
    models = builtin()
    # the runtime estimate is at the requested model's speed (history_scale), else at the runs' model's
    ran_on = models.model_for(req.job.get("gpu_type") or history.get("history.gpu_model"))
    offered = models.for_instance(offer.instance_type)
    if ran_on is None or offered is None:
        return offer
    configured = ctx.cfg.get("advisor.performance_factors", None) or {}
    factor = round(ran_on.relative_speed / offered.relative_speed, 3)
    if offer.family in configured:
        notes.append(f"AWS runtime x{offer.performance_factor:g} on {offer.family}: advisor.performance_factors in "
                     f"the config (the GPU model table would say x{factor:.2f})")
        return offer
    notes.append(f"AWS runtime x{factor:g}: {offered.name} on {offer.instance_type} against the {ran_on.name} the job "
                 f"asks for or ran on, by peak dense FP16/BF16 tensor throughput (vendor datasheets, "
                 f"knowledge/gpu_models.yaml)")
    return dataclasses.replace(offer, performance_factor=factor)


def history_scale(req: Any, history: dict[str, Any]) -> tuple[float, str | None]:
    """How much longer the history's runtime takes on the GPU model the request asks for (1.0 when it is the model
    the runs had, or either is unknown), with a note; --optimize's smaller-memory model is priced at its speed."""
    models = builtin()
    ran_on = models.model_for(history.get("history.gpu_model"))
    asked = models.model_for(req.job.get("gpu_type")) if req.job.get("total_gpus") else None
    if ran_on is None or asked is None or ran_on.key == asked.key:
        return 1.0, None
    factor = round(ran_on.relative_speed / asked.relative_speed, 3)
    return factor, (f"local runtime x{factor:g}: the history ran on {ran_on.name}, the request asks for {asked.name} "
                    "(peak dense FP16/BF16 tensor throughput, knowledge/gpu_models.yaml)")
