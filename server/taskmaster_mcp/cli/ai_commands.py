"""AI commands, with Task Master's names and flags, each mapped to the tool an agent would call.

They show the tool's progress as a live bar on stderr and end with a usage line (see ``cli.main``). Task Master's
spelling works as it is (``expand --id 7 -n 3``, ``update-task --id 7 --prompt "..."``); ours gives the id or the
file positionally (``expand 7 --num 3``, ``parse-prd docs/prd.md``) or uses a short name (``analyze``).
"""

from __future__ import annotations

import argparse
from collections.abc import Callable
from dataclasses import replace

from taskmaster_mcp.cli.ai_views import (
    render_analyze,
    render_edit,
    render_expand,
    render_plan,
    render_research,
    render_review,
)
from taskmaster_mcp.cli.outputs import benchmark_exit, gather_research, render_benchmark
from taskmaster_mcp.cli.spec import (
    Command,
    ToolCall,
    Usage,
    count,
    first,
    ids,
    nonempty,
    one_id,
    required,
    tasks_file,
    threshold,
    with_fresh,
)
from taskmaster_mcp.cli.spec import tool_call as make

STRENGTHS = ("light", "regular", "heavy")
DETAIL = ("low", "medium", "high")


def _parse_prd_flags(p: argparse.ArgumentParser) -> None:
    p.add_argument("input_pos", nargs="?", metavar="FILE", help="PRD file (default .taskmaster/docs/prd.txt)")
    p.add_argument("-i", "--input", help="same as FILE")
    p.add_argument("-o", "--output", help="tasks file to write")
    p.add_argument("-n", "--num-tasks", type=count, help="how many tasks (0: the model decides)")
    p.add_argument("-f", "--force", action="store_true", help="replace the tag's existing tasks")
    p.add_argument("--append", action="store_true", help="add to the tag's existing tasks")
    p.add_argument("-r", "--research", action="store_true")
    p.add_argument("--critique", action="store_true", help="a critic role checks the draft, main revises it")


def _parse_prd(a: argparse.Namespace) -> ToolCall:
    return make(
        "parse_prd",
        {
            "input": first(a.input_pos, a.input),
            "numTasks": a.num_tasks,
            "append": a.append,
            "force": a.force,
            "research": a.research,
            "critique": a.critique,
            "output": a.output,
            "tag": a.tag,
        },
    )


def _expand_flags(p: argparse.ArgumentParser) -> None:
    p.add_argument("id_pos", nargs="?", metavar="ID", type=one_id, help="the task to expand")
    p.add_argument("-i", "--id", type=one_id, help="same as ID")
    p.add_argument("-a", "--all", action="store_true", help="expand every pending task")
    p.add_argument("-n", "--num", type=count, help="number of subtasks")
    p.add_argument("-p", "--prompt", help="extra context for the model")
    p.add_argument("-f", "--force", action="store_true", help="replace existing subtasks")
    p.add_argument("-r", "--research", action="store_true")
    p.add_argument("-cr", "--complexity-report", metavar="FILE", help="complexity report to take counts from")
    p.add_argument("--critique", action="store_true", help="a critic role checks the draft, main revises it")
    tasks_file(p, short=False)


def _expand(a: argparse.Namespace) -> ToolCall:
    task = first(a.id_pos, a.id)
    if not (task or a.all):
        raise Usage("give a task id or --all (e.g. `taskmaster-mcp expand 7` or `expand --id 7`)")
    common = {
        "num": a.num,
        "prompt": a.prompt,
        "force": a.force,
        "research": a.research,
        "complexityReport": a.complexity_report,
        "tag": a.tag,
        "file": a.file,
    }
    if a.all and a.critique:
        raise Usage("--critique works on one task: `taskmaster-mcp expand 7 --critique`, not with --all")
    return (
        make("expand_all", common) if a.all else make("expand_task", {"id": task, "critique": a.critique, **common})
    )  # --all wins, as in TM


def _analyze_flags(p: argparse.ArgumentParser) -> None:
    p.add_argument("-t", "--threshold", type=threshold, help="expand tasks scoring at least this (1-10)")
    p.add_argument("-i", "--id", "--ids", dest="ids", type=ids, help="only these task ids (comma list)")
    p.add_argument("--from", dest="from_", type=count, help="first task id of a range")
    p.add_argument("--to", type=count, help="last task id of a range")
    p.add_argument("-o", "--output", help="report file to write")
    p.add_argument("-m", "--model", help="model to use instead of the configured one")
    p.add_argument("-r", "--research", action="store_true")
    tasks_file(p)


def _analyze(a: argparse.Namespace) -> ToolCall:
    return make(
        "analyze_project_complexity",
        {
            "threshold": a.threshold,
            "ids": a.ids,
            "from": a.from_,
            "to": a.to,
            "research": a.research,
            "output": a.output,
            "model": a.model,
            "tag": a.tag,
            "file": a.file,
        },
    )


