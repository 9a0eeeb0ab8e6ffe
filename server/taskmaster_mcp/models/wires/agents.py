"""CLI agents as providers: Claude Code, Codex, Gemini CLI and Grok CLI, signed in with the user's own login.

Each runs the user's installed CLI for one answer, with no tools and no conversation kept:

- ``claude-code``: the Claude Agent SDK (``pip install "taskmaster-mcp[claude-code]"``, imported on the first call),
  which drives the ``claude`` CLI over its stream-json protocol. The CLI used is, in order: Task Master's
  ``claudeCode.pathToClaudeCodeExecutable``, ``claude`` on the server's PATH, the CLI bundled in the SDK's wheel.
  Built-in tools are off, one turn, user settings only (a project's settings can run hooks). Partial messages are
  streamed, so the router's first-byte and role limits apply as for an API. ``ANTHROPIC_API_KEY`` is withheld
  from the CLI, as Task Master does, so a key meant for provider ``anthropic`` does not turn subscription calls
  into billed API calls; Task Master's ``CLAUDE_CODE_API_KEY``, when set, is passed on as the CLI's API key.
- ``codex-cli``: ``codex exec --json --sandbox read-only --skip-git-repo-check -m MODEL -`` with the prompt on
  stdin; JSONL events (``item.completed`` agent messages, ``turn.completed`` usage, ``turn.failed``/``error``).
  ``OPENAI_CODEX_API_KEY`` (Task Master's variable), when set, is passed as the CLI's API key.
- ``gemini-cli``: ``gemini --output-format json -m MODEL -p ...`` with the prompt on stdin; one JSON object
  (``response``, ``stats.models.*.tokens``, ``error``).
- ``grok-cli``: ``grok --prompt PROMPT --model MODEL`` as Task Master runs it; JSON lines, the last assistant
  message is the answer. Its key (``GROK_CLI_API_KEY``, or the CLI's own settings file) is an xAI API key.

Cost: a call on a flat-rate plan (Claude Code, Codex signed in with ChatGPT, Gemini CLI signed in with Google)
costs 0 per call (``billing="subscription"``); one made with an API key (``OPENAI_CODEX_API_KEY``,
``GEMINI_API_KEY``, Grok always) is billed by the vendor at rates we do not track: cost unknown (null), never 0.
Tokens are recorded as the CLI reports them.

Failures: a missing CLI or SDK is a ConfigError that says how to install it (the router moves on); a failure the
CLI reports with an HTTP status is classified like an API's (``failures.status_error``); anything else (a crash,
an unreadable answer) is not retried. A call that times out kills the CLI's process.
"""

from __future__ import annotations

import asyncio
import json
import re
from typing import Any, cast

from taskmaster_mcp.errors import ConfigError, ProviderError
from taskmaster_mcp.models.credentials import EXTRA, agent_command
from taskmaster_mcp.models.failures import redact, status_error
from taskmaster_mcp.models.providers import Billing, ChunkFn, Completion, Provider, Request
from taskmaster_mcp.models.registry import AGENTS
from taskmaster_mcp.models.wires.base import ProviderSetup

# An HTTP status in a CLI's error text: after "status", "HTTP", "API Error:" or "code", or before its reason phrase.
STATUS = re.compile(
    r"(?:\bstatus(?: code)?[:= ]+|\bHTTP[/0-9. ]* |\bAPI Error: |\bcode[:= ]+)([45]\d\d)\b"
    r"|\b([45]\d\d) (?:Too Many Requests|Unauthorized|Forbidden|Not Found|Bad Request|Internal Server "
    r"Error|Bad Gateway|Service Unavailable|Gateway Timeout|Overloaded)"
)
STDERR_TAIL = 400


def adapter(provider: str, model: str, base_url: str | None, setup: ProviderSetup) -> Provider:
    """The adapter of a CLI agent role; a CLI that is not installed is a ConfigError naming the install command."""
    spec = AGENTS[provider]
    command = agent_command(provider, setup.env, setup.config)
    if provider == "claude-code":
        return ClaudeCodeAdapter(model, command, setup)
    if command is None:
        raise ConfigError(
            f"provider {provider} needs the `{spec.command}` CLI on the server's PATH: {spec.install} "
            f"(then {spec.sign_in})."
        )
    kinds: dict[str, type[_CommandAdapter]] = {
        "codex-cli": CodexAdapter,
        "gemini-cli": GeminiAdapter,
        "grok-cli": GrokAdapter,
    }
    return kinds[provider](model, command, base_url, setup)


