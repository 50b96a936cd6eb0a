"""`asba rules list|show|validate|test|lint|eval`: work with rule packs (built-in and your own folders)."""

from __future__ import annotations

import argparse
from pathlib import Path

from asba.cli.output import add_json_flag, console, print_json
from asba.errors import EXIT_FINDING, EXIT_OK, InputError, RulePackError


def register(subparsers) -> None:
    rules = subparsers.add_parser("rules", help="list, show, validate, test and lint rule packs",
                                  description="Work with rule packs: the built-in ones and pack folders of your own.")
    sub = rules.add_subparsers(dest="rules_command", metavar="SUBCOMMAND")
    rules.set_defaults(func=lambda args: (rules.print_help(), 2)[1])
    p = sub.add_parser("list", help="every loaded rule")
    _path_option(p)
    p.set_defaults(func=run_list)
    p = sub.add_parser("show", help="one rule in full")
    p.add_argument("rule_id", metavar="ID")
    _path_option(p)
    p.set_defaults(func=run_show)
    for name, func, text in (("validate", run_validate, "load and check packs; report the first error"),
                             ("test", run_test, "run the packs' test cases (PASS/FAIL/ERROR/SKIP)"),
                             ("lint", run_lint,
                              "duplicate ids, empty messages, untested rules, impossible conditions")):
        p = sub.add_parser(name, help=text)
        p.add_argument("path", nargs="?", metavar="PATH", help="a pack folder or a folder of packs (default: built-in)")
        add_json_flag(p)
        p.set_defaults(func=func)
        if name == "lint":
            p.add_argument("--strict", action="store_true", help="exit 1 on warnings too")
    p = sub.add_parser("new", help="scaffold a pack: manifest, one rule and its test cases")
    p.add_argument("pack", metavar="PACK", help="pack name (lower-case letters, digits, _)")
    p.add_argument("--dir", default=".", metavar="DIR", help="create the pack folder under DIR (default: here)")
    p.add_argument("--owner", default="", help="who maintains the pack (name <email>)")
    p.add_argument("--tool", default="", help="program the example rule is about (default: bwa)")
    add_json_flag(p)
    p.set_defaults(func=run_new)
    p = sub.add_parser("eval", help="evaluate facts from a YAML/JSON file and print the trace")
    p.add_argument("facts_file", metavar="FACTS", help="YAML or JSON mapping of fact name to value")
    p.add_argument("--explain", choices=("notes", "fails", "full"), default="notes",
                   help="notes: fired rules; fails: also why the others did not fire; full: also every fact")
    p.add_argument("--why-not", action="append", default=[], metavar="TARGET",
                   help="explain why a rule id did not fire or a conclusion was not asserted (repeatable)")
    p.add_argument("--engine", choices=("durable", "python"), default="durable", help=argparse.SUPPRESS)
    _path_option(p)
    p.set_defaults(func=run_eval)


def run_new(args) -> int:
    from asba.rules.scaffold import new_pack

    written = new_pack(args.pack, Path(args.dir), owner=args.owner, tool=args.tool)
    folder = written[0].parent
    if args.json:
        print_json({"pack": args.pack, "path": str(folder), "files": [str(p) for p in written]})
        return EXIT_OK
    out = console()
    for path in written:
        out.print(f"created {_esc(path)}", highlight=False)
    out.print(f"next: asba rules test {_esc(folder)}   (then edit {written[1].name} and its cases; "
              "rules/README.md explains the format)", highlight=False)
    return EXIT_OK


def _path_option(parser) -> None:
    parser.add_argument("--path", action="append", default=[], metavar="PATH",
                        help="also load this pack folder (repeatable)")
    add_json_flag(parser)


def _load(paths, with_cases: bool = True):
    from asba.rules import load_packs

    return load_packs(extra_paths=[p for p in paths if p], with_cases=with_cases)


def _selected(packset, path: str | None) -> list[str] | None:
    if not path:
        return None
    from asba.rules.loader import find_pack_dirs

    dirs = {d.resolve() for d in find_pack_dirs(Path(path))}
    return [p.name for p in packset.packs if p.path.resolve() in dirs]