def _research_flags(p: argparse.ArgumentParser) -> None:
    p.add_argument("query", nargs="?", type=nonempty, help="the question")
    p.add_argument("-i", "--id", "--ids", dest="ids", type=ids, help="task/subtask ids to include as context")
    p.add_argument("-f", "--files", help="comma list of files to include as context")
    p.add_argument("-c", "--context", help="extra context to include")
    p.add_argument("-t", "--tree", action="store_true", help="include the project's file tree")
    p.add_argument("-d", "--detail", type=str.lower, choices=DETAIL, help="answer detail (default medium)")
    p.add_argument("--save-to", type=one_id, help="append the answer to this task or subtask")
    p.add_argument("--save-file", action="store_true", help="save it in .taskmaster/docs/research/")
    p.add_argument("-s", "--save", metavar="FILE", help="also write the answer to this file")
    tasks_file(p, short=False)


def _research(a: argparse.Namespace) -> ToolCall:
    query = required(a.query, need='give the question: `taskmaster-mcp research "How should we cache sessions?"`')
    return make(
        "research",
        {
            "query": query,
            "taskIds": a.ids,
            "filePaths": a.files,
            "customContext": a.context,
            "includeProjectTree": a.tree,
            "detailLevel": a.detail,
            "saveTo": a.save_to,
            "saveToFile": a.save_file,
            "tag": a.tag,
            "file": a.file,
        },
    )


def _prompt_flags(p: argparse.ArgumentParser, what: str) -> None:
    p.add_argument("id_pos", nargs="?", metavar="ID", type=one_id, help=f"the {what} to update")
    p.add_argument("words", nargs="*", metavar="PROMPT", help="the change, in words (no quotes needed)")
    p.add_argument("-i", "--id", type=one_id, help="same as ID")
    p.add_argument("-p", "--prompt", type=nonempty, help="same as PROMPT")
    p.add_argument("-r", "--research", action="store_true")
    tasks_file(p)


def _update_task_flags(p: argparse.ArgumentParser) -> None:
    _prompt_flags(p, "task")
    p.add_argument("--append", action="store_true", help="append a dated note instead of rewriting the task")
    fields = p.add_argument_group("manual edits (no model; alone, or kept as they are by a --prompt rewrite)")
    fields.add_argument("--title", type=nonempty, help="the new title")
    fields.add_argument("--description", help="the new description")
    fields.add_argument("--details", help="the new details")
    fields.add_argument("--test-strategy", help="the new test strategy")
    fields.add_argument("--priority", choices=("high", "medium", "low"), help="the new priority")


def _prompt_of(a: argparse.Namespace, command: str, optional: bool = False, also: str = "") -> tuple[str, str | None]:
    task = required(a.id_pos, a.id, need=f'give the id: `taskmaster-mcp {command} 7 "what changed"` (or --id 7)')
    prompt = " ".join(a.words) if a.words else a.prompt
    if not prompt and not optional:
        raise Usage(f'say what changed: `taskmaster-mcp {command} {task} "what changed"` (or --prompt "..."){also}')
    return str(task), prompt


FIELDS = (
    ("title", "title"),
    ("description", "description"),
    ("details", "details"),
    ("testStrategy", "test_strategy"),
    ("priority", "priority"),
)


def _update_task(a: argparse.Namespace) -> ToolCall:
    fields = {name: getattr(a, attr) for name, attr in FIELDS if getattr(a, attr) is not None}
    also = "; or edit fields without a model: --title, --description, --details, --test-strategy, --priority"
    task, prompt = _prompt_of(a, "update-task", optional=bool(fields), also=also)
    if not prompt and a.append:
        raise Usage(f'--append needs the note: `taskmaster-mcp update-task {task} --append "what was done"`')
    if "." in task and prompt:
        raise Usage(f"{task} is a subtask; use `taskmaster-mcp update-subtask {task} ...`")
    return make(
        "update_task",
        {
            "id": task,
            "prompt": prompt,
            "append": a.append,
            "research": a.research,
            **fields,
            "tag": a.tag,
            "file": a.file,
        },
    )


def _update_subtask(a: argparse.Namespace) -> ToolCall:
    task, prompt = _prompt_of(a, "update-subtask")
    return make("update_subtask", {"id": task, "prompt": prompt, "research": a.research, "tag": a.tag, "file": a.file})


def _update_flags(p: argparse.ArgumentParser) -> None:
    p.add_argument("--from", dest="from_", type=one_id, default="1", help="first task id to update (default 1)")
    p.add_argument("-p", "--prompt", type=nonempty, help="the change (required)")
    p.add_argument("-r", "--research", action="store_true")
    p.add_argument("--id", dest="wrong_id", help=argparse.SUPPRESS)
    tasks_file(p)


def _update(a: argparse.Namespace) -> ToolCall:
    if a.wrong_id:
        raise Usage(
            "update takes --from (it updates every task from that id on); for one task use "
            f'`taskmaster-mcp update-task --id {a.wrong_id} --prompt "..."`'
        )
    if not a.prompt:
        raise Usage('say what changed: `taskmaster-mcp update --from 4 --prompt "We moved to Postgres"`')
    return make("update", {"from": a.from_, "prompt": a.prompt, "research": a.research, "tag": a.tag, "file": a.file})


