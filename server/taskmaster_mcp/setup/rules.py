"""The agent rules that ``init --editor`` and the ``rules`` tool write: the Task Master workflow in our tool names.

Each client gets the file its agent reads (:data:`RULE_FILES`, after Task Master's rule profiles): a file of our own
where the client reads a folder of rules (Cursor, Windsurf, VS Code, Cline, Roo, Kilo, Kiro, Trae), else a section
of the one file it reads (``CLAUDE.md``, ``AGENTS.md``, ``GEMINI.md``, Zed's ``.rules``). Our
text sits between two markers, so a re-run replaces only our section, and removing it leaves the rest of the file as
the user wrote it (a file left with nothing of the user's is deleted, with any folders that held only it).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from taskmaster_mcp.store.files import write_atomic

START = "<!-- taskmaster-mcp:start (managed by `taskmaster-mcp init`; edits inside are replaced) -->"
END = "<!-- taskmaster-mcp:end -->"

WORKFLOW = """## Task workflow (taskmaster-mcp)

This project's tasks live in `.taskmaster/tasks/tasks.json`, managed through the `taskmaster` MCP server. Always pass
`projectRoot` (the absolute path of this workspace) to its tools.

1. **Plan**: when there are no tasks yet, write the PRD to `.taskmaster/docs/prd.txt` and call `parse_prd`. Use
   `analyze_project_complexity` and `expand_task` (or `expand_all`) to split complex tasks into subtasks.
2. **Pick**: call `next_task`. It returns the next subtask of an in-progress task, or the highest-priority pending
   task whose dependencies are done. Call `get_task` with its id for details, `blockedBy` and subtasks.
3. **Start**: `set_task_status` with `status: "in-progress"`.
4. **Implement**: follow the task's `details` and `testStrategy`. Record decisions, findings and dead ends with
   `update_subtask` (it appends a dated note) so the next session can pick up where you left off.
5. **Review**: check the work against the task's test strategy (call `review` when it is available), run the tests.
6. **Finish**: `set_task_status` with `status: "done"`, then go back to step 2.

Other tools: `add_task` (new work you discover), `add_subtask`, `update_task` (plans change), `add_dependency`,
`get_tasks` (compact, paged overview), `complexity_report`. Never edit tasks.json by hand while the server runs.

### Working in parallel with other agents

When other agents work on the same plan (sub-agents, one editor per worktree, a team sharing one server), use claims
so no two agents take the same task. Pick a name that is yours alone (e.g. `docs` or `worker-2`), then loop:

1. **Claim**: `next_task` with `claim: true`, `agent: "<your name>"` (and `leaseMinutes` if the work takes longer
   than 30 minutes). You get an item no other agent holds, already in progress. Nothing returned means everything
   free is blocked or claimed: wait a little and ask again.
2. **Work** on it as above. Asking again with the same name gives you the same item back and renews your lease.
3. **Done**: `set_task_status` `done` releases the claim; go back to 1. If you stop without finishing, call
   `release_task` with the id so another agent can take it (a lease that runs out frees it too).

