"""Split a batch script body into simple shell commands, each a list of words with its line number.

Not a shell: enough of bash's word splitting to find what a job script runs. Handled: quotes and backslashes,
``#`` comments, line continuations, ``;``/``&``/``|``/``&&``/``||`` lists and pipelines, ``$(...)`` and
backquote command substitutions (their inner command is a command of its own), redirections (``> f``,
``2>&1``, ``< in.com``; the file word is dropped), here-documents (their text is skipped), and shell
function definitions (a call to one is not a program). Parameter expansions ``${...}`` stay inside the word.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

_HEREDOC = re.compile(r"<<-?\s*(['\"]?)([A-Za-z_][A-Za-z0-9_]*)\1")
_FUNCTION = re.compile(r"^\s*(?:function\s+([A-Za-z_][\w.-]*)|([A-Za-z_][\w.-]*)\s*\(\s*\))")
OPERATORS = frozenset(";&|()`")
REDIRECT = "\0redirect"


@dataclass(frozen=True)
class Command:
    line: int  # 1-based line where the command's logical line starts
    words: tuple[str, ...]
    text: str  # the logical line, whitespace collapsed (for provenance)


def logical_lines(lines: list[str], start: int) -> list[tuple[int, str]]:
    """Lines from ``start`` (1-based) with backslash continuations joined and here-document bodies left out."""
    out: list[tuple[int, str]] = []
    number = start
    while 0 < number <= len(lines):
        first, text = number, lines[number - 1]
        while text.endswith("\\") and number < len(lines):
            number += 1
            text = text[:-1] + " " + lines[number - 1]
        number += 1
        out.append((first, text))
        marker = _HEREDOC.search(text)
        if marker:
            while number <= len(lines) and lines[number - 1].strip() != marker.group(2):
                number += 1
            number += 1
    return out


def function_names(lines: list[str]) -> set[str]:
    found: set[str] = set()
    for line in lines:
        match = _FUNCTION.match(line)
        if match:
            found.add(match.group(1) or match.group(2))
    return found


def commands(lines: list[str], start: int) -> list[Command]:
    """Every simple command of the body that starts at line ``start`` (0: no body)."""
    out: list[Command] = []
    if not start:
        return out
    for number, text in logical_lines(lines, start):
        shown = " ".join(text.split())
        for words in _split_commands(tokens(text)):
            out.append(Command(number, tuple(words), shown))
    return out


def _split_commands(items: list[str]) -> list[list[str]]:
    result: list[list[str]] = [[]]
    skip_next = False
    for item in items:
        if skip_next:
            skip_next = False
        elif item == REDIRECT:
            skip_next = True
        elif item in OPERATORS:
            result.append([])
        else:
            result[-1].append(item)
    return [words for words in result if words]


def tokens(text: str) -> list[str]:
    """Words and operators of one logical line (quotes removed, comments dropped)."""
    out: list[str] = []
    buf: list[str] = []
    started = False  # a word is in progress (an empty quoted word counts)
    i, n = 0, len(text)
    while i < n:
        char = text[i]
        if char in "'\"":
            end = text.find(char, i + 1)
            end = n if end < 0 else end
            buf.append(text[i + 1:end])
            started, i = True, end + 1
            continue
        if char == "\\" and i + 1 < n:
            buf.append(text[i + 1])
            started, i = True, i + 2
            continue
        if char == "$" and text.startswith("${", i):
            end = text.find("}", i)
            end = n - 1 if end < 0 else end
            buf.append(text[i:end + 1])
            started, i = True, end + 1
            continue
        if char == "#" and not started:
            break
        if char.isspace() or char in OPERATORS or char in "<>" or (char == "$" and text.startswith("$(", i)):
            if started:
                word = "".join(buf)
                if char in "<>" and word.isdigit():
                    word = ""  # the fd number of 2>&1
                if word:
                    out.append(word)
                buf, started = [], False
            i = _operator(text, i, out)
            continue
        buf.append(char)
        started, i = True, i + 1
    if started and buf:
        out.append("".join(buf))
    return out


def _operator(text: str, i: int, out: list[str]) -> int:
    char = text[i]
    if char.isspace():
        return i + 1
    if char == "$":  # $( : a command substitution starts a command
        out.append("(")
        return i + 2
    if char in "<>":
        j = i + 1
        while j < len(text) and text[j] in "<>&":
            j += 1
        if j < len(text) and text[j] == "(":  # process substitution <(cmd)
            out.append("(")
            return j + 1
        while j < len(text) and text[j] == " ":
            j += 1
        if j < len(text) and text[j].isdigit() and text[j - 1] == "&":  # >&2
            while j < len(text) and text[j].isdigit():
                j += 1
            return j
        out.append(REDIRECT)
        return j
    out.append(char)
    return i + 1
