"""Rules the model layer follows (issue 19 §2): what a wire sends shapes the response-cache key; one function
decides the route for the dry run and for a batch command's calls; ..."""

from __future__ import annotations

from taskmaster_mcp.models.providers import Request
from taskmaster_mcp.models.response_cache import request_key
from taskmaster_mcp.models.routing.rules import TaskFacts, choose, policy_of
from taskmaster_mcp.models.wires.clients import sends_temperature
from taskmaster_mcp.store.config import Config
from taskmaster_mcp.store.settings import settings_from_config


def key(provider: str, model: str, temperature: float) -> str:
    ask = Request("system", "prompt", 1000, temperature=temperature)
    return request_key(provider, model, None, ask, None, False, sends_temperature(provider, model))


def test_a_temperature_the_wire_does_not_send_is_not_in_the_cache_key() -> None:
    assert key("anthropic", "claude-sonnet-4-5", 0.2) == key("anthropic", "claude-sonnet-4-5", 0.9)
    assert key("bedrock", "anthropic.claude-sonnet-4-5", 0.2) == key("bedrock", "anthropic.claude-sonnet-4-5", 0.9)
    assert key("claude-code", "sonnet", 0.2) == key("claude-code", "sonnet", 0.9)
    assert key("openai", "o3", 0.2) == key("openai", "o3", 0.9)  # reasoning models take no temperature


def test_a_temperature_the_wire_sends_is_in_the_cache_key() -> None:
    assert key("openai", "gpt-4o", 0.2) != key("openai", "gpt-4o", 0.9)
    assert key("ollama", "llama3.3", 0.2) != key("ollama", "llama3.3", 0.9)
    assert key("vertex", "gemini-2.5-flash", 0.2) != key("vertex", "gemini-2.5-flash", 0.9)


def test_a_rule_naming_the_per_item_command_routes_the_batch_commands_calls() -> None:
    fast = {"provider": "anthropic", "modelId": "claude-haiku-4-5-20251001"}
    rules = [{"command": "expand_task", "role": "fast"}, {"command": "update_task", "role": "fast"}]
    cfg = Config(raw={"models": {}, "taskmasterMcp": {"roles": {"fast": fast}, "routing": rules}})
    policy, roles, task = policy_of(cfg, settings_from_config(cfg)), cfg.role_names(), TaskFacts("1", 5, "code")
    dry_run = choose(policy, "expand_task", "main", task, roles)  # what `route` shows in its expand column
    batch = choose(policy, "expand_all", "main", task, roles)  # what expand_all's call for task 1 starts on
    assert dry_run.role == batch.role == "fast"
    assert batch.reason == "routing[0]: command expand_task (for expand_all) → fast"
    assert choose(policy, "update", "main", task, roles).role == "fast"
    assert choose(policy, "parse_prd", "main", None, roles).role == "main"
