"""Short `Data used` lines and 80-column prose: the answer first, the evidence after it.

The full source descriptions (every gap, the whole path, how the spot price was estimated) stay in the JSON
(``data_sources``); the text shows one short line per source: its kind, its date where it has one, a short
path. Lines are wrapped at word boundaries, never inside a number or a path.
"""

from __future__ import annotations

import re
import textwrap

WIDTH = 80
_GAPS = re.compile(r"\s*\(gaps: (?P<gaps>.*)\)\s*$")
_PATH = re.compile(r"(?<![\w.])/?(?:[\w.+-]+/){2,}[\w.+-]+")


def wrap(text: str, indent: str = "  ", hanging: str = "    ", width: int = WIDTH) -> list[str]:
    """`text` in lines of at most `width` columns (a single word longer than that stays whole)."""
    return textwrap.wrap(text, width=width, initial_indent=indent, subsequent_indent=hanging,
                         break_long_words=False, break_on_hyphens=False) or [indent.rstrip()]


def short_path(path: str, keep: int = 3) -> str:
    """The last `keep` parts of a long path: '…/asba/knowledge/cluster-snapshot'."""
    parts = path.split("/")
    return path if len(parts) <= keep or len(path) <= 40 else "…/" + "/".join(parts[-keep:])


def _drop_parentheses(text: str) -> str:
    """Remove parenthesised asides (nested too): the details live in the JSON."""
    previous = None
    while previous != text:
        previous, text = text, re.sub(r"\s*\([^()]*\)", "", text)
    return text


def short_source(kind: str, description: str) -> str:
    """One source in a few words: 'cluster: saved snapshot knowledge/cluster-snapshot (2 gaps)'."""
    gaps = _GAPS.search(description)
    text = description[: gaps.start()] if gaps else description
    text = _drop_parentheses(text)
    text = re.sub(r"^read from the (saved snapshot \S+), not a live cluster", r"\1", text)
    text = _PATH.sub(lambda m: short_path(m.group(0)), text)
    if gaps:
        n = len(gaps.group("gaps").split("; "))
        text += f" ({n} gap{'s' if n != 1 else ''})"
    return f"{kind}: {text.strip()}"


SHOWN_GAPS = 4


def gap_lines(description: str) -> list[str]:
    """What a source lacked, one short line each ('squeue: squeue did not answer in 1 s'), at most SHOWN_GAPS."""
    gaps = _GAPS.search(description)
    if not gaps:
        return []
    items = list(dict.fromkeys(g.strip() for g in gaps.group("gaps").split("; ") if g.strip()))
    more = len(items) - SHOWN_GAPS
    lines = [line for item in items[:SHOWN_GAPS] for line in wrap(f"- {item}", "    ", "      ")]
    return lines + (wrap(f"- and {more} more (--json)", "    ", "      ") if more > 0 else [])


def data_used(sources: dict, command: str) -> list[str]:
    """The `Data used` block under the answer: one short line per source (wrapped, never cut), and what each
    source lacked, so a gap (a command that did not answer) is never hidden behind a count."""
    lines = ["Data used (in full: --json):"] + wrap(command)
    for kind, description in sources.items():
        lines += wrap(short_source(kind, str(description))) + gap_lines(str(description))
    return lines
