"""The CLI agents as providers (claude-code, codex-cli, gemini-cli, grok-cli), each against a scripted stand-in
executable on the role's PATH (tests/support/cli_agents.py): the real Claude Agent SDK drives a scripted ``claude``
over the stream-json protocol; codex, gemini and grok are run in their JSON modes. No test runs a real CLI: each puts
its own scripted one first on the PATH it passes."""

from __future__ import annotations

import asyncio
import re
import sys
from importlib.util import find_spec
from pathlib import Path

import pytest

from cli_agents import alive, calls, install
from provider_server import CHAT, ProviderServer, Reply, write_config
from taskmaster_mcp.errors import ConfigError, ProviderError
from taskmaster_mcp.models.credentials import credential_status
from taskmaster_mcp.models.providers import Request
from taskmaster_mcp.models.router import ModelRouter
from taskmaster_mcp.models.wires.agents import ClaudeCodeAdapter
from taskmaster_mcp.models.wires.clients import ClientCache, ProviderSetup
from taskmaster_mcp.store.paths import Paths

REQUEST = Request(system="be brief", prompt="say hi", max_tokens=100, timeout=20)
needs_sdk = pytest.mark.skipif(
    find_spec("claude_agent_sdk") is None,
    reason='the claude-code extra is not installed: pip install -e ".[claude-code]" (CI installs it with .[dev])',
)


def flag(argv: list[str], name: str) -> str:
    """A flag's value as the agent SDK passes it: ``--name value`` or, in later 0.2.x releases, ``--name=value``."""
    for i, arg in enumerate(argv):
        if arg.startswith(name + "="):
            return arg.split("=", 1)[1]
        if arg == name:
            return argv[i + 1]
    raise AssertionError(f"{name} not in {argv}")


def setup_for(bin_dir: Path, tmp_path: Path, **env: str) -> ProviderSetup:
    home = tmp_path / "home"
    home.mkdir(exist_ok=True)
    return ProviderSetup(env={"PATH": str(bin_dir), "HOME": str(home), **env}, cwd=str(tmp_path))


async def answer(provider: str, model: str, setup: ProviderSetup, request: Request = REQUEST):
    clients = ClientCache()
    try:
        return await clients.adapter(provider, model, None, None, setup=setup).complete(request)
    finally:
        await clients.aclose()


@needs_sdk
async def test_claude_code_answers_through_the_agent_sdk_with_no_tools_and_streams(tmp_path: Path) -> None:
    bin_dir = install(tmp_path, "claude", text="hello from claude", usage=[100, 9, 40])
    setup = setup_for(bin_dir, tmp_path, ANTHROPIC_API_KEY="sk-ant-for-the-anthropic-provider")
    seen: list[int] = []

    async def on_chunk(received: int) -> None:
        seen.append(received)

    clients = ClientCache()
    completion = await clients.adapter("claude-code", "sonnet", None, None, setup=setup).complete(REQUEST, on_chunk)
    assert completion.text == "hello from claude" and completion.model == "sonnet"
    assert (completion.input_tokens, completion.output_tokens, completion.cached_tokens) == (100, 9, 40)
    assert completion.billing == "subscription"
    assert seen[0] == 0 and seen[-1] == len("hello from claude")
    call = calls(bin_dir)[0]
    argv = call["argv"]
    assert flag(argv, "--model") == "sonnet" and flag(argv, "--max-turns") == "1"
    assert flag(argv, "--tools") == "" and "--setting-sources=user" in argv
    assert flag(argv, "--system-prompt") == "be brief" and "--include-partial-messages" in argv
    assert call["stdin"][-1]["message"]["content"] == "say hi"
    assert call["env"]["ANTHROPIC_API_KEY"] == ""  # a key meant for provider anthropic never bills these calls
    assert call["cwd"] == str(tmp_path)


@needs_sdk
@pytest.mark.parametrize(("status", "retryable"), [(529, True), (429, True), (500, True), (401, False)])
async def test_claude_code_error_results_are_classified_by_their_http_status(
    tmp_path: Path, status: int, retryable: bool
) -> None:
    bin_dir = install(tmp_path, "claude", error=f"API Error: {status} scripted failure", status=status)
    with pytest.raises(ProviderError) as raised:
        await answer("claude-code", "sonnet", setup_for(bin_dir, tmp_path))
    assert (raised.value.status, raised.value.retryable, raised.value.provider) == (status, retryable, "claude-code")
    if status == 401:
        assert "/login" in str(raised.value)


