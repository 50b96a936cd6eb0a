"""How many examples each property runs: ASBA_FUZZ_EXAMPLES (CI default 2,000; scripts/fuzz-long.sh uses 20,000).

The pack loader's property runs ASBA_FUZZ_PACK_EXAMPLES (default 10,000, the figure issue 16 asks for).
Each property is deterministic per run (derandomize) so a CI failure reproduces, and prints its crash count.
"""

from __future__ import annotations

import os

from hypothesis import HealthCheck, settings

EXAMPLES = int(os.environ.get("ASBA_FUZZ_EXAMPLES", "2000"))
PACK_EXAMPLES = int(os.environ.get("ASBA_FUZZ_PACK_EXAMPLES", "10000"))
DERANDOMIZE = os.environ.get("ASBA_FUZZ_RANDOM", "") == ""


def fuzz(examples: int = EXAMPLES) -> settings:
    return settings(max_examples=examples, deadline=None, derandomize=DERANDOMIZE, database=None,
                    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow,
                                           HealthCheck.filter_too_much, HealthCheck.data_too_large])
