"""The GPU lines of INSTANCE TYPE ANALYSIS (asba.decide.gpu_analysis's block), in the roadmap's shape."""

from __future__ import annotations

from asba.report import units


def gpu_lines(block: dict) -> list[str]:
    use, current = block["use"], block["current"]
    lines = ["", "  GPU:", f"    {use['text']}"]
    if current:
        lines.append(f"    Current choice: {current['instance_type']} x{current['nodes']}"
                     f" ({current['gpu_model'] or 'GPU model unknown'}): {units.usd(current['usd_per_hour'])}/h,"
                     f" job {units.usd(current['job_usd'])} at {current['hours']:.1f} h")
    if use["fewer_gpus"]:
        lines.append(f"    Fewer GPUs: {units.plural(block['need_gpus'], 'GPU')} did the work in the recorded runs; "
                     "the options below have that many")
    if block["options"]:
        lines.append(f"    Options with {block['need_gpus']}+ GPUs whose memory holds the recorded peak:")
    for row in block["options"]:
        trade = _trade(row.get("speed_vs_history"))
        pct = row.get("vs_current_cost_pct")
        versus = f" ({pct:+.0f} % per hour vs current)" if pct is not None else ""
        model = row["gpu_model"]
        if row.get("gpu_memory_gib") and not model.endswith("GiB"):
            model += f" {units.gib(row['gpu_memory_gib'])}"
        lines.append(f"      {row['instance_type']:<15} {row['gpus']}x {model:<30} "
                     f"{units.usd(row['usd_per_hour'])}/h{versus}; job {units.usd(row['job_usd'])} "
                     f"at {row['hours']:.1f} h; trade-off: {trade}")
    lines.append(f"    Risk: {block['risk']}")
    lines.append(f"    Speed: {block['speed_basis']}")
    return lines


def _trade(speed: float | None) -> str:
    if speed is None:
        return "speed unknown (the model it ran on is not in knowledge/gpu_models.yaml)"
    if abs(speed - 1) < 0.005:
        return "same speed"
    if speed < 1:
        return f"{100 * (1 / speed - 1):.0f} % slower" if speed >= 0.5 else f"{1 / speed:.1f}x the time"
    return f"{100 * (1 - 1 / speed):.0f} % less time"
