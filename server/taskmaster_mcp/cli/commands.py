"""Task and dependency commands, with Task Master's names and flags, each mapped to the tool an agent would call.

Task Master's spelling works as it is (``set-status --id 7 --status done``, ``remove-task -i 5 -y``); ours is the same
command with the id given positionally (``set-status 7 done``, ``remove-task 5``) or a short name (``add``, ``ls``).
A positional value wins over its flag, as in Task Master.
"""

from __future__ import annotations

import argparse

from taskmaster_mcp.cli.ai_views import render_edit
from taskmaster_mcp.cli.outputs import (
    gather_tasks,
    gather_with_siblings,
    render_complexity,
    render_generated,
    render_message,
    render_next,
    render_show,
    render_tasks,
)
from taskmaster_mcp.cli.spec import (
    Command,
    ToolCall,
    Usage,
    confirm,
    count,
    display,
    first,
    ids,
    minutes,
    nonempty,
    one_id,
    required,
    short_tag,
    status,
    status_list,
    tasks_file,
    tool_call,
    with_fresh,
)

NEED_ID = "give a task id, positionally or with --id (e.g. `{} 7` or `{} --id 7`)"


def _need(command: str) -> str:
    return NEED_ID.format(f"taskmaster-mcp {command}", f"taskmaster-mcp {command}")


def _id_flags(parser: argparse.ArgumentParser, help: str = "task or subtask id(s): 7, 7.2 or 7,8") -> None:
    parser.add_argument("id_pos", nargs="?", metavar="ID", type=ids, help=help)
    parser.add_argument("-i", "--id", type=ids, help="same as ID (Task Master's spelling)")


# --- reading ------------------------------------------------------------------------------------------------------


def _list_flags(p: argparse.ArgumentParser) -> None:
    p.add_argument(
        "status_pos",
        nargs="?",
        metavar="STATUS",
        type=status_list,
        help="status filter (comma list), or all: every task with its subtasks",
    )
    p.add_argument("-s", "--status", type=status_list, help="same as STATUS")
    p.add_argument("--with-subtasks", action="store_true", help="show subtasks under their tasks")
    p.add_argument("--ready", action="store_true", help="only tasks ready to work on (dependencies complete)")
    p.add_argument("--blocking", action="store_true", help="only tasks other tasks depend on")
    p.add_argument("--all-tags", action="store_true", help="every tag, one table each")
    p.add_argument("-c", "--compact", action="store_true", help="one plain line per task")
    p.add_argument("--parallel", action="store_true", help="then the waves of tasks that can be worked at once")
    p.add_argument("--no-header", action="store_true", help="no progress line above the table")
    display(p, ("text", "json", "compact"))
    short_tag(p)


def _list(a: argparse.Namespace) -> ToolCall:
    wanted = first(a.status_pos, a.status)
    return tool_call(
        "get_tasks",
        {
            "tag": a.tag,
            "status": None if wanted == "all" else wanted,
            "withSubtasks": a.with_subtasks or a.status_pos == "all",
            "limit": 500,
            "parallel": a.parallel,
        },
    )


def _show_flags(p: argparse.ArgumentParser) -> None:
    _id_flags(p, "id(s) to show: 7, 7.2 or 7,8")
    p.add_argument("-s", "--status", type=status_list, help="show only subtasks with this status")
    display(p)


def _show(a: argparse.Namespace) -> ToolCall:
    return tool_call("get_task", {"id": required(a.id_pos, a.id, need=_need("show")), "status": a.status, "tag": a.tag})


def _next_flags(p: argparse.ArgumentParser) -> None:
    p.add_argument("--claim", action="store_true", help="claim it for --agent: in progress, leased to that agent")
    p.add_argument("--agent", type=nonempty, help="this agent's name (with --claim; each agent its own)")
    p.add_argument("--lease", type=minutes, metavar="MIN", help="claim lease in minutes (default 30)")
    p.add_argument("--count", type=count, metavar="N", help="up to N items that can be worked at once (no claim)")
    display(p)
    short_tag(p)


def _next(a: argparse.Namespace) -> ToolCall:
    if a.claim and not a.agent:
        raise Usage("give this agent's name: `taskmaster-mcp next --claim --agent NAME`")
    if (a.agent or a.lease is not None) and not a.claim:
        raise Usage("--agent and --lease go with --claim: `taskmaster-mcp next --claim --agent NAME --lease 30`")
    if a.claim and a.count is not None:
        raise Usage("--claim takes one item per agent; drop --count (or drop --claim to see N items)")
    return tool_call(
        "next_task", {"claim": a.claim, "agent": a.agent, "leaseMinutes": a.lease, "count": a.count, "tag": a.tag}
    )


def _release_flags(p: argparse.ArgumentParser) -> None:
    p.add_argument("id_pos", nargs="?", metavar="ID", type=one_id, help="the claimed task or subtask: 7 or 7.2")
    p.add_argument("-i", "--id", type=one_id, help="same as ID")
    p.add_argument("--agent", type=nonempty, help="release only if this agent holds it")
    display(p)


