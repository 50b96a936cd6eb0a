"""Rules: YAML rule packs, checked at load, compiled into durable-rules, evaluated with a trace.

Public API (stable; the advisor and the CLI use only this)::

    from asba.rules import load_packs, evaluate
    packs = load_packs(extra_paths=())   # built-in packs + extra pack folders -> PackSet (raises RulePackError)
    ev = evaluate(packs, facts)          # facts: iterable of asba.facts.model.Fact -> Evaluation
    ev.conclusions   # {name: Conclusion(name, value, rule_id, pack, pack_revision, matched=[Fact])}
                     #   Conclusion.as_fact() -> Fact(name, value, "rule <id> (<pack>@<revision>)")
    ev.findings      # [Finding(rule_id, pack, pack_revision, severity, found, why, fix)] in firing order
    ev.events        # [Event(seq, type, data)]: fact_asserted {fact, value, source};
                     #   rule_fired {rule, pack, pack_revision, severity, matched: [fact dicts], asserted: [...]};
                     #   conclusion_asserted {name, value, rule, source}; conclusion_rejected; rule_suppressed
    ev.fired         # rule ids in firing order
    ev.why_not(target)  # rule id or conclusion name -> WhyNot(target, happened, summary, rules=[...])
    ev.as_dict()     # JSON-ready: conclusions, findings, events, packs

Semantics: one value per fact name (None = absent); each rule fires at most once per evaluation; a
conclusion is written once (first rule in agenda order wins, a different later value is recorded as
``conclusion_rejected``); agenda order = stratum (rules that test absent:/none: of a conclusion run after
every rule that can assert it), then priority (0..999, higher first), then definition order. Evaluations
share nothing. Errors: RulePackError (load), InputError (bad facts), EngineError (runaway loop, action
error, C-core failure). Renderers: asba.report.trace.
"""

from asba.rules.evaluate import evaluate
from asba.rules.packs import load_packs

__all__ = ["evaluate", "load_packs"]
