"""What the history takes from asba's configuration: where the database is (``history.db``) and which
partitions burst to AWS (``burst_partitions`` / ``partitions_json``), so a job's platform is known."""

from __future__ import annotations

from pathlib import Path


def configured_db() -> Path | None:
    """The ``history.db`` config key, or None (then ``$ASBA_HOME/jobs.db``)."""
    from asba.inputs.config import load_config

    value = load_config().get("history.db", None)
    return Path(value).expanduser() if value else None


def configured_aws_partitions() -> frozenset[str]:
    """Names of the burst (AWS) partitions the configuration defines."""
    from asba.inputs.config import load_config
    from asba.knowledge.burst import burst_partitions

    return frozenset(burst_partitions(load_config()))
