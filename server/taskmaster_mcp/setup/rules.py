"""The agent rules that ``init --editor`` writes: the Task Master workflow in this server's tool names.

Cursor gets its own ``.cursor/rules/taskmaster.mdc``; Claude Code a section of ``CLAUDE.md``; other editors a section
of ``AGENTS.md``. Our text sits between two markers, so a re-run replaces only our section and leaves the rest of the
file as the user wrote it.
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
"""

CURSOR_HEADER = """---
description: Task workflow with taskmaster-mcp (plan, pick the next task, implement, review, mark done)
alwaysApply: true
---
"""


@dataclass
class RulesResult:
    """What writing the rules did."""

    path: str
    changed: bool


def section(text: str = WORKFLOW) -> str:
    """Our marked section."""
    return f"{START}\n{text.rstrip()}\n{END}\n"


def upsert_section(path: Path, header: str = "") -> RulesResult:
    """Create ``path`` with our section, replace our section in it, or append the section; idempotent."""
    ours = section()
    if not path.is_file():
        path.parent.mkdir(parents=True, exist_ok=True)
        write_atomic(path, header + ours)
        return RulesResult(str(path), True)
    existing = path.read_text(encoding="utf-8")
    start = existing.find(START)
    end = existing.find(END, start + 1) if start >= 0 else -1
    if start >= 0 and end >= 0:
        tail = existing[end + len(END):]
        updated = existing[:start] + ours + tail.removeprefix("\n")
    else:
        updated = existing + ("" if existing.endswith("\n") or not existing else "\n") + ("\n" if existing else "")
        updated += ours
    if updated == existing:
        return RulesResult(str(path), False)
    write_atomic(path, updated)
    return RulesResult(str(path), True)


def write_rules(root: Path, rules_file: str) -> RulesResult:
    """Write the rules to ``rules_file`` (relative to ``root``)."""
    header = CURSOR_HEADER if rules_file.endswith(".mdc") else ""
    return upsert_section(root / rules_file, header)