@needs_sdk
async def test_claude_code_without_its_cli_says_how_to_install_it(tmp_path: Path) -> None:
    adapter = ClaudeCodeAdapter("sonnet", str(tmp_path / "missing" / "claude"), setup_for(tmp_path, tmp_path))
    with pytest.raises(ConfigError, match="npm install -g @anthropic-ai/claude-code"):
        await adapter.complete(REQUEST)


async def test_claude_code_without_the_extra_says_which_pip_extra_to_install(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setitem(sys.modules, "claude_agent_sdk", None)  # as if the extra were not installed
    bin_dir = install(tmp_path, "claude")
    with pytest.raises(ConfigError, match=r'pip install "taskmaster-mcp\[claude-code\]"'):
        await answer("claude-code", "sonnet", setup_for(bin_dir, tmp_path))


@needs_sdk
async def test_a_hung_claude_code_is_killed_at_the_first_byte_limit_and_the_fallback_answers(
    tmp_path: Path, provider_server: ProviderServer
) -> None:
    bin_dir = install(tmp_path, "claude", hang=30)
    provider_server.script(CHAT, Reply(text="fallback answered"))
    write_config(
        tmp_path,
        {
            "main": {"provider": "claude-code", "modelId": "sonnet"},
            "fallback": {"provider": "openai", "modelId": "gpt-4o", "baseURL": provider_server.url},
        },
        {"timeouts": {"firstByteSeconds": 1, "roleSeconds": 2}, "retries": {"perRole": 0}},
    )
    env = {"PATH": str(bin_dir), "HOME": str(tmp_path), "OPENAI_API_KEY": "sk-test"}
    router = ModelRouter(Paths(tmp_path), env, data_dir=tmp_path / "ledger")
    text, usage = await router.generate_text(command="research", role="main", system="s", prompt="p")
    await router.aclose()
    assert text == "fallback answered" and usage.role == "fallback"
    assert "timeouts.firstByteSeconds" in usage.fallbacks[0]
    pid = calls(bin_dir)[0]["pid"]
    for _ in range(100):  # the SDK terminates the CLI as the call is abandoned
        if not alive(pid):
            break
        await asyncio.sleep(0.05)
    assert not alive(pid)


@needs_sdk
async def test_a_claude_code_role_costs_nothing_per_call_on_the_subscription(tmp_path: Path) -> None:
    bin_dir = install(tmp_path, "claude", text='{"ok": true}')
    write_config(tmp_path, {"main": {"provider": "claude-code", "modelId": "opus"}}, {})
    router = ModelRouter(Paths(tmp_path), {"PATH": str(bin_dir), "HOME": str(tmp_path)}, data_dir=tmp_path / "l")
    _, usage = await router.generate_text(command="research", role="main", system="s", prompt="p")
    await router.aclose()
    assert usage.cost_usd == 0 and usage.input_tokens == 40 and usage.provider == "claude-code"


async def test_codex_runs_exec_json_read_only_with_the_prompt_on_stdin(tmp_path: Path) -> None:
    bin_dir = install(tmp_path, "codex", text="codex answer", usage=[300, 20, 100])
    completion = await answer(
        "codex-cli",
        "gpt-5.2-codex",
        setup_for(bin_dir, tmp_path),
        Request(system="sys", prompt="do it", max_tokens=10, followup=("bad", "fix it")),
    )
    assert completion.text == "codex answer" and completion.billing == "subscription"
    assert (completion.input_tokens, completion.output_tokens, completion.cached_tokens) == (300, 20, 100)
    call = calls(bin_dir)[0]
    assert call["argv"] == [
        "exec",
        "--json",
        "--sandbox",
        "read-only",
        "--skip-git-repo-check",
        "-m",
        "gpt-5.2-codex",
        "-",
    ]
    assert call["stdin"].startswith("sys\n\ndo it") and "bad" in call["stdin"] and "fix it" in call["stdin"]


async def test_codex_with_task_masters_api_key_variable_passes_it_on_and_its_cost_is_unknown(tmp_path: Path) -> None:
    bin_dir = install(tmp_path, "codex")
    completion = await answer("codex-cli", "gpt-5.2", setup_for(bin_dir, tmp_path, OPENAI_CODEX_API_KEY="sk-codex"))
    assert completion.billing == "unknown"
    assert calls(bin_dir)[0]["env"]["OPENAI_API_KEY"] == "sk-codex"


@pytest.mark.parametrize(
    ("message", "status", "retryable"),
    [
        ("exceeded retry limit, last status: 429 Too Many Requests", 429, True),
        ("unexpected status 503 Service Unavailable", 503, True),
        ("unexpected status 401 Unauthorized: Missing bearer", 401, False),
        ("You've hit your usage limit. Upgrade to Pro", None, False),
    ],
)
async def test_codex_failures_are_classified_for_fallback(
    tmp_path: Path, message: str, status: int | None, retryable: bool
) -> None:
    bin_dir = install(tmp_path, "codex", error=message)
    with pytest.raises(ProviderError) as raised:
        await answer("codex-cli", "gpt-5.2", setup_for(bin_dir, tmp_path))
    assert (raised.value.status, raised.value.retryable) == (status, retryable)
    if not retryable:
        assert "codex login" in str(raised.value)


async def test_gemini_cli_reads_the_json_response_and_token_stats(tmp_path: Path) -> None:
    bin_dir = install(tmp_path, "gemini", text="gemini answer", usage=[70, 6, 20])
    completion = await answer("gemini-cli", "gemini-2.5-pro", setup_for(bin_dir, tmp_path))
    assert completion.text == "gemini answer" and completion.model == "gemini-2.5-pro"
    assert (completion.input_tokens, completion.output_tokens, completion.cached_tokens) == (70, 6, 20)
    assert completion.billing == "subscription"
    call = calls(bin_dir)[0]
    assert call["argv"][:4] == ["--output-format", "json", "-m", "gemini-2.5-pro"]
    assert call["stdin"] == "be brief\n\nsay hi"


async def test_gemini_cli_error_object_with_a_429_is_retryable(tmp_path: Path) -> None:
    bin_dir = install(tmp_path, "gemini", error="Quota exceeded for requests per minute", status=429)
    with pytest.raises(ProviderError) as raised:
        await answer("gemini-cli", "gemini-2.5-pro", setup_for(bin_dir, tmp_path, GEMINI_API_KEY="g-key"))
    assert raised.value.status == 429 and raised.value.retryable


async def test_grok_cli_is_run_as_task_master_runs_it_and_its_cost_is_unknown(tmp_path: Path) -> None:
    bin_dir = install(tmp_path, "grok", text="grok answer", usage=[15, 4, 0])
    completion = await answer("grok-cli", "grok-4-latest", setup_for(bin_dir, tmp_path, GROK_CLI_API_KEY="xai-k"))
    assert completion.text == "grok answer" and completion.billing == "unknown"
    assert (completion.input_tokens, completion.output_tokens) == (15, 4)
    argv = calls(bin_dir)[0]["argv"]
    assert argv[0] == "--prompt" and argv[1] == "be brief\n\nsay hi" and argv[2:] == ["--model", "grok-4-latest"]


async def test_a_crashing_cli_is_not_retried_and_its_stderr_is_shown(tmp_path: Path) -> None:
    bin_dir = install(tmp_path, "grok", error="Error: unauthorized: bad key xai-secret-1", exit=2)
    with pytest.raises(ProviderError) as raised:
        await answer("grok-cli", "grok-3-latest", setup_for(bin_dir, tmp_path, GROK_CLI_API_KEY="xai-secret-1"))
    assert not raised.value.retryable and "exited with code 2" in str(raised.value)
    assert "xai-secret-1" not in str(raised.value)


@pytest.mark.parametrize(
    ("provider", "install_text"),
    [
        ("codex-cli", "npm install -g @openai/codex"),
        ("gemini-cli", "npm install -g @google/gemini-cli"),
        ("grok-cli", "npm install -g @vibe-kit/grok-cli"),
    ],
)
def test_a_cli_agent_that_is_not_installed_says_how_to_install_it(
    tmp_path: Path, provider: str, install_text: str
) -> None:
    with pytest.raises(ConfigError, match=re.escape(install_text)):
        ClientCache().adapter(provider, "m", None, None, setup=setup_for(tmp_path / "empty", tmp_path))


async def test_a_missing_cli_agent_moves_the_router_to_the_next_role(
    tmp_path: Path, provider_server: ProviderServer
) -> None:
    write_config(
        tmp_path,
        {
            "main": {"provider": "codex-cli", "modelId": "gpt-5.2"},
            "fallback": {"provider": "openai", "modelId": "gpt-4o", "baseURL": provider_server.url},
        },
        {},
    )
    router = ModelRouter(Paths(tmp_path), {"PATH": str(tmp_path), "OPENAI_API_KEY": "k"}, data_dir=tmp_path / "l")
    text, usage = await router.generate_text(command="research", role="main", system="s", prompt="p")
    await router.aclose()
    assert text == "ok" and "npm install -g @openai/codex" in usage.fallbacks[0]


async def test_codex_honours_task_masters_codex_path_setting(tmp_path: Path) -> None:
    bin_dir = install(tmp_path / "elsewhere", "codex", text="from the configured path")
    setup = ProviderSetup(env={"PATH": str(tmp_path)}, config={"codexCli": {"codexPath": str(bin_dir / "codex")}})
    assert (await answer("codex-cli", "gpt-5.2", setup)).text == "from the configured path"


# --- credential status (what `models` and `doctor` show) ---


@needs_sdk
def test_claude_code_status_names_the_cli_and_its_login_never_an_api_key_variable(tmp_path: Path) -> None:
    bin_dir = install(tmp_path, "claude")
    env = {"PATH": str(bin_dir), "HOME": str(tmp_path / "home")}
    before = credential_status("claude-code", env, None, {})
    (tmp_path / "home" / ".claude").mkdir(parents=True)
    (tmp_path / "home" / ".claude" / ".credentials.json").write_text("{}")
    after = credential_status("claude-code", env, None, {})
    token = credential_status("claude-code", {**env, "CLAUDE_CODE_OAUTH_TOKEN": "tok-secret"}, None, {})
    assert before.ready is None and "/login" in before.text and str(bin_dir / "claude") in before.text
    assert after.ready is True and "signed in (claude login)" in after.text
    assert token.ready is True and "CLAUDE_CODE_OAUTH_TOKEN set" in token.text and "tok-secret" not in token.text
    for status in (before, after, token):
        assert "CLAUDE_CODE_API_KEY" not in status.text and "base URL" not in status.text


def test_cli_agent_statuses_say_what_to_install_or_set(tmp_path: Path) -> None:
    empty = {"PATH": str(tmp_path), "HOME": str(tmp_path)}
    codex = credential_status("codex-cli", empty, None, {})
    assert codex.ready is False and codex.fix == "npm install -g @openai/codex"
    bin_dir = install(tmp_path, "grok")
    grok = credential_status("grok-cli", {"PATH": str(bin_dir), "HOME": str(tmp_path)}, None, {})
    assert grok.ready is False and "GROK_CLI_API_KEY" in grok.text
    paths = Paths(tmp_path)
    (tmp_path / ".env").write_text("GROK_CLI_API_KEY=xai-from-dotenv\n")
    keyed = credential_status("grok-cli", {"PATH": str(bin_dir), "HOME": str(tmp_path)}, paths, {})
    assert keyed.ready is True and "GROK_CLI_API_KEY set" in keyed.text and "xai-from-dotenv" not in keyed.text


def test_cloud_statuses_name_the_aws_and_google_credential_chains(tmp_path: Path) -> None:
    home = {"HOME": str(tmp_path)}
    bedrock = credential_status(
        "bedrock", {**home, "AWS_ACCESS_KEY_ID": "A", "AWS_SECRET_ACCESS_KEY": "S", "AWS_REGION": "eu-west-1"}, None, {}
    )
    bare = credential_status("bedrock", home, None, {})
    vertex = credential_status(
        "vertex",
        {**home, "GOOGLE_APPLICATION_CREDENTIALS": str(tmp_path / "none.json")},
        None,
        {"global": {"vertexProjectId": "p1"}},
    )
    if find_spec("boto3") is not None:
        assert bedrock.ready is True and "region eu-west-1" in bedrock.text
        assert bare.ready is None and "aws configure" in bare.text
    else:
        assert bedrock.ready is False and "taskmaster-mcp[bedrock]" in bedrock.text
    if find_spec("google") is not None and find_spec("google.auth") is not None:
        assert vertex.ready is False and "does not exist" in vertex.text
    else:
        assert vertex.ready is False and "taskmaster-mcp[vertex]" in vertex.text


def test_key_providers_keep_their_key_text(tmp_path: Path) -> None:
    assert credential_status("zai", {"ZAI_API_KEY": "z"}, None, {}).text == "ZAI_API_KEY set (from the environment)"
    assert credential_status("ollama", {}, None, {}).text == "not needed"
    missing = credential_status("zai-coding", {}, None, {})
    assert missing.ready is False and missing.text.startswith("MISSING: set ZAI_API_KEY")