def _release(a: argparse.Namespace) -> ToolCall:
    wanted = required(a.id_pos, a.id, need=_need("release"))
    return tool_call("release_task", {"id": wanted, "agent": a.agent, "tag": a.tag})


# --- writing ------------------------------------------------------------------------------------------------------


def _set_status_flags(p: argparse.ArgumentParser) -> None:
    _id_flags(p)
    p.add_argument("status_pos", nargs="?", metavar="STATUS", type=status, help="the new status")
    p.add_argument("-s", "--status", type=status, help="same as STATUS")
    display(p)


def _set_status(a: argparse.Namespace) -> ToolCall:
    task = required(
        a.id_pos, a.id, need="give the id and the status: `taskmaster-mcp set-status 7 done` (or --id 7 --status done)"
    )
    new = required(
        a.status_pos, a.status, need="give the new status: `taskmaster-mcp set-status 7 done` (or --status done)"
    )
    return tool_call("set_task_status", {"id": task, "status": new, "tag": a.tag})


def _add_task_flags(p: argparse.ArgumentParser) -> None:
    p.add_argument("-t", "--title", type=nonempty, help="task title (no AI)")
    p.add_argument("-d", "--description")
    p.add_argument("--details")
    p.add_argument("--test-strategy")
    p.add_argument("--priority", choices=("high", "medium", "low"))
    p.add_argument("--dependencies", type=ids, help="comma list of ids")
    p.add_argument("-p", "--prompt", type=nonempty, help="describe the task; the main model drafts it")
    p.add_argument("-r", "--research", action="store_true")
    tasks_file(p)


def _add_task(a: argparse.Namespace) -> ToolCall:
    if not (a.title or a.prompt):
        raise Usage("give --title (and other fields) or --prompt")
    return tool_call(
        "add_task",
        {
            "title": a.title,
            "description": a.description,
            "details": a.details,
            "testStrategy": a.test_strategy,
            "priority": a.priority,
            "dependencies": a.dependencies,
            "prompt": a.prompt,
            "research": a.research,
            "tag": a.tag,
            "file": a.file,
        },
    )


def _add_subtask_flags(p: argparse.ArgumentParser) -> None:
    p.add_argument("parent_pos", nargs="?", metavar="PARENT", type=one_id, help="parent task id")
    p.add_argument("-p", "--parent", type=one_id, help="same as PARENT")
    p.add_argument("-i", "--task-id", type=one_id, help="turn this existing task into the subtask")
    p.add_argument("-t", "--title", type=nonempty)
    p.add_argument("-d", "--description")
    p.add_argument("--details")
    p.add_argument("--dependencies", type=ids)
    p.add_argument("-s", "--status", type=status)
    p.add_argument("--generate", action="store_true", help="regenerate the task files afterwards")
    tasks_file(p)


def _generated(a: argparse.Namespace) -> tuple[ToolCall, ...]:
    return (tool_call("generate", {"tag": a.tag, "file": a.file}),) if a.generate else ()


def _add_subtask(a: argparse.Namespace) -> ToolCall:
    parent = required(
        a.parent_pos, a.parent, need="give the parent task: `taskmaster-mcp add-subtask 7 --title ...` (or --parent 7)"
    )
    if not (a.title or a.task_id):
        raise Usage("give --title for a new subtask, or --task-id to turn an existing task into one")
    return tool_call(
        "add_subtask",
        {
            "id": parent,
            "taskId": a.task_id,
            "title": a.title,
            "description": a.description,
            "details": a.details,
            "status": a.status,
            "dependencies": a.dependencies,
            "tag": a.tag,
            "file": a.file,
        },
        *_generated(a),
    )


def _remove_subtask_flags(p: argparse.ArgumentParser) -> None:
    _id_flags(p, "subtask id(s): 7.2 or 7.2,8.1")
    p.add_argument("-c", "--convert", action="store_true", help="make it a standalone task instead of deleting it")
    p.add_argument("--generate", action="store_true", help="regenerate the task files afterwards")
    tasks_file(p)


def _remove_subtask(a: argparse.Namespace) -> ToolCall:
    wanted = required(a.id_pos, a.id, need="give the subtask id: `taskmaster-mcp remove-subtask 7.2` (or --id 7.2)")
    plain = [part for part in wanted.split(",") if "." not in part]
    if plain:
        raise Usage(f"{', '.join(plain)} is not a subtask id; use parent.sub, e.g. 7.2")
    return tool_call(
        "remove_subtask", {"id": wanted, "convert": a.convert, "tag": a.tag, "file": a.file}, *_generated(a)
    )


def _remove_task_flags(p: argparse.ArgumentParser) -> None:
    _id_flags(p, "task or subtask id(s) to delete: 5, 5.2 or 5,6.1")
    p.add_argument("-y", "--yes", action="store_true", help="do not ask for confirmation")
    tasks_file(p)


