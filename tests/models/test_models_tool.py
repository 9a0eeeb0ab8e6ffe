"""The models and usage_report tools, and the client-sampling provider, through the MCP client."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from mcp.types import CreateMessageRequestParams, CreateMessageResult, TextContent

from ai_helpers import ai_env, ai_project, as_json
from mcp_helpers import connected, error, ok, snapshot
from provider_server import CHAT, MESSAGES, ProviderServer, Reply, write_config


def config_of(root: Path) -> dict[str, Any]:
    return json.loads((root / ".taskmaster/config.json").read_text(encoding="utf-8"))


async def test_models_shows_each_role_with_where_its_key_comes_from_never_the_key(
    tmp_path: Path, provider_server: ProviderServer
) -> None:
    root = ai_project(tmp_path / "p", provider_server)
    (root / ".env").write_text("PERPLEXITY_API_KEY=pplx-from-dotenv-secret\nOPENAI_API_KEY=YOUR_OPENAI_KEY_HERE\n")
    env = {"ANTHROPIC_API_KEY": "sk-ant-env-secret", "TASKMASTER_MCP_DATA_DIR": str(tmp_path / "d")}
    async with connected(root, env=env) as client:
        result = await client.call_tool("models", {})
    text = json.dumps(result.structured_content) + "".join(getattr(c, "text", "") for c in result.content)
    roles = {r["role"]: r for r in (result.structured_content or {})["roles"]}
    assert roles["main"]["key"] == "ANTHROPIC_API_KEY set (from the environment)"
    assert roles["research"]["key"] == "PERPLEXITY_API_KEY set (from .env)"
    assert roles["fallback"]["key"].startswith("MISSING: set OPENAI_API_KEY")
    assert roles["main"]["costPer1M"] == {"input": 3.0, "output": 15.0}
    assert "secret" not in text


async def test_set_main_picks_the_provider_from_the_catalogue_keeps_other_sections_and_drops_a_stale_base_url(
    tmp_path: Path, provider_server: ProviderServer
) -> None:
    root = ai_project(tmp_path / "p", provider_server)
    config = config_of(root)
    config["claudeCode"] = {"keep": True}
    config["models"]["main"]["customKey"] = 1
    (root / ".taskmaster/config.json").write_text(json.dumps(config, indent=2))
    async with connected(root, env=ai_env(tmp_path)) as client:
        result = await ok(client, "models", setMain="gpt-4o")
    after = config_of(root)
    assert after["models"]["main"]["provider"] == "openai" and after["models"]["main"]["modelId"] == "gpt-4o"
    assert after["models"]["main"]["customKey"] == 1
    assert "baseURL" not in after["models"]["main"]  # it named anthropic's endpoint, as Task Master drops it
    assert after["claudeCode"] == {"keep": True}
    assert after["taskmasterMcp"] == config["taskmasterMcp"]
    assert result["changed"][0].startswith("main is now openai/gpt-4o")
    assert "old baseURL" in result["changed"][0]


async def test_a_role_keeps_its_base_url_while_its_provider_stays_the_same(
    tmp_path: Path, provider_server: ProviderServer
) -> None:
    root = ai_project(tmp_path / "p", provider_server)
    async with connected(root, env=ai_env(tmp_path)) as client:
        await ok(client, "models", setFallback="gpt-4.1")
    assert config_of(root)["models"]["fallback"] == {
        "provider": "openai",
        "modelId": "gpt-4.1",
        "maxTokens": 32768,
        "baseURL": provider_server.url + "/v1",
    }


async def test_the_azure_hint_saves_azure_not_openai_and_needs_a_base_url(
    tmp_path: Path, provider_server: ProviderServer
) -> None:
    root = ai_project(tmp_path / "p", provider_server)
    async with connected(root, env=ai_env(tmp_path)) as client:
        refused = await error(client, "models", setMain="gpt-4o", azure=True)
        result = await ok(client, "models", setMain="gpt-4o", azure=True, baseURL="https://res.openai.azure.com/openai")
    assert "azure needs baseURL" in refused
    main = config_of(root)["models"]["main"]
    assert (main["provider"], main["modelId"], main["baseURL"]) == (
        "azure",
        "gpt-4o",
        "https://res.openai.azure.com/openai",
    )
    assert result["changed"][0].startswith("main is now azure/gpt-4o")
    view = next(r for r in result["roles"] if r["role"] == "main")
    assert view["key"].startswith("MISSING: set AZURE_OPENAI_API_KEY")


async def test_task_masters_hint_flags_each_save_their_provider(
    tmp_path: Path, provider_server: ProviderServer
) -> None:
    root = ai_project(tmp_path / "p", provider_server)
    cases = [
        ({"bedrock": True}, "us.anthropic.claude-sonnet-4-20250514-v1:0", "bedrock"),
        ({"vertex": True}, "gemini-2.5-pro", "vertex"),
        ({"openai-compatible": True, "baseURL": "http://127.0.0.1:9/v1"}, "my-model", "openai-compatible"),
        ({"claude-code": True}, "sonnet", "claude-code"),
        ({"codex-cli": True}, "gpt-5.2-codex", "codex-cli"),
        ({"gemini-cli": True}, "gemini-2.5-pro", "gemini-cli"),
        ({"provider": "zai"}, "glm-4.6", "zai"),
    ]
    async with connected(root, env=ai_env(tmp_path)) as client:
        for flags, model, provider in cases:
            await ok(client, "models", setMain=model, **flags)
            assert config_of(root)["models"]["main"]["provider"] == provider, flags


async def test_an_unknown_provider_is_refused_with_the_list_and_nothing_changes(
    tmp_path: Path, provider_server: ProviderServer
) -> None:
    root = ai_project(tmp_path / "p", provider_server)
    before = snapshot(root)
    async with connected(root, env=ai_env(tmp_path)) as client:
        message = await error(client, "models", setMain="x", provider="not-a-provider")
        two = await error(client, "models", setMain="x", ollama=True, bedrock=True)
    assert "Unknown provider 'not-a-provider'" in message and "claude-code" in message and "bedrock" in message
    assert "one provider hint" in two
    assert snapshot(root) == before


async def test_a_claude_code_role_shows_its_real_sign_in_not_an_invented_key_or_base_url(
    tmp_path: Path, provider_server: ProviderServer
) -> None:
    root = ai_project(tmp_path / "p", provider_server)
    async with connected(root, env={**ai_env(tmp_path), "PATH": str(tmp_path)}) as client:
        result = await ok(client, "models", setMain="sonnet", **{"claude-code": True})
    main = next(r for r in result["roles"] if r["role"] == "main")
    assert main["provider"] == "claude-code" and "costPer1M" in main and main["costPer1M"]["input"] == 0
    assert "CLAUDE_CODE_API_KEY" not in main["key"] and "base URL" not in main["key"]
    assert "claude" in main["key"].lower()


async def test_a_custom_model_needs_a_provider_hint_and_has_unknown_cost(
    tmp_path: Path, provider_server: ProviderServer
) -> None:
    root = ai_project(tmp_path / "p", provider_server)
    before = snapshot(root)
    async with connected(root, env=ai_env(tmp_path)) as client:
        message = await error(client, "models", setFallback="my-local-llama")
        assert snapshot(root) == before
        result = await ok(
            client, "models", setFallback="my-local-llama", ollama=True, baseURL=provider_server.url + "/v1"
        )
    assert "provider" in message and "unknown" in message
    assert "unknown cost" in result["changed"][0]
    fallback = next(r for r in result["roles"] if r["role"] == "fallback")
    assert fallback["provider"] == "ollama" and fallback["key"] == "not needed"


async def test_list_available_models_reads_the_catalogue_or_asks_the_local_endpoint(
    tmp_path: Path, provider_server: ProviderServer
) -> None:
    root = ai_project(tmp_path / "p", provider_server)
    async with connected(root, env=ai_env(tmp_path)) as client:
        catalogue = await ok(client, "models", listAvailableModels=True, provider="anthropic")
        local = await ok(client, "models", listAvailableModels=True, ollama=True, baseURL=provider_server.url + "/v1")
    assert {row["provider"] for row in catalogue["available"]} == {"anthropic"}
    assert local["endpointModels"] == ["scripted-model-a", "scripted-model-b"]


async def test_models_test_pings_every_role(tmp_path: Path, provider_server: ProviderServer) -> None:
    root = ai_project(tmp_path / "p", provider_server)
    provider_server.script(CHAT, Reply(status=401, error_type="invalid_api_key", message="bad key"), model="sonar-pro")
    async with connected(root, env=ai_env(tmp_path)) as client:
        result = await ok(client, "models", test=True)
    tests = {t["role"]: t for t in result["tests"]}
    assert tests["main"]["ok"] and tests["fallback"]["ok"]
    assert not tests["research"]["ok"] and "401" in tests["research"]["error"]


async def test_usage_report_aggregates_the_ledger_of_this_project(
    tmp_path: Path, provider_server: ProviderServer
) -> None:
    root = ai_project(tmp_path / "p", provider_server)
    provider_server.script(
        MESSAGES, Reply(status=529, error_type="overloaded_error"), Reply(status=529, error_type="overloaded_error")
    )
    provider_server.script(
        CHAT,
        Reply(
            text=as_json(
                {
                    "tasks": [
                        {
                            "id": 1,
                            "title": "Only task",
                            "description": "d",
                            "details": "",
                            "testStrategy": "",
                            "priority": "high",
                            "dependencies": [],
                        }
                    ]
                }
            )
        ),
    )
    async with connected(root, env=ai_env(tmp_path)) as client:
        empty = await ok(client, "usage_report")
        planned = await ok(client, "parse_prd", prd="# PRD\nOne thing.")
        report = (await ok(client, "usage_report"))["report"]
        bad = await error(client, "usage_report", since="last week")
    assert empty["note"].startswith("No AI calls")
    assert planned["usage"]["fallbacks"][0].startswith("main anthropic/")
    assert report["total"]["calls"] == 3 and report["total"]["errors"] == 2
    assert report["by_role"]["fallback"]["fallbacks"] == 1
    assert set(report["by_command"]) == {"parse_prd"}
    assert "YYYY-MM-DD" in bad


async def test_the_mcp_provider_asks_the_clients_own_model_through_sampling(tmp_path: Path) -> None:
    root = tmp_path / "p"
    (root / ".taskmaster/tasks").mkdir(parents=True)
    write_config(root, {"main": {"provider": "mcp", "modelId": "mcp-sampling"}}, {})
    prompts: list[str] = []

    async def sampling(_: Any, params: CreateMessageRequestParams) -> CreateMessageResult:
        prompts.append(str(params.messages[0].content))
        plan = {
            "tasks": [
                {
                    "id": 1,
                    "title": "Sampled task",
                    "description": "d",
                    "details": "",
                    "testStrategy": "",
                    "priority": "medium",
                    "dependencies": [],
                }
            ]
        }
        return CreateMessageResult(
            role="assistant", content=TextContent(type="text", text=json.dumps(plan)), model="client-model"
        )

    env = {"TASKMASTER_MCP_DATA_DIR": str(tmp_path / "d")}
    async with connected(root, env=env, mode="legacy", sampling_callback=sampling) as client:
        result = await ok(client, "parse_prd", prd="# PRD\nSample it.")
    assert result["created"][0]["title"] == "Sampled task"
    assert result["usage"]["models"] == ["main mcp/client-model"] and result["usage"]["costUsd"] == 0
    assert "Sample it." in prompts[0]


async def test_the_mcp_provider_without_client_sampling_says_so(tmp_path: Path) -> None:
    root = tmp_path / "p"
    (root / ".taskmaster/tasks").mkdir(parents=True)
    write_config(root, {"main": {"provider": "mcp", "modelId": "mcp-sampling"}}, {})
    async with connected(root, env={"TASKMASTER_MCP_DATA_DIR": str(tmp_path / "d")}) as client:
        message = await error(client, "parse_prd", prd="# PRD\nSample it.")
    assert "does not support sampling" in message


async def test_the_mcp_provider_on_a_2026_era_session_says_sampling_needs_a_2025_session(tmp_path: Path) -> None:
    root = tmp_path / "p"
    (root / ".taskmaster/tasks").mkdir(parents=True)
    write_config(root, {"main": {"provider": "mcp", "modelId": "mcp-sampling"}}, {})

    async def sampling(_: Any, params: CreateMessageRequestParams) -> CreateMessageResult:
        raise AssertionError("a 2026-era session cannot be asked to sample mid-call")

    before = (root / ".taskmaster/tasks").iterdir()
    async with connected(
        root, env={"TASKMASTER_MCP_DATA_DIR": str(tmp_path / "d")}, mode="auto", sampling_callback=sampling
    ) as client:
        message = await error(client, "parse_prd", prd="# PRD\nSample it.")
    assert "2025-era MCP session" in message and "Configure a provider" in message
    assert "back-channel" not in message.lower()
    assert list((root / ".taskmaster/tasks").iterdir()) == list(before)