def _esc(text: str) -> str:
    from rich.markup import escape

    return escape(str(text))


def run_list(args) -> int:
    packset = _load(args.path)
    rows = [{"id": r.id, "pack": r.pack, "revision": r.pack_revision, "severity": r.severity,
             "priority": r.priority, "asserts": [a.conclusion for a in r.actions], "where": r.where}
            for r in packset.rules]
    if args.json:
        print_json({"packs": [p.summary() for p in packset.packs], "rules": rows})
        return EXIT_OK
    out = console()
    for pack in packset.packs:
        out.print(f"[bold]{_esc(pack.name)}[/]@{_esc(pack.revision)}  {len(pack.rules)} rules, "
                  f"{len(pack.cases)} cases  ({_esc(pack.path)})", soft_wrap=True)
        for r in (row for row in rows if row["pack"] == pack.name):
            asserts = f" -> {', '.join(r['asserts'])}" if r["asserts"] else ""
            out.print(f"  {_esc(r['id']):<40} {r['severity']:<8} p{r['priority']:<4}{_esc(asserts)}", soft_wrap=True)
    return EXIT_OK


def run_show(args) -> int:
    packset = _load(args.path)
    rule = packset.rule(args.rule_id)
    if rule is None:
        import difflib

        guess = difflib.get_close_matches(args.rule_id, [r.id for r in packset.rules], n=1)
        raise InputError(f"no loaded rule has id '{args.rule_id}'", code="ASBA-CLI-RULES-001",
                         hint=f"did you mean '{guess[0]}'?" if guess else "see `asba rules list`")
    data = rule.summary()
    pack = packset.pack(rule.pack)
    data["cases"] = [{"name": c.name, "expects": "fires" if rule.id in c.fires else "silent", "where": c.where}
                     for c in pack.cases if rule.id in c.fires + c.silent]
    if args.json:
        print_json(data)
        return EXIT_OK
    out = console()
    out.print(f"[bold]{_esc(rule.id)}[/]  ({_esc(rule.pack)}@{_esc(rule.pack_revision)}, {rule.severity}, "
              f"priority {rule.priority})  {_esc(rule.where)}", soft_wrap=True)
    out.print(f"  when:    {_esc(data['when'])}", soft_wrap=True)
    for action in rule.actions:
        value = action.value.text if hasattr(action.value, "text") else repr(action.value)
        out.print(f"  asserts: {_esc(action.conclusion)} = {_esc(value)}", soft_wrap=True)
    for part in ("found", "why", "fix"):
        out.print(f"  {part + ':':<8} {_esc(getattr(rule.message, part))}", soft_wrap=True)
    for case in data["cases"]:
        out.print(f"  case:    {_esc(case['name'])} ({case['expects']})", soft_wrap=True)
    return EXIT_OK


def run_validate(args) -> int:
    from asba.rules.evaluate import compiled

    packset = _load([args.path])
    comp = compiled(packset)
    _compile_in_engine(comp, args.path)
    names = _selected(packset, args.path) or [p.name for p in packset.packs]
    packs = [p for p in packset.packs if p.name in names]
    summary = {"ok": True, "packs": [p.summary() for p in packs], "compiled_rules": len(comp.branches),
               "strata": max(comp.stratum.values(), default=0) + 1}
    if args.json:
        print_json(summary)
    else:
        console().print(f"OK: {len(packs)} pack(s), {sum(len(p.rules) for p in packs)} rules, "
                        f"{sum(len(p.cases) for p in packs)} test cases "
                        f"({', '.join(f'{p.name}@{p.revision}' for p in packs)})", markup=False, soft_wrap=True)
    return EXIT_OK


def _compile_in_engine(comp, path: str | None) -> None:
    """Hand the compiled packs to durable-rules itself: a pattern or shape its C core refuses is a pack error."""
    from asba.errors import EngineError, RulePackError
    from asba.rules.evaluate import durable_ruleset

    try:
        durable_ruleset(comp)
    except EngineError as exc:
        raise RulePackError(exc.message.replace("the compiled ruleset", "these packs"), where=path,
                            code="ASBA-PACK-007", hint="simplify the `matches:` patterns (rules/README.md lists "
                            "the subset) or report the pack if none is used") from None