def _remove_task(a: argparse.Namespace) -> ToolCall:
    wanted = required(a.id_pos, a.id, need=_need("remove-task"))
    return tool_call("remove_task", {"id": wanted, "tag": a.tag, "file": a.file})


def _clear_subtasks_flags(p: argparse.ArgumentParser) -> None:
    _id_flags(p, "task id(s) whose subtasks to clear")
    p.add_argument("--all", action="store_true", help="clear the subtasks of every task")
    tasks_file(p)


def _clear_subtasks(a: argparse.Namespace) -> ToolCall:
    wanted = first(a.id_pos, a.id)
    if not (wanted or a.all):
        raise Usage("give task ids (`taskmaster-mcp clear-subtasks 7,8` or --id 7,8) or --all")
    return tool_call("clear_subtasks", {"id": wanted, "all": a.all and not wanted, "tag": a.tag, "file": a.file})


def _move_flags(p: argparse.ArgumentParser) -> None:
    p.add_argument("from_pos", nargs="?", metavar="FROM", type=ids, help="id(s) to move: 5, 5.2 or 5,6")
    p.add_argument("to_pos", nargs="?", metavar="TO", type=ids, help="destination id(s)")
    p.add_argument("--from", dest="from_", type=ids, help="same as FROM")
    p.add_argument("--to", type=ids, help="same as TO")
    p.add_argument("--from-tag", help="source tag of a move between tags")
    p.add_argument("--to-tag", help="target tag of a move between tags")
    p.add_argument("--with-dependencies", action="store_true", help="move the tasks it depends on too")
    p.add_argument("--ignore-dependencies", action="store_true", help="break dependencies across tags")
    tasks_file(p)


def _move(a: argparse.Namespace) -> ToolCall:
    source = required(a.from_pos, a.from_, need="give what to move: `taskmaster-mcp move 5 7` (or --from 5 --to 7)")
    return tool_call(
        "move_task",
        {
            "from": source,
            "to": first(a.to_pos, a.to),
            "fromTag": a.from_tag,
            "toTag": a.to_tag,
            "withDependencies": a.with_dependencies,
            "ignoreDependencies": a.ignore_dependencies,
            "tag": a.tag,
            "file": a.file,
        },
    )


def _generate_flags(p: argparse.ArgumentParser) -> None:
    p.add_argument("-o", "--output", metavar="DIR", help="where to write the task files (default .taskmaster/tasks)")
    display(p)
    short_tag(p)


def _complexity_report_flags(p: argparse.ArgumentParser) -> None:
    p.add_argument("-f", "--file", metavar="REPORT", help="report path (default: the tag's report)")


def _deleting(a: argparse.Namespace) -> str | None:
    target = first(a.id_pos, a.id)
    return f"Delete {target} permanently (with any subtasks)?" if target else None


COMMANDS: tuple[Command, ...] = (
    Command(
        "list",
        "the task table with status and progress",
        _list_flags,
        _list,
        aliases=("ls",),
        gather=gather_tasks,
        render=render_tasks,
    ),
    Command("show", "show tasks by id", _show_flags, _show, gather=gather_with_siblings, render=render_show),
    Command(
        "next",
        "show the next task to work on (--claim it for an agent, or --count N at once)",
        _next_flags,
        _next,
        gather=gather_with_siblings,
        render=render_next,
    ),
    Command(
        "release", "release an agent's claim on a task (status kept)", _release_flags, _release, render=render_message
    ),
    Command(
        "set-status",
        "set the status of tasks",
        _set_status_flags,
        _set_status,
        aliases=("status",),
        render=render_message,
    ),
    with_fresh(
        Command(
            "add-task",
            "add a task (from fields, or from --prompt with AI)",
            _add_task_flags,
            _add_task,
            aliases=("add",),
            render=render_edit,
            progress=True,
        )
    ),
    Command(
        "add-subtask", "add a subtask, or turn a task into one", _add_subtask_flags, _add_subtask, render=render_message
    ),
    Command(
        "remove-subtask",
        "remove subtasks (or --convert them to tasks)",
        _remove_subtask_flags,
        _remove_subtask,
        render=render_message,
    ),
    Command(
        "remove-task",
        "delete tasks or subtasks",
        _remove_task_flags,
        _remove_task,
        render=render_message,
        prepare=confirm(_deleting),
    ),
    Command(
        "clear-subtasks", "remove every subtask of tasks", _clear_subtasks_flags, _clear_subtasks, render=render_message
    ),
    Command("move", "move tasks to new ids, or between tags", _move_flags, _move, render=render_message),
    Command(
        "generate",
        "write the task files (task_001.md, Task Master 0.43's markdown)",
        _generate_flags,
        lambda a: tool_call("generate", {"output": a.output, "tag": a.tag}),
        render=render_generated,
    ),
    Command(
        "complexity-report",
        "show the complexity report",
        _complexity_report_flags,
        lambda a: tool_call("complexity_report", {"file": a.file, "tag": a.tag}),
        render=render_complexity,
    ),
)