def flatten(request: Request, with_system: bool = True) -> str:
    """The conversation as one prompt (the CLIs take a single message): system, prompt, and a re-ask's turns."""
    parts = [f"{request.system}\n\n{request.prompt}" if with_system else request.prompt]
    if request.followup is not None:
        previous, correction = request.followup
        parts.append(f"Your previous answer was:\n{previous}\n\n{correction}")
    return "\n\n".join(parts)


def _obj(value: Any) -> dict[str, Any]:
    """``value`` when it is a JSON object, else an empty one (CLI output is read defensively)."""
    return cast(dict[str, Any], value) if isinstance(value, dict) else {}


def _status(text: str) -> int | None:
    found = STATUS.search(text)
    return int(found.group(1) or found.group(2)) if found else None


class ClaudeCodeAdapter:
    """Claude Code through the Claude Agent SDK, streamed."""

    streams = True

    def __init__(self, model: str, command: str | None, setup: ProviderSetup) -> None:
        self.provider, self.model = "claude-code", model
        self._command, self._setup = command, setup

    def _env(self) -> tuple[dict[str, str], Billing]:
        env = dict(self._setup.env)
        tm_key = env.get("CLAUDE_CODE_API_KEY")
        env["ANTHROPIC_API_KEY"] = tm_key or ""  # see the module docstring
        return env, "unknown" if tm_key else "subscription"

    async def complete(self, request: Request, on_chunk: ChunkFn | None = None) -> Completion:
        """One turn with no tools; text deltas are reported as they stream."""
        try:
            import claude_agent_sdk as sdk
        except ImportError:
            raise ConfigError(
                f"provider claude-code needs the Claude Agent SDK: {EXTRA.format('claude-code')}"
            ) from None
        env, billing = self._env()
        stderr: list[str] = []
        options = sdk.ClaudeAgentOptions(
            model=self.model,
            system_prompt=request.system,
            tools=[],
            max_turns=1,
            setting_sources=["user"],
            cli_path=self._command,
            cwd=self._setup.cwd,
            env=env,
            include_partial_messages=True,
            stderr=lambda line: stderr.append(line),
        )
        parts: list[str] = []
        received, result, model = 0, None, self.model
        messages: Any = sdk.query(prompt=flatten(request, with_system=False), options=options)
        try:
            async for message in messages:
                if isinstance(message, sdk.StreamEvent):
                    event = _obj(message.event)
                    delta = _obj(event.get("delta"))
                    if event.get("type") == "message_start" and on_chunk is not None:
                        await on_chunk(received)
                    elif event.get("type") == "content_block_delta" and delta.get("type") == "text_delta":
                        received += len(str(delta.get("text") or ""))
                        if on_chunk is not None:
                            await on_chunk(received)
                elif isinstance(message, sdk.AssistantMessage):
                    model = message.model or model
                    parts += [block.text for block in message.content if isinstance(block, sdk.TextBlock)]
                elif isinstance(message, sdk.ResultMessage):
                    result = message
        except sdk.CLINotFoundError:
            spec = AGENTS["claude-code"]
            raise ConfigError(
                f"provider claude-code found no Claude Code CLI: {spec.install} (then {spec.sign_in})."
            ) from None
        except sdk.ResultError as exc:
            raise self._failure(exc.result or "; ".join(exc.errors) or str(exc), exc.api_error_status) from None
        except sdk.ProcessError as exc:
            tail = "\n".join(stderr)[-STDERR_TAIL:]
            raise self._failure(f"claude exited with code {exc.exit_code}: {tail or exc}", None) from None
        except sdk.ClaudeSDKError as exc:
            raise self._failure(f"Claude Code failed: {exc}", None) from None
        finally:
            await messages.aclose()
        if result is None:
            raise ProviderError("Claude Code ended without a result", provider=self.provider, model=self.model)
        if result.is_error:
            raise self._failure(
                result.result or ", ".join(result.errors or []) or result.subtype, result.api_error_status
            )
        usage: dict[str, Any] = result.usage or {}
        cached = int(usage.get("cache_read_input_tokens") or 0)
        inputs = int(usage.get("input_tokens") or 0) + int(usage.get("cache_creation_input_tokens") or 0) + cached
        text = result.result if isinstance(result.result, str) else "".join(parts)
        return Completion(text, model, inputs, int(usage.get("output_tokens") or 0), cached, billing)

    def _failure(self, message: str, status: int | None) -> ProviderError:
        return status_error(
            redact(message, self._setup.env.get("CLAUDE_CODE_API_KEY")),
            status or _status(message),
            self.provider,
            self.model,
            AGENTS["claude-code"].sign_in,
        )