def run_test(args) -> int:
    from asba.rules.testing import run_tests

    packset = _load([args.path])
    results = run_tests(packset, _selected(packset, args.path))
    counts = {s: sum(r.status == s for r in results) for s in ("PASS", "FAIL", "ERROR", "SKIP")}
    failed = counts["FAIL"] + counts["ERROR"]
    if args.json:
        print_json({"results": [r.as_dict() for r in results], "counts": counts, "ok": bool(results) and not failed})
    else:
        out = console()
        colour = {"PASS": "green", "FAIL": "red", "ERROR": "red", "SKIP": "yellow"}
        for r in results:
            out.print(f"[{colour[r.status]}]{r.status:<5}[/] {_esc(r.pack)}: {_esc(r.case)}  [dim]{_esc(r.where)}[/]",
                      soft_wrap=True)
            for problem in r.problems:
                out.print(f"      {_esc(problem)}", soft_wrap=True)
        out.print(f"{len(results)} cases: " + ", ".join(f"{n} {s}" for s, n in counts.items()), soft_wrap=True)
        if not results:
            out.print("no test cases found: add <rule>.test.yaml beside each rule file", markup=False, soft_wrap=True)
    return EXIT_FINDING if failed or not results else EXIT_OK


def run_lint(args) -> int:
    from asba.facts.vocabulary import load_vocabulary
    from asba.rules.checks import check_packset
    from asba.rules.lint import duplicate_ids, lint
    from asba.rules.loader import find_pack_dirs, load_pack
    from asba.rules.packs import builtin_pack_dirs

    dirs = builtin_pack_dirs()
    if args.path:
        dirs += [d for d in find_pack_dirs(Path(args.path)) if d.resolve() not in {x.resolve() for x in dirs}]
    packs = [load_pack(d, with_cases=True) for d in dirs]
    issues = duplicate_ids(packs)
    if not issues:
        packset = check_packset(packs, load_vocabulary())
        issues = lint(packset, _selected(packset, args.path))
    errors = [i for i in issues if i.level == "error"]
    if args.json:
        print_json({"issues": [i.as_dict() for i in issues], "errors": len(errors),
                    "warnings": len(issues) - len(errors)})
    else:
        out = console()
        for issue in issues:
            out.print(issue.text(), markup=False, soft_wrap=True)
        out.print(f"{len(errors)} error(s), {len(issues) - len(errors)} warning(s)", markup=False, soft_wrap=True)
    return EXIT_FINDING if errors or (args.strict and issues) else EXIT_OK


def read_facts_file(path: Path) -> list:
    from asba.facts.model import Fact
    from asba.rules.yamlpos import load_yaml

    if not path.is_file():
        raise InputError(f"no such facts file: {path}", where=str(path), code="ASBA-CLI-RULES-002",
                         hint="give a YAML or JSON file mapping fact names to values")
    try:
        doc = load_yaml(path)
    except RulePackError as exc:  # from the YAML reader: here it is input, not a pack
        raise InputError(getattr(exc, "message", str(exc)), where=getattr(exc, "where", str(path)),
                         code="ASBA-CLI-RULES-003", hint="fix the YAML/JSON syntax") from None
    if not isinstance(doc, dict):
        raise InputError("the facts file must be a mapping of fact name to value", where=str(path),
                         code="ASBA-CLI-RULES-003", hint="write e.g. history.run_count: 3")
    positions = getattr(doc, "value_pos", {})
    return [Fact(str(name), value, positions.get(name, str(path))) for name, value in doc.items()]


def run_eval(args) -> int:
    from asba.report.trace import render_json, render_text
    from asba.rules import evaluate

    packset = _load(args.path, with_cases=False)
    ev = evaluate(packset, read_facts_file(Path(args.facts_file)), engine=args.engine)
    if args.json:
        print_json(render_json(ev, args.explain, args.why_not))
    else:
        console().print(render_text(ev, args.explain, args.why_not), markup=False, end="", soft_wrap=True)
    return EXIT_OK