`next_task` with `count: N` (no claim) lists up to N items that can be worked at once, and `get_tasks` with
`parallel: true` shows the plan in waves; `get_tasks` rows show who holds what and the lease left.
"""

CURSOR_HEADER = """---
description: Task workflow with taskmaster-mcp (plan, pick the next task, implement, review, mark done)
alwaysApply: true
---
"""


@dataclass(frozen=True)
class RuleFile:
    """Where one client reads agent rules, and the front matter a file of our own needs to be always applied."""

    path: str  # relative to the project
    header: str = ""


RULE_FILES: dict[str, RuleFile] = {
    "cursor": RuleFile(".cursor/rules/taskmaster.mdc", CURSOR_HEADER),
    "windsurf": RuleFile(".windsurf/rules/taskmaster.md", "---\ntrigger: always_on\n---\n"),
    "vscode": RuleFile(".github/instructions/taskmaster.instructions.md", '---\napplyTo: "**"\n---\n'),
    "claude-code": RuleFile("CLAUDE.md"),
    "zed": RuleFile(".rules"),
    # Amp reads AGENTS.md (ampcode.com manual, "AGENTS.md"; developersdigest.tech/reference/amp/config-files lists
    # AGENTS.md as its guidance file); earlier releases wrote AGENT.md.
    "amp": RuleFile("AGENTS.md"),
    "cline": RuleFile(".clinerules/taskmaster.md"),
    "codex": RuleFile("AGENTS.md"),
    "gemini": RuleFile("GEMINI.md"),
    "kilo": RuleFile(".kilo/rules/taskmaster.md"),
    "kiro": RuleFile(".kiro/steering/taskmaster.md", "---\ninclusion: always\n---\n"),
    "opencode": RuleFile("AGENTS.md"),
    "roo": RuleFile(".roo/rules/taskmaster.md"),
    "trae": RuleFile(".trae/rules/taskmaster.md"),
}  # Claude Desktop reads no project rules
# Rule files an earlier release wrote for a client that now reads another one: our section is moved out of them.
LEGACY_RULE_FILES: dict[str, tuple[str, ...]] = {"amp": ("AGENT.md",)}


@dataclass
class RulesResult:
    """What writing or removing the rules did."""

    path: str
    changed: bool
    deleted: bool = False


def section(text: str = WORKFLOW) -> str:
    """Our marked section."""
    return f"{START}\n{text.rstrip()}\n{END}\n"


def _find(text: str) -> tuple[int, int] | None:
    """Start and end offsets of our section in ``text`` (end just past the END marker), or None."""
    start = text.find(START)
    end = text.find(END, start + 1) if start >= 0 else -1
    return (start, end + len(END)) if start >= 0 and end >= 0 else None


def upsert_section(path: Path, header: str = "") -> RulesResult:
    """Create ``path`` with our section, replace our section in it, or append the section; idempotent."""
    ours = section()
    if not path.is_file():
        path.parent.mkdir(parents=True, exist_ok=True)
        write_atomic(path, header + ours)
        return RulesResult(str(path), True)
    existing = path.read_text(encoding="utf-8")
    found = _find(existing)
    if found:
        updated = existing[: found[0]] + ours + existing[found[1] :].removeprefix("\n")
    else:
        updated = existing + ("" if existing.endswith("\n") or not existing else "\n") + ("\n" if existing else "")
        updated += ours
    if updated == existing:
        return RulesResult(str(path), False)
    write_atomic(path, updated)
    return RulesResult(str(path), True)


def remove_section(path: Path, root: Path, header: str = "") -> RulesResult:
    """Take our section out of ``path``; delete the file when nothing but our header is left, and then each parent
    folder up to ``root`` that is left empty."""
    existing = path.read_text(encoding="utf-8") if path.is_file() else ""
    found = _find(existing)
    if not found:
        return RulesResult(str(path), False)
    before, after = existing[: found[0]], existing[found[1] :].removeprefix("\n")
    if before.strip() in ("", header.strip()) and not after.strip():
        path.unlink()
        prune_empty_folders(path.parent, root)
        return RulesResult(str(path), True, deleted=True)
    # Appending put a blank line before our section: at the end of the file, take it away again.
    write_atomic(path, before + after if after.strip() else before.rstrip("\n") + "\n")
    return RulesResult(str(path), True)


def prune_empty_folders(folder: Path, root: Path) -> None:
    """Remove ``folder`` and its parents below ``root`` while they are empty (``.roo/rules`` then ``.roo``)."""
    for candidate in (folder, *folder.parents):
        if candidate == root or root not in candidate.parents:
            return
        try:
            candidate.rmdir()  # fails, and stops here, unless empty
        except OSError:
            return


def has_rules(root: Path, editor: str) -> bool:
    """True when ``editor``'s rules file holds our section."""
    rule = RULE_FILES.get(editor)
    path = root / rule.path if rule else None
    return bool(path and path.is_file() and _find(path.read_text(encoding="utf-8")))


def sharing(editor: str) -> list[str]:
    """The other clients that read the same rules file as ``editor`` (Codex and OpenCode share AGENTS.md)."""
    rule = RULE_FILES.get(editor)
    return [name for name, other in RULE_FILES.items() if rule and name != editor and other.path == rule.path]


def _remove_legacy(root: Path, editor: str) -> bool:
    """Take our section out of the rule files an earlier release wrote for ``editor``; whether any changed."""
    return any([remove_section(root / rel, root).changed for rel in LEGACY_RULE_FILES.get(editor, ())])


def write_rules(root: Path, editor: str) -> RulesResult:
    """Write ``editor``'s rules under ``root`` (moving our section out of a file an earlier release used)."""
    rule = RULE_FILES[editor]
    result = upsert_section(root / rule.path, rule.header)
    result.changed = _remove_legacy(root, editor) or result.changed
    return result


def remove_rules(root: Path, editor: str) -> RulesResult:
    """Remove our section from ``editor``'s rules file under ``root`` (and from a file an earlier release used)."""
    rule = RULE_FILES[editor]
    result = remove_section(root / rule.path, root, rule.header)
    result.changed = _remove_legacy(root, editor) or result.changed
    return result