class _CommandAdapter:
    """A CLI run once per request: argv from :meth:`argv`, the prompt on stdin, stdout parsed by :meth:`read`."""

    streams = False  # these CLIs print their answer when it is complete
    provider = "?"

    def __init__(self, model: str, command: str, base_url: str | None, setup: ProviderSetup) -> None:
        self.model, self._command, self._base_url, self._setup = model, command, base_url, setup

    def argv(self, request: Request) -> tuple[list[str], str]:
        """The command line and the text for stdin."""
        raise NotImplementedError

    def read(self, stdout: str) -> Completion:
        """The answer in the CLI's output; raise ProviderError for a failure it reports."""
        raise NotImplementedError

    def env(self) -> tuple[dict[str, str], Billing]:
        """The CLI's environment, and how its calls are paid for."""
        return dict(self._setup.env), "subscription"

    async def complete(self, request: Request, on_chunk: ChunkFn | None = None) -> Completion:
        """Run the CLI once; a cancelled call (the router's timeout) kills it."""
        argv, stdin = self.argv(request)
        env, billing = self.env()
        try:
            process = await asyncio.create_subprocess_exec(
                self._command,
                *argv,
                stdin=asyncio.subprocess.PIPE,
                stdout=asyncio.subprocess.PIPE,
                stderr=asyncio.subprocess.PIPE,
                env=env,
                cwd=self._setup.cwd,
            )
        except OSError as exc:
            raise ProviderError(
                f"could not start {self._command}: {exc}", provider=self.provider, model=self.model
            ) from None
        try:
            out, err = await process.communicate(stdin.encode())
        except BaseException:
            if process.returncode is None:
                process.kill()
                await process.wait()
            raise
        stdout, stderr = out.decode(errors="replace"), err.decode(errors="replace").strip()
        try:
            completion = self.read(stdout)
        except ProviderError:
            raise
        except (ValueError, KeyError, TypeError) as exc:
            if process.returncode:
                raise self.failure(
                    f"{self._command} exited with code {process.returncode}: "
                    f"{stderr[-STDERR_TAIL:] or stdout[-STDERR_TAIL:]}"
                ) from None
            raise ProviderError(
                f"malformed response from {self._command} ({type(exc).__name__}: {exc}); is it a supported version?",
                provider=self.provider,
                model=self.model,
            ) from None
        return Completion(
            completion.text,
            completion.model,
            completion.input_tokens,
            completion.output_tokens,
            completion.cached_tokens,
            billing,
        )

    def failure(self, message: str, status: int | None = None) -> ProviderError:
        """A failure the CLI reported, classified by its HTTP status when it names one."""
        secrets = [v for k, v in self._setup.env.items() if k.endswith("_API_KEY") and v]
        for secret in secrets:
            message = redact(message, secret)
        return status_error(
            message, status or _status(message), self.provider, self.model, AGENTS[self.provider].sign_in
        )


