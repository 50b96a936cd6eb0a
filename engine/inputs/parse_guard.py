"""One boundary for the parsers of SLURM command output: whatever a command prints, asba's own error comes out.

SLURM's JSON changes shape between releases and a wrapper script, a broken installation or a full disk can
print anything at all. Each parser entry point is wrapped with ``guarded(WHAT)``: a result, or an
ExternalCommandError (code ASBA-CLUSTER-004) that names the command and what could not be read, never a
TypeError or a traceback. Parsers keep raising their own AsbaError where they know better.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import ParamSpec, TypeVar

from asba.errors import AsbaError, ExternalCommandError, clip

P = ParamSpec("P")
R = TypeVar("R")
_UNREADABLE = (ValueError, TypeError, KeyError, AttributeError, IndexError, ArithmeticError, RecursionError)


def guarded(what: str) -> Callable[[Callable[P, R]], Callable[P, R]]:
    def wrap(parse: Callable[P, R]) -> Callable[P, R]:
        @functools.wraps(parse)
        def checked(*args: P.args, **kwargs: P.kwargs) -> R:
            try:
                return parse(*args, **kwargs)
            except AsbaError:
                raise
            except _UNREADABLE as exc:
                raise ExternalCommandError(
                    f"{what} printed output asba cannot read ({type(exc).__name__}: {clip(str(exc), 80)})",
                    where=what, code="ASBA-CLUSTER-004",
                    hint="run the command by hand to see what it prints; save it with --capture DIR and report it",
                ) from None

        return checked

    return wrap
