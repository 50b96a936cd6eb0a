from __future__ import annotations

import pytest
from history_paths import SAMPLES


@pytest.fixture
def store(tmp_path):
    from asba.history.store import HistoryStore

    with HistoryStore.open(tmp_path / "jobs.db") as opened:
        yield opened


@pytest.fixture
def cluster_store(store):
    """The store with every job of the real test-cluster capture (--format=ALL)."""
    store.import_file(SAMPLES / "sacct_parsable2_ALL.psv")
    return store
