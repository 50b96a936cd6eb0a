"""What a long command is doing, shown on a terminal only: a spinner on stderr with the current stage
("replaying 12,000 jobs of trace.psv (1 of 2)"), gone when the command ends. In a pipe, a file or a test run
(stderr not a terminal) nothing is printed and the callable does nothing."""

from __future__ import annotations

import contextlib
import sys
from collections.abc import Callable, Iterator

from asba.cli.output import console


@contextlib.contextmanager
def stages(text: str) -> Iterator[Callable[[str], None]]:
    """A spinner showing `text`; the yielded callable replaces it with the next stage's text."""
    if not sys.stderr.isatty():
        yield lambda _text: None
        return
    with console(stderr=True).status(text) as status:
        yield lambda next_text: status.update(next_text)
