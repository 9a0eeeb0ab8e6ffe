"""docs/configuration.md's settings tables are the schema (regenerate: .venv/bin/python docs/config_reference.py)."""

from __future__ import annotations

import importlib.util
from pathlib import Path
from types import ModuleType

DOCS = Path(__file__).resolve().parents[2] / "docs"


def generator() -> ModuleType:
    spec = importlib.util.spec_from_file_location("config_reference", DOCS / "config_reference.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_configuration_doc_is_generated_from_the_current_schema() -> None:
    text = (DOCS / "configuration.md").read_text(encoding="utf-8")
    stale = "docs/configuration.md is stale: run .venv/bin/python docs/config_reference.py"
    assert generator().updated(text) == text, stale


def test_every_schema_key_and_default_is_in_the_doc() -> None:
    from taskmaster_mcp.store.settings_schema import SECTIONS, keys_of

    text = (DOCS / "configuration.md").read_text(encoding="utf-8")
    for section, model in SECTIONS.items():
        for key in keys_of(model):
            assert f"`{section}.{key}`" in text, f"{section}.{key} missing from docs/configuration.md"
    assert "| `review.approveScore` | integer | 80 | 0 to 100 |" in text
