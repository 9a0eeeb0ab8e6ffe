"""Refresh ``data/models.json`` from Task Master's ``supported-models.json``: one command, no network.

    python -m taskmaster_mcp.models.catalogue_refresh path/to/supported-models.json [--check]

Task Master's file lists, per provider, ``{id, swe_score, cost_per_1m_tokens: {input, output}, allowed_roles,
max_tokens, supported}``. The merge:

- Every Task Master entry ends up in ours; entries only we list (newer models, mistral, deepseek, lmstudio) stay.
- A model may fill every role either catalogue allows it (so a Task Master config is never refused).
- Otherwise, where we already have a value, ours wins: our values were checked against the vendors' pages, and
  Task Master's file has known slips (context windows given as ``max_tokens``, a $120/M price). Where we have none,
  Task Master's value fills it. Disagreements are printed to stderr for a person to review.
- Fields Task Master lacks are kept: context window, cached-input price, native structured output. A new entry
  borrows the context window and structured-output support of the same model id under another provider.
- ``max_tokens`` is the output limit (``max_output_tokens``). A ``swe_score`` of 0 means unknown: null.
- Prices: a missing or null price stays null ("unknown", never free). Our pricing policy then applies: local
  servers (ollama, lmstudio) are null, not 0 (we cannot know what the hardware costs); grok-cli is null (it runs
  on an xAI API key billed at rates we do not track); the other subscription CLI agents keep Task Master's 0 (a
  flat-rate plan has no per-call charge).
- ``supported: false`` is kept, and such models are left out of listings.

``--check`` writes nothing and exits 1 when the refresh would change the file (used by the tests).
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any, cast

DATA = Path(__file__).resolve().parent.parent / "data" / "models.json"
UNPRICED = frozenset({"ollama", "lmstudio", "grok-cli"})
FIELD_ORDER = (
    "id",
    "context_window",
    "max_output_tokens",
    "cost_per_1m_tokens",
    "allowed_roles",
    "supports_structured_output",
    "swe_score",
    "supported",
)

Entry = dict[str, Any]


def _tm_entry(raw: Entry) -> Entry:
    prices = cast(Entry, raw.get("cost_per_1m_tokens") or {})
    swe = raw.get("swe_score")
    entry: Entry = {
        "id": str(raw["id"]),
        "max_output_tokens": raw.get("max_tokens"),
        "cost_per_1m_tokens": {"input": prices.get("input"), "output": prices.get("output")},
        "allowed_roles": list(raw.get("allowed_roles") or []),
        "swe_score": swe or None,
    }
    if raw.get("supported") is False:
        entry["supported"] = False
    return entry


def _fill(ours: Entry, theirs: Entry, where: str, notes: list[str]) -> None:
    """Fill ``ours`` from ``theirs`` where ours has no value; note where both have one and they differ."""
    roles = cast(list[str], ours.get("allowed_roles") or [])
    ours["allowed_roles"] = roles + [r for r in theirs["allowed_roles"] if r not in roles]  # allowed in either
    for key in ("max_output_tokens", "swe_score", "supported"):
        if key not in theirs or theirs[key] is None:
            continue
        if ours.get(key) in (None, []):
            ours[key] = theirs[key]
        elif ours[key] != theirs[key]:
            notes.append(f"{where}: {key} ours {ours[key]!r}, Task Master {theirs[key]!r}")
    prices = cast(Entry, ours.setdefault("cost_per_1m_tokens", {}))
    for key, value in cast(Entry, theirs["cost_per_1m_tokens"]).items():
        if value is None:
            continue
        if prices.get(key) is None:
            prices[key] = value
        elif prices[key] != value:
            notes.append(f"{where}: {key} price ours {prices[key]!r}, Task Master {value!r}")


def merge(ours: dict[str, Any], theirs: dict[str, Any]) -> tuple[dict[str, Any], list[str]]:
    """Our catalogue document with Task Master's entries merged in; and the disagreements found."""
    document = json.loads(json.dumps(ours))  # a deep copy
    providers = cast(dict[str, list[Entry]], document["providers"])
    by_id: dict[str, Entry] = {}
    for entries in providers.values():
        for entry in entries:
            by_id.setdefault(entry["id"], entry)
    notes: list[str] = []
    for provider, raw_entries in theirs.items():
        entries = providers.setdefault(provider, [])
        index = {entry["id"]: entry for entry in entries}
        for raw in cast(list[Entry], raw_entries):
            tm = _tm_entry(raw)
            if tm["id"] in index:
                _fill(index[tm["id"]], tm, f"{provider}/{tm['id']}", notes)
                continue
            twin = by_id.get(tm["id"], {})
            tm["context_window"] = twin.get("context_window")
            tm["supports_structured_output"] = bool(twin.get("supports_structured_output", False))
            entries.append(tm)
            index[tm["id"]] = tm
    for provider in UNPRICED & set(providers):
        for entry in providers[provider]:
            entry["cost_per_1m_tokens"] = {"input": None, "output": None, "cached_input": None}
    return document, notes


def dumps(document: dict[str, Any]) -> str:
    """The catalogue as we commit it: one entry per line, fields in a fixed order, so diffs stay readable."""
    lines = ["{", f'  "note": {json.dumps(document["note"])},', '  "providers": {']
    providers = cast(dict[str, list[Entry]], document["providers"])
    for p_index, (provider, entries) in enumerate(providers.items()):
        lines.append(f"    {json.dumps(provider)}: [")
        for e_index, entry in enumerate(entries):
            ordered = {k: entry[k] for k in FIELD_ORDER if k in entry and (k != "swe_score" or entry[k] is not None)}
            ordered.update({k: v for k, v in entry.items() if k not in ordered and k not in FIELD_ORDER})
            comma = "," if e_index < len(entries) - 1 else ""
            lines.append(f"      {json.dumps(ordered)}{comma}")
        lines.append("    ]" + ("," if p_index < len(providers) - 1 else ""))
    lines += ["  }", "}"]
    return "\n".join(lines) + "\n"


def main(argv: list[str] | None = None) -> int:
    """Merge the given Task Master file into ``data/models.json``; print what disagrees to stderr."""
    parser = argparse.ArgumentParser(
        prog="python -m taskmaster_mcp.models.catalogue_refresh",
        description="Refresh data/models.json from Task Master's supported-models.json.",
    )
    parser.add_argument("source", type=Path, help="Task Master's scripts/modules/supported-models.json")
    parser.add_argument("--check", action="store_true", help="write nothing; exit 1 if the file would change")
    parser.add_argument("--output", type=Path, default=DATA, help="the catalogue to update (default: the package's)")
    args = parser.parse_args(argv)
    theirs = json.loads(args.source.read_text(encoding="utf-8"))
    current = args.output.read_text(encoding="utf-8")
    document, notes = merge(json.loads(current), theirs)
    for note in notes:
        print(f"kept ours: {note}", file=sys.stderr)
    text = dumps(document)
    if args.check:
        if text != current:
            print(f"{args.output} is out of date: run without --check", file=sys.stderr)
            return 1
        return 0
    args.output.write_text(text, encoding="utf-8")
    counts = {p: len(e) for p, e in cast(dict[str, list[Entry]], document["providers"]).items()}
    print(f"wrote {args.output}: {sum(counts.values())} models over {len(counts)} providers", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
