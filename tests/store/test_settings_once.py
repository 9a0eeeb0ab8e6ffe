"""Settings are parsed once per read of config.json, however many readers ask during an AI call (issue 20 §4)."""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from pydantic import BaseModel

from provider_server import MESSAGES, ProviderServer, Reply, write_config
from taskmaster_mcp.ai.budget import budget_chars
from taskmaster_mcp.errors import ConfigError
from taskmaster_mcp.models.router import ModelRouter
from taskmaster_mcp.store import settings
from taskmaster_mcp.store.config import Config, ConfigSource
from taskmaster_mcp.store.paths import Paths

MODEL = "claude-sonnet-4-20250514"


class Answer(BaseModel):
    title: str


@pytest.fixture
def sections(monkeypatch: pytest.MonkeyPatch) -> Iterator[Counter[str]]:
    """How many times each ``taskmasterMcp`` subsection was read and validated."""
    seen: Counter[str] = Counter()
    original = settings._section  # pyright: ignore[reportPrivateUsage]

    def counting(ours: dict[str, Any], key: str) -> dict[str, Any]:
        seen[key] += 1
        return original(ours, key)

    monkeypatch.setattr(settings, "_section", counting)
    yield seen


async def test_an_ai_call_parses_each_setting_once_per_config_read(
    tmp_path: Path, provider_server: ProviderServer, sections: Counter[str]
) -> None:
    main = {"provider": "anthropic", "modelId": MODEL, "maxTokens": 1000, "baseURL": provider_server.url}
    write_config(tmp_path, {"main": main}, {"cache": {"enabled": False}, "budgets": {"dailyUsd": 5}})
    provider_server.defaults[MESSAGES] = Reply(text=json.dumps({"title": "x"}))
    paths = Paths(tmp_path)
    source = ConfigSource(paths)
    router = ModelRouter(paths, {"ANTHROPIC_API_KEY": "sk-test"}, data_dir=tmp_path / "data", config=source.get)
    try:
        reads: list[int] = []
        for _ in range(3):  # what an AI command does: size its prompt, then call the model
            budget_chars(source.get(), "main", command="expand_task")
            await router.generate_object(command="expand_task", role="main", system="s", prompt="p", schema=Answer)
            reads.append(sum(sections.values()))
        assert reads[0] > 0 and reads == [reads[0]] * 3, reads  # the 2nd and 3rd calls parse nothing
        assert sections["timeouts"] == 1 and sections["cache"] == 1, sections

        doc = json.loads(paths.config_file.read_text())
        doc["taskmasterMcp"]["budgets"]["dailyUsd"] = 6
        paths.config_file.write_text(json.dumps(doc, indent=2) + "\n" * 3)  # a new size: a new read
        await router.generate_object(command="expand_task", role="main", system="s", prompt="p", schema=Answer)
        assert sum(sections.values()) == 2 * reads[0]  # parsed again, once
        assert settings.settings_from_config(source.get()).budgets.daily_usd == 6.0
    finally:
        await router.aclose()


def test_an_invalid_setting_is_refused_on_every_call_not_remembered() -> None:
    config = Config(raw={"taskmasterMcp": {"review": {"approveScore": 101}}})
    for _ in range(2):
        with pytest.raises(ConfigError, match=r"review\.approveScore .* must be an integer from 0 to 100, got 101"):
            settings.approve_score(config)
    assert settings.settings_from_config(config) is settings.settings_from_config(config)  # kept once valid


def _refused_by_us(section: str, key: str, value: object) -> bool:
    config = Config(raw={"taskmasterMcp": {section: {key: value}}})
    readers = (
        settings.settings_from_config,
        settings.cost_controls,
        settings.cache_settings,
        settings.tool_seconds,
        settings.update_concurrency,
        settings.approve_score,
        settings.consensus_threshold,
    )
    for read in readers:
        try:
            read(config)
        except ConfigError as error:
            assert f"{section}.{key} in .taskmaster/config.json" in str(error)
            return True
    return False


def test_the_validator_accepts_exactly_what_the_pydantic_schema_accepts() -> None:
    from pydantic import ValidationError

    from taskmaster_mcp.store.settings_schema import SECTIONS, bounds, field_of, keys_of

    checked = 0
    for section, model in SECTIONS.items():
        for key in keys_of(model):
            low, high = bounds(field_of(model, key))
            if low is None:
                continue  # only the numbers: a role name is checked against the roles that exist
            for value in (low - 1, low, low + 0.5, (high or low + 7) + 1, high, True, "3", None):
                try:
                    model.model_validate({key: value}, strict=True)
                    accepted = True
                except ValidationError:
                    accepted = False
                assert _refused_by_us(section, key, value) != accepted, (section, key, value)
                checked += 1
    assert checked > 100
