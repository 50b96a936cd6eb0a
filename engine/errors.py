"""Typed errors. Library code raises these; the CLI turns each into one line and an exit code."""

from __future__ import annotations

EXIT_OK = 0
EXIT_FINDING = 1  # the command ran and found a failure (a failing rule test, a finding)
EXIT_USAGE = 2  # bad usage or bad input
MESSAGE_LIMIT = 400  # characters of a message, a place or a hint printed; a huge value is never repeated in full


def clip(value: object, limit: int = 60) -> str:
    """repr(value) for a message, cut to about `limit` characters with the full length said."""
    text = value if isinstance(value, str) else str(value)
    if len(text) <= limit:
        return repr(text)
    return f"{text[:limit]!r}... ({len(text)} characters)"


def _bounded(text: str) -> str:
    if len(text) <= MESSAGE_LIMIT:
        return text
    return f"{text[:MESSAGE_LIMIT]}... ({len(text)} characters in all)"


class AsbaError(Exception):
    """An error a user can act on: what went wrong, where, and how to fix it. Every code follows the
    ASBA-AREA-NNN scheme; a raise that names no code of its own gets its class's (AREA-000)."""

    code = "ASBA-ERROR-000"
    exit_code = EXIT_USAGE

    def __init__(
        self,
        message: str,
        *,
        where: str | None = None,
        hint: str | None = None,
        code: str | None = None,
    ) -> None:
        super().__init__(message)
        self.message = message
        self.where = where
        self.hint = hint
        if code:
            self.code = code

    def one_line(self) -> str:
        parts = []
        if self.where:
            parts.append(f"{_bounded(self.where)}:")
        parts.append(f"{_bounded(self.message)} [{self.code}]")
        if self.hint:
            parts.append(f"— {_bounded(self.hint)}")
        return " ".join(parts).replace("\n", " ").replace("\r", " ")


class InputError(AsbaError):
    """Bad input from the user: a script, a file, an option value."""

    code = "ASBA-INPUT-000"


class ConfigError(AsbaError):
    code = "ASBA-CONFIG-000"


class RulePackError(AsbaError):
    code = "ASBA-RULES-000"


class EngineError(AsbaError):
    """The rules engine failed while evaluating (a runaway loop, an action error, a C-core error)."""

    code = "ASBA-ENGINE-000"
    exit_code = EXIT_FINDING


class ExternalCommandError(AsbaError):
    """A SLURM or other external command was missing, failed or timed out."""

    code = "ASBA-SLURM-000"
    exit_code = EXIT_FINDING


class StoreError(AsbaError):
    """The history database could not be opened or written."""

    code = "ASBA-STORE-000"
    exit_code = EXIT_FINDING