def _scope_flags(p: argparse.ArgumentParser) -> None:
    p.add_argument("id_pos", nargs="?", metavar="ID", type=ids, help="task/subtask id(s)")
    p.add_argument("-i", "--id", type=ids, help="same as ID")
    p.add_argument("-s", "--strength", choices=STRENGTHS, help="how much to change (default regular)")
    p.add_argument("-p", "--prompt", help="what to change")
    p.add_argument("-r", "--research", action="store_true")
    tasks_file(p)


def _scope(tool: str, command: str) -> Callable[[argparse.Namespace], ToolCall]:
    def to_call(a: argparse.Namespace) -> ToolCall:
        task = required(a.id_pos, a.id, need=f"give the id: `taskmaster-mcp {command} 7` (or --id 7)")
        return make(
            tool,
            {
                "id": task,
                "strength": a.strength,
                "prompt": a.prompt,
                "research": a.research,
                "tag": a.tag,
                "file": a.file,
            },
        )

    return to_call


def _review_flags(p: argparse.ArgumentParser) -> None:
    p.add_argument("id", type=one_id)
    p.add_argument("--base", help="git ref to diff against (default HEAD)")
    p.add_argument("--paths", help="limit to these paths (comma list)")
    p.add_argument("--second-opinion", action="store_true", help="also ask a second model")
    p.add_argument("--apply", action="store_true", help="set the status, add follow-ups and a note")
    p.add_argument("--reviewers", help="two or three roles that review independently, e.g. main,fallback")
    p.add_argument("--consensus-threshold", type=int, metavar="N", help="widest score spread that still agrees")


def _review(a: argparse.Namespace) -> ToolCall:
    return make(
        "review",
        {
            "id": a.id,
            "base": a.base,
            "paths": a.paths,
            "secondOpinion": a.second_opinion,
            "apply": a.apply,
            "reviewers": a.reviewers,
            "consensusThreshold": a.consensus_threshold,
            "tag": a.tag,
        },
    )


def _benchmark_flags(p: argparse.ArgumentParser) -> None:
    p.add_argument("--roles", help="roles to compare (comma list; default main,fallback)")
    p.add_argument("--models", help="model ids to compare instead of roles (comma list)")
    p.add_argument("--tasks", type=int, metavar="N", help="open tasks to expand per model (default 3, at most 10)")
    p.add_argument("--max-usd", type=float, metavar="X", help="the most it may spend; required for paid models")


def _benchmark(a: argparse.Namespace) -> ToolCall:
    if a.roles and a.models:
        raise Usage("give --roles or --models, not both")
    return make(
        "benchmark_models", {"roles": a.roles, "models": a.models, "tasks": a.tasks, "maxUsd": a.max_usd, "tag": a.tag}
    )


COMMANDS: tuple[Command, ...] = (
    *(
        with_fresh(replace(command, progress=True))
        for command in (
            Command("parse-prd", "AI: turn a PRD into tasks", _parse_prd_flags, _parse_prd, render=render_plan),
            Command(
                "expand", "AI: split a task (or --all) into subtasks", _expand_flags, _expand, render=render_expand
            ),
            Command(
                "analyze-complexity",
                "AI: score task complexity (writes the report)",
                _analyze_flags,
                _analyze,
                aliases=("analyze",),
                render=render_analyze,
            ),
            Command(
                "research",
                "AI: ask the research model, with project context",
                _research_flags,
                _research,
                gather=gather_research,
                render=render_research,
            ),
            Command(
                "update",
                "AI: update every task from an id on with a change",
                _update_flags,
                _update,
                render=render_edit,
            ),
            Command(
                "update-task",
                "AI: update one task with a change (or edit its fields without a model)",
                _update_task_flags,
                _update_task,
                render=render_edit,
            ),
            Command(
                "update-subtask",
                "AI: append a dated note to a subtask",
                lambda p: _prompt_flags(p, "subtask"),
                _update_subtask,
                render=render_edit,
            ),
            Command(
                "scope-up",
                "AI: make tasks more complex",
                _scope_flags,
                _scope("scope_up_task", "scope-up"),
                render=render_edit,
            ),
            Command(
                "scope-down",
                "AI: make tasks simpler",
                _scope_flags,
                _scope("scope_down_task", "scope-down"),
                render=render_edit,
            ),
            Command(
                "review",
                "AI: review a task's implementation (git diff) against the task",
                _review_flags,
                _review,
                render=render_review,
            ),
        )
    ),
    # a benchmark always asks the models (never the response cache), so it has no --fresh
    Command(
        "benchmark",
        "AI: compare models on this project's PRD and tasks (writes a report, not tasks)",
        _benchmark_flags,
        _benchmark,
        render=render_benchmark,
        exit_code=benchmark_exit,
        progress=True,
    ),
)
