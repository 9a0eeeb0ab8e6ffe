"""Tool error texts rewritten for a person at a terminal, in this one place.

The tools' messages are written for an agent: "pass projectRoot", "call initialize_project", "force=true", "the env
block of your MCP config". At the CLI boundary the same advice reads as commands and flags: "Run `taskmaster-mcp
init`", "--force", "export the variable in your shell". The tool modules keep their agent texts.

An error's type does not cross MCP (a tool error carries text only), so the rules match text: first the few whole
messages that need different advice (no project here, a missing key), then word-level rewrites of tool names,
``name=true`` arguments and agent-only phrases. Each rule is pinned by a test on the tool's real message.
"""

from __future__ import annotations

import re
from pathlib import Path

# Tool name -> the command that calls it. Names that are plain words (update, research, generate, review, rules)
# are left alone: in a sentence they read as words.
COMMANDS = {
    "get_tasks": "list",
    "get_task": "show",
    "next_task": "next",
    "set_task_status": "set-status",
    "add_task": "add-task",
    "add_subtask": "add-subtask",
    "update_task": "update-task",
    "update_subtask": "update-subtask",
    "remove_task": "remove-task",
    "remove_subtask": "remove-subtask",
    "clear_subtasks": "clear-subtasks",
    "move_task": "move",
    "add_dependency": "add-dependency",
    "remove_dependency": "remove-dependency",
    "validate_dependencies": "validate-dependencies",
    "fix_dependencies": "fix-dependencies",
    "complexity_report": "complexity-report",
    "list_tags": "tags",
    "add_tag": "add-tag",
    "use_tag": "use-tag",
    "delete_tag": "delete-tag",
    "rename_tag": "rename-tag",
    "copy_tag": "copy-tag",
    "initialize_project": "init",
    "parse_prd": "parse-prd",
    "expand_task": "expand",
    "expand_all": "expand --all",
    "analyze_project_complexity": "analyze-complexity",
    "scope_up_task": "scope-up",
    "scope_down_task": "scope-down",
    "usage_report": "usage",
    "response-language": "lang",
    "autopilot_start": "autopilot start",
    "autopilot_resume": "autopilot resume",
    "autopilot_next": "autopilot next",
    "autopilot_status": "autopilot status",
    "autopilot_complete_phase": "autopilot complete",
    "autopilot_commit": "autopilot commit",
    "autopilot_finalize": "autopilot finalize",
    "autopilot_abort": "autopilot abort",
    "benchmark_models": "benchmark",
    "release_task": "release",
}

# Parameters whose flag is not simply the kebab-case of the name.
FLAGS = {
    "saveToFile": "--save-file",
    "toTag": "--to-tag",
    "fromTag": "--from-tag",
    "numTasks": "--num-tasks",
    "taskId": "--task-id",
    "copyFromCurrent": "--copy-from-current",
    "listAvailableModels": "--list",
    "leaseMinutes": "--lease",
}

