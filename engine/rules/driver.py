"""The one module that talks to durable-rules' C core (never its Host or DSL: see durable-rules.md).

Per evaluation: a fresh session id from a counter, a sentinel fact whose no-op action runs first (so the
session is fully initialised before anything can delete it), one ``assert_fact`` per fact (a batch can
drop facts silently), then the agenda is driven action by action until it is empty or the firing budget
is spent. Exceptions from the callback abandon the action and propagate; the session is always deleted.
"""

from __future__ import annotations

import functools
import itertools
import json
import threading
from collections.abc import Callable, Iterable

from asba.errors import EngineError

_SIDS = itertools.count(1)
_ENCODE = json.JSONEncoder(ensure_ascii=False, separators=(",", ":")).encode  # built once: dumps() rebuilds it
_NOT_HANDLED, _OBSERVED = 1, 2

OnFire = Callable[[str, str], Iterable[dict]]


@functools.lru_cache(maxsize=8192)
def _name_json(name: str) -> str:
    return _ENCODE(name)


def _encode_fact(fact: dict, sid: str) -> str:
    """JSON for the C core; attribute facts take a fast path (this runs ~30 times per evaluation)."""
    if fact.get("t") == "a" and len(fact) == 3:
        value = fact["v"]
        kind = type(value)
        text = repr(value) if kind is int or kind is float else _ENCODE(value)  # values are normalised
        return '{"t":"a","n":' + _name_json(fact["n"]) + ',"v":' + text + ',"sid":"' + sid + '"}'
    return _ENCODE({**fact, "sid": sid})


class DurableRuleset:
    """A compiled ruleset handle. Create one per distinct pack set per process (the C core leaks on delete)."""

    def __init__(self, name: str, definition: dict) -> None:
        import durable_rules_engine

        self._core = durable_rules_engine
        self._lock = threading.RLock()
        try:
            self._handle = durable_rules_engine.create_ruleset(name, _ENCODE(definition))
        except Exception as exc:  # noqa: BLE001 - the C core raises plain Exception with an error code
            raise EngineError(f"durable-rules refused the compiled ruleset: {exc}", code="ASBA-ENGINE-010",
                              hint="`asba rules validate DIR` finds a pack the engine cannot take (a `matches:` "
                                   "pattern too large for it, such as a{200}); else report it with the pack") from None

    def _assert(self, fact: dict, sid: str) -> int:
        try:
            code, state = self._core.assert_fact(self._handle, _encode_fact(fact, sid))
        except Exception as exc:  # noqa: BLE001 - the C core raises plain Exception with an error code
            raise EngineError(f"durable-rules could not take fact {fact.get('n', fact)!r}: {exc}",
                              code="ASBA-ENGINE-011", hint="the value may be out of the engine's range") from None
        if code == _OBSERVED:
            raise EngineError(f"fact {fact.get('n')!r} asserted twice in one evaluation", code="ASBA-ENGINE-012",
                              hint="this is an engine bug; report it")
        return state

    def evaluate(self, facts: list[dict], on_fire: OnFire, max_firings: int) -> int:
        """Assert ``facts`` and run the agenda; ``on_fire(rule, message)`` returns facts to assert. Returns firings.

        ``message`` is the C core's JSON text ``{"<rule>": {"<alias>": fact, ...}}`` (parse it only if needed).
        """
        with self._lock:
            sid = f"e{next(_SIDS)}"
            state = self._assert({"t": "sentinel"}, sid)
            try:
                self._run_sentinel(state)
                for fact in facts:
                    self._assert(fact, sid)
                return self._agenda(sid, state, on_fire, max_firings)
            finally:
                try:
                    self._core.delete_state(self._handle, sid)
                except Exception:  # noqa: BLE001, S110 - the session is gone either way; never mask the real error
                    pass

    def _run_sentinel(self, state: int) -> None:
        result = self._core.start_action_for_state(self._handle, state)
        if not result or "__sentinel" not in result[1]:
            raise EngineError("durable-rules did not run the session sentinel first", code="ASBA-ENGINE-013",
                              hint="this is an engine bug; report it")
        if self._core.complete_and_start_action(self._handle, state):
            raise EngineError("durable-rules activated a rule before any fact was asserted", code="ASBA-ENGINE-013",
                              hint="this is an engine bug; report it")

    def _agenda(self, sid: str, state: int, on_fire: OnFire, max_firings: int) -> int:
        result = self._core.start_action_for_state(self._handle, state)
        message = result[1] if result else None
        fired = 0
        while message:
            rule = message[2:message.index('"', 2)]  # '{"<rule>":{...}}'; compiled rule names have no quotes
            fired += 1
            try:
                if fired > max_firings:
                    raise EngineError(f"more than {max_firings} rule firings in one evaluation (last: {rule})",
                                      code="ASBA-ENGINE-001", hint="a rule pack loops; see the rules named")
                for fact in on_fire(rule, message):
                    self._assert(fact, sid)
            except BaseException:
                self._core.abandon_action(self._handle, state)
                raise
            message = self._core.complete_and_start_action(self._handle, state)
        return fired
