"""``research``: ask the research role a question with the project context the caller chooses, and optionally
save the answer to a task (as a dated note) and/or to ``.taskmaster/docs/research/YYYY-MM-DD_<slug>.md``.

Context sources, each bounded so one call cannot send the whole disk to a model:

- tasks and subtasks (``taskIds``), rendered by :func:`task_context` (never the user-owned ``metadata``); without
  ``taskIds``, up to :data:`DEFAULT_TASKS` tasks whose titles and descriptions share the query's keywords
  (:func:`taskmaster_mcp.ai.neighbours.relevant`), listed in the result's ``autoTasks``;
- files (``filePaths``), each read through :func:`~taskmaster_mcp.store.private.read_for_prompt` (confined to the
  project, symlinks judged by their target; binary and missing files are refused before any model call) and cut
  at :data:`MAX_FILE_CHARS` with a note. A private file (``.taskmaster/`` internals, ``.env`` files and their
  variants, keys, credentials, a hard link to one, text holding a private key) is left out and named in the
  result's ``leftOut``; secret values in the others are redacted (``usage.secrets`` says where);
- the caller's own text (``customContext``);
- a project tree of at most :data:`TREE_MAX_ENTRIES` entries, :data:`TREE_MAX_DEPTH` levels deep, without
  hidden entries, the usual dependency and cache directories, and names the private-file guard refuses
  (:func:`taskmaster_mcp.ai.codebase.project_tree`).

All of it together is cut to the research model's input budget, last sections first, with a note. Saving reuses
the answer: there is never a second model call.
"""

from __future__ import annotations

import re
from pathlib import Path

from pydantic import BaseModel

from taskmaster_mcp.ai.budget import input_budget_chars
from taskmaster_mcp.ai.codebase import project_tree
from taskmaster_mcp.ai.context import AIContext, UsageSummary, ask_text, summarize
from taskmaster_mcp.ai.neighbours import relevant
from taskmaster_mcp.ai.prompts import research as prompts
from taskmaster_mcp.ai.prompts.blocks import task_context
from taskmaster_mcp.errors import InvalidInput, TaskmasterError
from taskmaster_mcp.store import secrets
from taskmaster_mcp.store.files import write_atomic
from taskmaster_mcp.store.private import Refused, read_for_prompt
from taskmaster_mcp.store.project import Project
from taskmaster_mcp.tasks import edits
from taskmaster_mcp.tasks.document import now_iso
from taskmaster_mcp.tasks.model import parse_ref, parse_ref_list, split_list

MAX_FILE_CHARS = 30_000
RESULT_CAP = 20_000
TREE_MAX_ENTRIES = 300
TREE_MAX_DEPTH = 4
DEFAULT_TASKS = 8
DEFAULT_TASK_DETAILS = 1_500
FILES_FIX = (
    "Pass project files relative to the project root, separated by commas; tasks as taskIds; anything else "
    "as customContext text."
)
Section = tuple[str, str]


class ResearchResult(BaseModel):
    """The research answer, what context it was given, and where it was saved."""

    query: str
    findings: str
    findingsCut: bool | None = None
    context: list[str]
    leftOut: list[str] | None = None  # filePaths never sent: private files, and why
    autoTasks: list[str] | None = None
    savedTo: str | None = None
    savedFile: str | None = None
    usage: UsageSummary


def task_sections(project: Project, tag: str, task_ids: str) -> list[Section]:
    """One section per task or subtask id, without metadata."""
    index = project.store.read().index(tag)
    sections: list[Section] = []
    for ref in parse_ref_list(task_ids):
        task, sub = index.get(ref)
        if sub is None:
            sections.append((f"task {ref}", task_context(task)))
        else:
            owner = f"(subtask of task {ref.task}: {task.get('title', '')})\n"
            sections.append((f"subtask {ref}", owner + task_context(sub, with_subtasks=False)))
    return sections


def file_sections(project: Project, file_paths: str, left_out: list[str] | None = None) -> list[Section]:
    """One section per file, each read through the private-file guard and cut at MAX_FILE_CHARS with a note.

    A file the guard refuses is left out and its refusal added to ``left_out`` (without it, or when every file
    named is refused, so nothing the caller asked for would be sent, the refusal is raised); a missing or
    binary file is always an error.
    """
    root = project.paths.root.resolve()
    sections: list[Section] = []
    refusals: list[Refused] = []
    for raw in split_list(file_paths):
        try:
            text = read_for_prompt(project.paths, raw, what="filePaths entry", fix=FILES_FIX, max_chars=MAX_FILE_CHARS)
        except Refused as refused:
            if left_out is None:
                raise
            refusals.append(refused)
            left_out.append(str(refused).removesuffix(FILES_FIX).strip())
            secrets.note(f"left out {raw}: a private file")
            continue
        rel = project.paths.inside(raw, what="filePaths entry").relative_to(root).as_posix()
        sections.append((f"file {rel}", text))
    if refusals and not sections:
        raise refusals[0]
    return sections


