"""Where asba finds its built-in data and keeps its own state.

In an installed wheel the rule packs and knowledge files sit inside the package (``asba/packs``,
``asba/kb``); in a source checkout or an editable install they are the repository's ``rules/`` and
``knowledge/`` beside ``engine/``.
"""

from __future__ import annotations

import os
from pathlib import Path

_PKG = Path(__file__).resolve().parent


def _data_dir(installed_name: str, repo_name: str) -> Path:
    installed = _PKG / installed_name
    if installed.is_dir():
        return installed
    return _PKG.parent / repo_name


def packs_dir() -> Path:
    """The built-in rule packs (`rules/` in the repository)."""
    return _data_dir("packs", "rules")


def knowledge_dir() -> Path:
    """The built-in reference data and schemas (`knowledge/` in the repository)."""
    return _data_dir("kb", "knowledge")


def asba_home() -> Path:
    """State directory: $ASBA_HOME, else ~/.asba. Not created here."""
    env = os.environ.get("ASBA_HOME")
    if env:
        return Path(env).expanduser()
    return Path.home() / ".asba"


def missing_file_reason(path: Path) -> str:
    """Why `path` is not a regular file to read: 'no such file', or what it is instead (a FIFO, a folder, a
    device: before, a FIFO given as input was called 'no such file')."""
    import stat

    try:
        mode = path.stat().st_mode
    except OSError as exc:
        return "no such file" if not path.exists() else f"cannot be read ({exc.strerror})"
    kind = ("a FIFO (named pipe)" if stat.S_ISFIFO(mode) else "a directory" if stat.S_ISDIR(mode)
            else "a socket" if stat.S_ISSOCK(mode) else "a device" if stat.S_ISBLK(mode) or stat.S_ISCHR(mode)
            else "not a regular file")
    return f"not a regular file: it is {kind}" if kind != "not a regular file" else kind
