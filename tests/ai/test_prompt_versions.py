"""Every prompt template carries its own version, and its text cannot change without the version changing.

A template's text is its system prompt plus the source of every function it is built from, followed through the
``ai.prompts`` package (a helper such as ``cut`` or ``research_block`` counts for every template that uses it), and
the text constants those functions read. ``tests/prompt_versions.json`` holds ``{name: {version, sha256}}``.

After changing a template: bump its ``version`` in ``server/taskmaster_mcp/ai/prompts/``, then run
``.venv/bin/python tests/ai/test_prompt_versions.py`` to record the new digests (it refuses to record a changed text
under an unchanged version).
"""

from __future__ import annotations

import ast
import hashlib
import importlib
import inspect
import json
import pkgutil
import sys
import textwrap
from pathlib import Path
from types import CodeType, FunctionType, ModuleType

import taskmaster_mcp.ai.prompts as package
from taskmaster_mcp.ai.prompts.blocks import Template

TABLE = Path(__file__).resolve().parents[1] / "prompt_versions.json"
PACKAGE = package.__name__


def modules() -> list[ModuleType]:
    return [importlib.import_module(f"{PACKAGE}.{info.name}") for info in pkgutil.iter_modules(package.__path__)]


def templates() -> dict[str, Template]:
    found: dict[str, Template] = {}
    for module in modules():
        for value in vars(module).values():
            if isinstance(value, Template):
                assert found.get(value.name, value) is value, f"two templates are named {value.name}"
                found[value.name] = value
    return found


def _names(code: CodeType) -> set[str]:
    names = set(code.co_names)
    for const in code.co_consts:
        if isinstance(const, CodeType):
            names |= _names(const)
    return names


def _closure(part: object, seen: dict[str, str]) -> None:
    """Add the text of ``part`` and of every prompts-package function or text constant it reads to ``seen``."""
    if isinstance(part, FunctionType):
        label = f"{part.__module__}.{part.__qualname__}"
        if label in seen:
            return
        # default values are evaluated once, so their values (not only their names) are part of the text
        # the code as the parser reads it, so formatting and comments never change a digest (ruff format did)
        code = ast.dump(ast.parse(textwrap.dedent(inspect.getsource(part))))
        seen[label] = f"{code}\ndefaults: {part.__defaults__!r} {part.__kwdefaults__!r}"
        for name in sorted(_names(part.__code__)):
            value = part.__globals__.get(name)
            if isinstance(value, FunctionType) and value.__module__.startswith(PACKAGE):
                _closure(value, seen)
            elif isinstance(value, str | int | dict | tuple | frozenset) and name.lstrip("_").isupper():
                text = repr(sorted(value)) if isinstance(value, frozenset) else repr(value)  # set order varies
                seen.setdefault(f"{part.__module__}.{name}", text)
    else:
        seen.setdefault(repr(part), str(part))


def text_of(template: Template) -> tuple[str, set[str]]:
    """The text whose digest is recorded, and the prompts-package functions it covers."""
    seen: dict[str, str] = {}
    for part in template.parts:
        _closure(part, seen)
    body = template.system + "".join(f"\n\n# {label}\n{seen[label]}" for label in sorted(seen))
    return body, set(seen)


def digest(template: Template) -> str:
    return hashlib.sha256(text_of(template)[0].encode("utf-8")).hexdigest()


def test_every_template_has_a_recorded_version_and_digest() -> None:
    table = json.loads(TABLE.read_text(encoding="utf-8"))
    current = templates()
    assert sorted(table) == sorted(current), "run tests/ai/test_prompt_versions.py to record added or removed templates"
    for name, template in current.items():
        recorded = table[name]
        assert isinstance(template.version, int) and template.version >= 1
        if recorded["version"] == template.version:
            assert recorded["sha256"] == digest(template), (
                f"the text of template {name!r} changed but its version did not: bump {name}'s version "
                f"(now {template.version}) in ai/prompts/, then run tests/ai/test_prompt_versions.py"
            )
        else:
            raise AssertionError(
                f"template {name!r} is at version {template.version} but the table records "
                f"{recorded['version']}: run tests/ai/test_prompt_versions.py"
            )


def test_every_prompt_builder_is_part_of_a_versioned_template() -> None:
    covered: set[str] = set()
    for template in templates().values():
        covered |= text_of(template)[1]
    builders = {
        f"{module.__name__}.{name}"
        for module in modules()
        for name, value in vars(module).items()
        if isinstance(value, FunctionType) and value.__module__ == module.__name__
    }
    assert builders - covered == set(), "functions whose words reach a model must belong to a template's parts"


def test_a_shared_helper_counts_for_every_template_that_uses_it() -> None:
    expand, research = templates()["expand"], templates()["parse_prd.research"]
    assert f"{PACKAGE}.blocks.cut" in text_of(expand)[1]  # reached through brief
    assert f"{PACKAGE}.blocks.BRIEF_DESCRIPTION" in text_of(expand)[1]  # a bound is part of the text too
    assert "defaults: (None, 450)" in text_of(expand)[0]  # and so is a default value
    assert f"{PACKAGE}.blocks.cut" not in text_of(research)[1]


def test_template_ids_name_the_version() -> None:
    assert {t.id for t in templates().values()} >= {"parse_prd@3", "expand@4", "analyze@4", "review@3"}


def record() -> int:
    """Write the table for templates whose version changed or that are new; refuse a changed text at an old
    version."""
    table = json.loads(TABLE.read_text(encoding="utf-8")) if TABLE.exists() else {}
    refused = [
        name
        for name, t in templates().items()
        if name in table and table[name]["version"] == t.version and table[name]["sha256"] != digest(t)
    ]
    if refused:
        print(f"bump the version of: {', '.join(sorted(refused))} (their text changed)", file=sys.stderr)
        return 1
    fresh = {name: {"version": t.version, "sha256": digest(t)} for name, t in sorted(templates().items())}
    TABLE.write_text(json.dumps(fresh, indent=2) + "\n", encoding="utf-8")
    print(f"recorded {len(fresh)} templates in {TABLE.name}")
    return 0


if __name__ == "__main__":
    sys.exit(record())