def default_task_sections(project: Project, tag: str, query: str) -> list[Section]:
    """Without taskIds: up to :data:`DEFAULT_TASKS` tasks related to the query by keywords (none without a store)."""
    try:
        index = project.store.read().index(tag)
    except TaskmasterError:  # no .taskmaster yet, or no such tag: research works without tasks
        return []
    return [
        (f"task {t.get('id')}", task_context(t, with_subtasks=False, max_details=DEFAULT_TASK_DETAILS))
        for t in relevant(index, query, DEFAULT_TASKS)
    ]


def fit(sections: list[Section], budget: int) -> list[Section]:
    """Cut sections to ``budget`` characters in total, keeping the earliest whole and noting each cut."""
    kept: list[Section] = []
    used = 0
    for label, body in sections:
        room = budget - used
        if room <= 200:
            kept.append((label, "[left out: the context is over the model's input budget]"))
            continue
        if len(body) > room:
            body = body[: room - 100] + f"\n[cut to fit the model's input budget: {len(body)} characters in all]"
        kept.append((label, body))
        used += len(body)
    return kept


def slug(text: str) -> str:
    """File-name slug of a query: lower-case words joined by ``-``, at most 50 characters."""
    words = re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-")
    return words[:50].rstrip("-") or "research"


def research_file(project: Project, query: str) -> Path:
    """A new path ``.taskmaster/docs/research/YYYY-MM-DD_<slug>.md`` (``-2``, ``-3`` ... if it exists)."""
    folder = project.paths.docs_dir / "research"
    stem = f"{now_iso()[:10]}_{slug(query)}"
    candidate = folder / f"{stem}.md"
    number = 2
    while candidate.exists():
        candidate = folder / f"{stem}-{number}.md"
        number += 1
    return candidate


async def research(
    ai: AIContext,
    *,
    tag: str,
    query: str,
    task_ids: str | None,
    file_paths: str | None,
    custom_context: str | None,
    include_tree: bool,
    detail: prompts.DetailLevel,
    save_to: str | None,
    save_to_file: bool,
) -> ResearchResult:
    """Ask the research role ``query`` with the chosen context; save the answer where asked."""
    if not query.strip():
        raise InvalidInput("query is empty. Pass the question to research.")
    project = ai.project
    if save_to or save_to_file or task_ids:
        project.store.require_initialized()
    if save_to:  # checked before the model call, so a typo costs nothing
        project.store.read().index(tag).get(parse_ref(save_to))
    sections: list[Section] = []
    auto: list[str] = []
    if task_ids:
        sections += task_sections(project, tag, task_ids)
    elif project.paths.taskmaster.is_dir():
        found = default_task_sections(project, tag, query)
        auto = [label.removeprefix("task ") for label, _ in found]
        sections += found
    left_out: list[str] = []
    if file_paths:
        sections += file_sections(project, file_paths, left_out)
    if custom_context and custom_context.strip():
        sections.append(("notes from the caller", custom_context))
    if include_tree:
        sections.append(("project tree", project_tree(project.paths, TREE_MAX_ENTRIES, TREE_MAX_DEPTH).text))
    sections = fit(sections, input_budget_chars(ai, "research", reserve_tokens=2_000, command="research"))
    findings, usage = await ask_text(
        ai,
        prompts.RESEARCH,
        prompts.research_prompt(query, sections),
        command="research",
        role="research",
        system=prompts.research_system(detail),
    )
    if not findings.strip():
        raise InvalidInput(
            "The research model returned an empty answer; nothing was saved. Ask again, perhaps "
            "with a more specific query."
        )
    saved_to = saved_file = None
    if save_to:
        ref = parse_ref(save_to)

        def section() -> None:
            with project.store.mutate() as doc:
                task, sub = doc.index(tag).get(ref)
                note = f"Research: {query.strip()}\n\n{findings.strip()}"
                edits.append_note(sub if sub is not None else task, note)

        await ai.write(section)
        saved_to = str(ref)
    if save_to_file:
        path = research_file(project, query)
        model = f"{usage.provider}/{usage.model}"
        context = ", ".join(label for label, _ in sections) or "none"
        write_atomic(
            path,
            f"# Research: {query.strip()}\n\n- Date: {now_iso()}\n- Model: {model}\n"
            f"- Context: {context}\n\n## Findings\n\n{findings.strip()}\n",
        )
        saved_file = path.relative_to(project.paths.root).as_posix()
    shown, cut = findings, None
    if len(findings) > RESULT_CAP:
        where = f" The full text is in {saved_file}." if saved_file else " Pass saveToFile=true to keep it all."
        shown, cut = findings[:RESULT_CAP] + f"\n[cut at {RESULT_CAP} of {len(findings)} characters.{where}]", True
    await ai.progress(1, 1, "research done")
    return ResearchResult(
        query=query,
        findings=shown,
        findingsCut=cut,
        context=[label for label, _ in sections],
        leftOut=left_out or None,
        autoTasks=auto or None,
        savedTo=saved_to,
        savedFile=saved_file,
        usage=summarize([usage]),
    )