_NOT_TAKEN = re.compile(r"^(?P<tool>\S+) does not take (?P<names>[^.]+)\. Its parameters")
_NO_PROJECT = re.compile(r"^(No project found\b|No \.taskmaster directory in )")
_MISSING_KEY = re.compile(r"^(?P<var>[A-Z0-9_]+) is not set for provider '(?P<provider>[^']+)'")
_TOOL = re.compile(
    r"(?:\b(?P<call>[Cc]all) (?:the )?)?`?\b(?P<tool>"
    + "|".join(sorted(map(re.escape, COMMANDS), key=len, reverse=True))
    + r")\b`?(?: tool)?"
)
_MODELS_TOOL = re.compile(r"(?:with )?the `?models`? tool")
_TRUE = re.compile(r"`?\b(?P<name>[a-z][A-Za-z]*)=true\b`?")
_PLACEHOLDER = re.compile(r"`? ?\b(?P<name>[a-z][A-Za-z]*)=(?P<what><[^>]+>)")
_EXAMPLE = re.compile(r"\be\.g\. (?P<name>[a-z][A-Za-z]*)=(?P<value>[\w~^./-]+(?:,[\w~^./-]+)*)")
_SETTERS = re.compile(r"\((set[A-Z][a-z]+(?: / set[A-Z][a-z]+)*)\)")  # (setMain / setFallback): the models flags
POSITIONAL = frozenset({"id", "taskId", "input"})  # parameters a command takes as a positional argument, not a flag
_PHRASES = (
    (
        re.compile(r"testResults=\{total, passed, failed, skipped\}"),
        """--results '{"total":N,"passed":N,"failed":N,"skipped":N}'""",
    ),
    (
        re.compile(
            r"Put it in the env block of your editor's MCP config \(e\.g\. \"env\": \{\"(?P<var>[A-Z0-9_]+)\": "
            r"\"\.\.\.\"\}\)"
        ),
        r"Set it in your shell (export \g<var>=...)",
    ),
    (re.compile(r"pass the projectRoot of (?P<what>an? |the )"), r"run it in (or pass -C with) \g<what>"),
    (re.compile(r"pass (?:the right |a |the )?projectRoot\b(?: \([^)]*\))?"), "pass -C /path/to/project"),
    (
        re.compile(
            r"(?:in )?the env block of your (?:editor's )?MCP config|(?:in )?your editor's MCP env block"
            r"|(?:in )?the server's env(?: block)?"
        ),
        "in your shell environment",
    ),
)


def _kebab(name: str) -> str:
    return FLAGS.get(name) or "--" + re.sub(r"(?<!^)([A-Z])", r"-\1", name).lower()


def _tool(match: re.Match[str]) -> str:
    command = f"`taskmaster-mcp {COMMANDS[match['tool']]}`"
    verb = match["call"]
    return f"{'Run' if verb == 'Call' else 'run'} {command}" if verb else command


def _placeholder(match: re.Match[str]) -> str:
    """``name=<what>``: ``<what>`` for a positional argument, ``--name <what>`` for a flag."""
    shown = match["what"] if match["name"] in POSITIONAL else f"{_kebab(match['name'])} {match['what']}"
    return f" {shown}`" if match[0].startswith("`") else f" {shown}"


def _example(match: re.Match[str]) -> str:
    """``e.g. name=value``: the value alone for a positional argument, ``--name value`` for a flag."""
    name = match["name"]
    return f"e.g. {match['value']}" if name in POSITIONAL else f"e.g. {_kebab(name)} {match['value']}"


def for_terminal(text: str, project: Path) -> str:
    """``text`` (a tool's error) with agent concepts replaced by commands and flags; ``project`` is where the
    command looked for the project."""
    if _NO_PROJECT.match(text):
        return (
            f"No project found in {project} or above it. Run `taskmaster-mcp init` in your project folder, or "
            "pass -C /path/to/project."
        )
    absent = _NOT_TAKEN.match(text)
    if absent:
        return (
            f"this version of taskmaster-mcp cannot do that: its {absent['tool']} tool takes no "
            f"{absent['names']}, which an option you gave asks for. Leave that option out."
        )
    key = _MISSING_KEY.match(text)
    if key:
        var = key["var"]
        return (
            f"{var} is not set for provider '{key['provider']}'. Export it in your shell (export {var}=...) or "
            f"add the line {var}=... to {project / '.env'}, then retry. `taskmaster-mcp doctor` shows where each "
            "key is looked for."
        )
    text = _MODELS_TOOL.sub("with `taskmaster-mcp models`", text)
    text = _TOOL.sub(_tool, text)
    text = _TRUE.sub(lambda m: _kebab(m["name"]), text)
    text = _PLACEHOLDER.sub(_placeholder, text)
    text = _EXAMPLE.sub(_example, text)
    text = _SETTERS.sub(lambda m: "(" + " / ".join(_kebab(n) for n in m[1].split(" / ")) + ")", text)
    for pattern, replacement in _PHRASES:
        text = pattern.sub(replacement, text)
    return text


def is_usage(text: str) -> bool:
    """Whether a tool refused the arguments themselves (exit 2, as for any other bad usage)."""
    return text.startswith("Invalid arguments for ")