class CodexAdapter(_CommandAdapter):
    """``codex exec --json``: JSON lines of thread, turn and item events."""

    provider = "codex-cli"

    def argv(self, request: Request) -> tuple[list[str], str]:
        """``exec`` in a read-only sandbox, the prompt read from stdin (``-``)."""
        return ["exec", "--json", "--sandbox", "read-only", "--skip-git-repo-check", "-m", self.model, "-"], flatten(
            request
        )

    def env(self) -> tuple[dict[str, str], Billing]:
        """With ``OPENAI_CODEX_API_KEY`` the CLI uses that key (billed per token); else its own login."""
        env = dict(self._setup.env)
        key = env.get("OPENAI_CODEX_API_KEY")
        if key:
            env["OPENAI_API_KEY"] = env["CODEX_API_KEY"] = key
        return env, "unknown" if key else "subscription"

    def read(self, stdout: str) -> Completion:
        """The last agent message and the turn's usage; ``turn.failed`` and ``error`` events are failures."""
        text: str | None = None
        usage: dict[str, Any] = {}
        for line in stdout.splitlines():
            if not line.strip().startswith("{"):
                continue
            event = _obj(json.loads(line))
            kind = event.get("type")
            item = _obj(event.get("item"))
            if kind == "item.completed" and item.get("type") == "agent_message":
                text = str(item.get("text") or "")
            elif kind == "turn.completed":
                usage = _obj(event.get("usage"))
            elif kind == "turn.failed":
                raise self.failure(str(_obj(event.get("error")).get("message") or "turn failed"))
            elif kind == "error":
                raise self.failure(str(event.get("message") or "error"))
        if text is None:
            raise ValueError("no agent message in the output")
        return Completion(
            text,
            self.model,
            int(usage.get("input_tokens") or 0),
            int(usage.get("output_tokens") or 0),
            int(usage.get("cached_input_tokens") or 0),
        )


class GeminiAdapter(_CommandAdapter):
    """``gemini --output-format json``: one JSON object with the response, token stats or an error."""

    provider = "gemini-cli"

    def argv(self, request: Request) -> tuple[list[str], str]:
        """Headless mode; the CLI puts stdin before the ``-p`` text."""
        return ["--output-format", "json", "-m", self.model, "-p", "Follow the instructions above."], flatten(request)

    def env(self) -> tuple[dict[str, str], Billing]:
        """With ``GEMINI_API_KEY`` calls are billed to that key; signed in with Google they are on the plan."""
        env = dict(self._setup.env)
        return env, "unknown" if env.get("GEMINI_API_KEY") else "subscription"

    def read(self, stdout: str) -> Completion:
        """The ``response`` and the first model's token stats; an ``error`` object is a failure."""
        document = _obj(json.loads(stdout[stdout.index("{") :]))
        error = document.get("error")
        if isinstance(error, dict):
            code, message = _obj(error).get("code"), _obj(error).get("message")
            raise self.failure(str(message or "error"), code if isinstance(code, int) else None)
        models = _obj(_obj(document.get("stats")).get("models"))
        name, stats = next(iter(models.items()), (self.model, None))
        tokens = _obj(_obj(stats).get("tokens"))
        return Completion(
            str(document["response"]),
            name,
            int(tokens.get("prompt") or 0),
            int(tokens.get("candidates") or 0),
            int(tokens.get("cached") or 0),
        )


class GrokAdapter(_CommandAdapter):
    """``grok --prompt``: JSON lines of messages; the last assistant message is the answer."""

    provider = "grok-cli"

    def argv(self, request: Request) -> tuple[list[str], str]:
        """Task Master's invocation (the prompt is an argument: this CLI does not read stdin)."""
        argv = ["--prompt", flatten(request), "--model", self.model]
        if self._base_url:
            argv += ["--base-url", self._base_url]
        return argv, ""

    def env(self) -> tuple[dict[str, str], Billing]:
        """An xAI API key always pays for Grok CLI calls."""
        return dict(self._setup.env), "unknown"

    def read(self, stdout: str) -> Completion:
        """The last assistant message and its usage."""
        answer: dict[str, Any] | None = None
        for line in stdout.splitlines():
            if line.strip().startswith("{"):
                message = _obj(json.loads(line))
                if message.get("role") == "assistant":
                    answer = message
        if answer is None:
            raise ValueError("no assistant message in the output")
        usage = _obj(answer.get("usage"))
        return Completion(
            str(answer.get("content") or ""),
            self.model,
            int(usage.get("prompt_tokens") or 0),
            int(usage.get("completion_tokens") or 0),
        )
