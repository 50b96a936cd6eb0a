"""`asba config show` (the effective configuration and where each value came from) and `asba config check`."""

from __future__ import annotations

import argparse
import json
import sys

from asba.cli.output import add_json_flag, console, print_json
from asba.errors import EXIT_OK


def register(subparsers) -> None:
    parser = subparsers.add_parser(
        "config", help="the effective configuration and where each value came from",
        description="Config files are layered over asba's embedded defaults: /etc/asba/config.yaml, "
                    "$ASBA_HOME/config.yaml (~/.asba/config.yaml), $ASBA_CONFIG, then --config FILE.")
    parser.set_defaults(func=lambda args: _no_action(parser))
    actions = parser.add_subparsers(dest="config_action", metavar="ACTION")
    show = actions.add_parser("show", help="print every setting with its source (default, or FILE:LINE)")
    show.add_argument("--config", help="an extra config file, read last")
    add_json_flag(show)
    show.set_defaults(func=run_show)
    check = actions.add_parser("check", help="validate the config files; exit 0 when valid")
    check.add_argument("--config", help="an extra config file, read last")
    add_json_flag(check)
    check.set_defaults(func=run_check)


def _no_action(parser: argparse.ArgumentParser) -> int:
    parser.print_help(sys.stderr)
    return 2


def _value(value: object) -> str:
    return json.dumps(value, ensure_ascii=False)


def run_show(args: argparse.Namespace) -> int:
    from asba.inputs.config import defaults_path, load_config
    from asba.knowledge.burst import burst_partitions

    cfg = load_config(args.config)
    leaves = list(cfg.leaves())
    partitions = burst_partitions(cfg)
    basis = default_basis()
    if args.json:
        print_json({
            "files": cfg.files,
            "used_defaults": cfg.used_defaults,
            "defaults": str(defaults_path()),
            "config": cfg.as_dict(),
            "sources": {key: source for key, _value, source in leaves},
            "burst_partitions_effective": {name: p.as_dict() for name, p in partitions.items()},
            "default_basis": {k: v for k, v in basis.items() if k in sources_of(leaves, "default")},
        })
        return EXIT_OK
    lines = [f"config files read: {', '.join(cfg.files) if cfg.files else 'none (asba defaults only)'}"]
    if cfg.used_defaults:
        lines.append(f"every value below is asba's embedded default ({defaults_path()})")
    width = max(len(f"{k} = {_value(v)}") for k, v, _s in leaves)
    for key, value, source in leaves:
        cited = _cited(key, basis) if source == "default" else None
        lines.append(f"{f'{key} = {_value(value)}'.ljust(width)}  # {source}" + (f": {cited}" if cited else ""))
    lines.append("effective burst partitions:" if partitions else "effective burst partitions: none")
    for name, part in partitions.items():
        nodes = f"max {part.max_nodes} nodes" if part.max_nodes else "no node limit"
        lines.append(f"  {name}: {part.region}, {part.purchasing}, {nodes}, types {', '.join(part.instance_types)}"
                     f"  # {part.source}")
    out = console()
    for line in lines:
        out.print(line, markup=False, soft_wrap=True, highlight=False)
    return EXIT_OK


def default_basis() -> dict[str, str]:
    """Where each default of the local cost model comes from (knowledge/defaults/cost_sources.yaml)."""
    import yaml
    from asba.inputs.config import defaults_path

    path = defaults_path().with_name("cost_sources.yaml")
    return dict((yaml.safe_load(path.read_text(encoding="utf-8")) or {}).get("defaults") or {})


def _cited(key: str, basis: dict[str, str]) -> str | None:
    """The citation of a key, or of the section it is in (cost_model.default.gpu_hour_usd.a100)."""
    while key:
        if key in basis:
            return basis[key]
        key = key.rpartition(".")[0]
    return None


def sources_of(leaves: list, wanted: str) -> set[str]:
    keys = set()
    for key, _value, source in leaves:
        if source == wanted:
            while key:
                keys.add(key)
                key = key.rpartition(".")[0]
    return keys


def run_check(args: argparse.Namespace) -> int:
    from asba.inputs.config import load_config
    from asba.knowledge.burst import burst_partitions

    cfg = load_config(args.config)  # raises ConfigError (one line, exit 2) on the first problem
    burst_partitions(cfg)  # and the partitions.json it names, read as explain reads it
    if args.json:
        print_json({"ok": True, "files": list(cfg.files)})
        return EXIT_OK
    files = ", ".join(cfg.files) if cfg.files else "no config files (asba defaults only)"
    console().print(f"config ok: {files}", markup=False, soft_wrap=True)
    return EXIT_OK
