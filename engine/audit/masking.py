"""`audit show --mask`: a decision with the people, places and names taken out, for sharing a bug report.

Two passes over every string of the decision:

* values known to identify someone or something, replaced wherever they appear (case-insensitive for names):
  the users given (and the current user), their full names from the password database, their groups, this
  host's name, and what the decision itself records as the script's path, name and stem, the job name, the
  account, output/error files, node lists, reservations and work directories;
* patterns for what is not known in advance: IPv4/IPv6 addresses, dotted host names, home directories
  (``~carol/``), absolute paths and relative paths with a folder (``data/run1.txt``).

Placeholders say what was there (``<user>``, ``<group>``, ``<name>``, ``<host>``, ``<ip>``, ``<path>``) and
nothing else. Instance types (``c6i.large``), versions, times and asba's own file names are kept.
"""

from __future__ import annotations

import os
import re
import socket
from collections.abc import Iterable
from typing import Any

USER, GROUP, NAME, HOST, IP, PATH = "<user>", "<group>", "<name>", "<host>", "<ip>", "<path>"
# Keys (of the decision, its result or a fact's last name part) whose string values name a job, file or place.
NAMED_KEYS = frozenset({"script", "script_name", "script_path", "job_name", "account", "output", "error", "input",
                        "nodelist", "exclude", "reservation", "work_dir", "workdir", "chdir", "user", "user_name",
                        "group", "comment", "mail_user", "wckey"})
_KEEP_PREFIXES = ("gres/", "knowledge/", "rules/", "tres/", "license/")
_IPV4 = re.compile(r"(?<![\w.])(?:\d{1,3}\.){3}\d{1,3}(?![\w.])")
_IPV6 = re.compile(r"(?<![\w:])(?:[0-9A-Fa-f]{1,4}:){3,7}[0-9A-Fa-f]{1,4}(?![\w:])"
                   r"|(?<![\w:])[0-9A-Fa-f:]*::[0-9A-Fa-f:]+")
_HOST = re.compile(r"(?<![\w.-])(?:[A-Za-z0-9-]+\.){2,}[A-Za-z][A-Za-z-]+(?![\w.-])")
_HOME = re.compile(r"~[\w.-]*(?:/[^\s'\"]*)?")
_ABSOLUTE = re.compile(r"(?<![\w.<>])(?:/[^\s/'\"<>]+)+/?")
_RELATIVE = re.compile(r"(?<![\w.<>/])(?:\.{1,2}/|[\w.-]+/)(?:[^\s/'\"<>]+/?)*")


def identities(users: Iterable[str]) -> tuple[set[str], set[str]]:
    """(user names with their full-name words, group names) of the given users and the current one."""
    import grp
    import pwd

    names = {u for u in users if u}
    names |= {os.environ.get("USER", ""), os.environ.get("LOGNAME", "")} - {""}
    groups: set[str] = set()
    for name in list(names):
        try:
            entry = pwd.getpwnam(name)
        except KeyError:
            continue
        names |= {word for word in re.split(r"[\s,]+", entry.pw_gecos) if len(word) >= 3}
        groups |= {g.gr_name for g in grp.getgrall() if name in g.gr_mem}
        try:
            groups.add(grp.getgrgid(entry.pw_gid).gr_name)
        except KeyError:
            pass
    return names, groups


def named_values(decision: Any) -> set[str]:
    """Strings the decision records under a naming key, with the file name and stem of the paths among them
    (the folders of a path go with the path; masking each folder name everywhere would eat ordinary words)."""
    found: set[str] = set()

    def add(value: Any) -> None:
        if isinstance(value, str) and value.strip():
            base = value.strip().rstrip("/").rsplit("/", 1)[-1]
            found.update({value.strip(), base, base.rsplit(".", 1)[0] if "." in base[1:] else base})
        elif isinstance(value, list):
            for item in value:
                add(item)

    def walk(node: Any) -> None:
        if isinstance(node, dict):
            name = node.get("name")
            if isinstance(name, str) and "value" in node and name.rsplit(".", 1)[-1] in NAMED_KEYS:
                add(node["value"])  # a fact
            for key, value in node.items():
                if key in NAMED_KEYS:
                    add(value)
                walk(value)
        elif isinstance(node, list):
            for item in node:
                walk(item)

    walk(decision)
    return {v for v in found if len(v) >= 2 and v not in ("", "<path>")}


class Masker:
    def __init__(self, users: Iterable[str], decision: Any = None) -> None:
        names, groups = identities(users)
        host = socket.gethostname()
        replacements = [(v, NAME) for v in named_values(decision)] + [(g, GROUP) for g in groups]
        replacements += [(u, USER) for u in names] + [(h, HOST) for h in {host, host.split(".")[0]} if h]
        ordered = sorted({text: label for text, label in replacements}.items(), key=lambda item: -len(item[0]))
        self.known = [(re.compile(_bounded(text), re.IGNORECASE), label) for text, label in ordered]

    def text(self, value: str) -> str:
        value = _HOME.sub(PATH, value)
        for pattern, label in self.known:
            value = pattern.sub(label, value)
        value = _IPV4.sub(IP, value)
        value = _IPV6.sub(IP, value)
        value = _HOST.sub(HOST, value)
        value = _ABSOLUTE.sub(PATH, value)
        return _RELATIVE.sub(lambda m: m.group(0) if m.group(0).startswith(_KEEP_PREFIXES) else PATH, value)

    def __call__(self, data: Any) -> Any:
        if isinstance(data, str):
            return self.text(data)
        if isinstance(data, list):
            return [self(item) for item in data]
        if isinstance(data, dict):
            return {key: self(value) for key, value in data.items()}
        return data


def _bounded(text: str) -> str:
    """The text as a pattern that does not match inside a longer word (``carol`` not in ``carolina``)."""
    left = r"(?<![A-Za-z0-9])" if text[:1].isalnum() else ""
    right = r"(?![A-Za-z0-9])" if text[-1:].isalnum() else ""
    return left + re.escape(text) + right


def mask(data: Any, users: set[str]) -> Any:
    return Masker(users, data)(data)
