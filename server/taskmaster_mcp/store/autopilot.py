"""The autopilot workflow on disk: git, tasks.json and the state file, changed in that order under the state's lock.

The rules (phases, branch names, next actions) are :mod:`taskmaster_mcp.tasks.workflow`; the state file (shared with
Task Master) is :mod:`taskmaster_mcp.store.workflow_state`; git is :mod:`taskmaster_mcp.store.git`. Each operation
loads the state, checks everything that can be refused, and only then changes git, tasks.json and the state. Task
statuses follow Task Master: the task and the current subtask in-progress, a subtask done when committed (or found
already implemented at RED), the task done when finalized.

With ``worktree`` the task's branch is checked out in its own ``git worktree`` beside the repository, at
``<parent>/<repo>-task-<id>`` (``<repo>-<tag>-task-<id>`` for a tag other than master), recorded in the state's
metadata as ``worktree``. The project's own working tree stays on its branch, so other agents keep working there;
commits, the clean-tree checks and the review gate use the task's tree, while task statuses are written to the
project's tasks.json as always. Finalize removes the tree (it is clean by then); abort removes it when it holds no
uncommitted work and says so when it keeps it. The branch is kept either way.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from taskmaster_mcp.errors import Conflict, StoreError
from taskmaster_mcp.store import git
from taskmaster_mcp.store.paths import Paths
from taskmaster_mcp.store.private import LinkGuard, why_refused
from taskmaster_mcp.store.project import Project
from taskmaster_mcp.store.taskstore import NoChange
from taskmaster_mcp.store.workflow_state import WorkflowFile
from taskmaster_mcp.tasks import edits
from taskmaster_mcp.tasks import workflow as rules
from taskmaster_mcp.tasks.document import now_iso
from taskmaster_mcp.tasks.model import DONE_STATUSES, Ref, key, parse_ref, subtasks_of

WORKTREE_KEY = "worktree"


def detail(project: Project, wf: rules.Workflow) -> dict[str, str]:
    """The current subtask's description and test strategy from tasks.json (empty when it is gone)."""
    step = wf.current
    if step is None:
        return {}
    index = project.store.read().index(wf.tag or project.tag(None))
    ref = parse_ref(step.id)
    if not index.exists(ref):
        return {}
    _, sub = index.get(ref)
    return {name: str((sub or {}).get(name) or "") for name in ("description", "testStrategy")}


def set_statuses(
    project: Project,
    tag: str,
    changes: list[tuple[str | None, str]],
    note: str | None = None,
    task_id: str | None = None,
) -> None:
    """Set statuses (skipping items no longer in tasks.json) and optionally append a note to the task, in one write."""
    with project.store.mutate() as doc:
        index = doc.index(tag)
        changed: list[str] = []
        for item, status in changes:
            if item is not None and index.exists(parse_ref(item)):
                changed += edits.set_status(doc, tag, [parse_ref(item)], status, derive_parent=False)
        if note and task_id is not None and index.exists(Ref(task_id)):
            edits.append_note(index.task(task_id), note)
            changed.append(task_id)
        if not changed:
            raise NoChange


def worktree_of(wf: rules.Workflow) -> Path | None:
    """The task's own working tree, when the workflow was started with ``worktree``."""
    where = wf.metadata.get(WORKTREE_KEY)
    return Path(str(where)) if where else None


def work_root(project: Project, wf: rules.Workflow) -> Path:
    """Where the workflow's git work happens: its own working tree, or the project's."""
    return worktree_of(wf) or project.paths.root


def worktree_path(root: Path, task_id: str, tag: str) -> Path:
    """``<parent>/<repo>-task-<id>`` (with the tag when it is not master), beside the repository."""
    top = root.resolve()
    middle = "" if tag == "master" else f"-{tag}"
    return top.parent / f"{top.name}{middle}-task-{task_id}"


def _in(wf: rules.Workflow, root: Path) -> str:
    return f" in {root}" if worktree_of(wf) else ""


def on_branch(root: Path, wf: rules.Workflow, doing: str) -> None:
    """Refuse when the workflow's tree has another branch checked out."""
    current = git.current_branch(root)
    if wf.branch and current != wf.branch:
        raise Conflict(
            f"Cannot {doing}: the workflow of task {wf.task_id} works on branch {wf.branch}, but "
            f"{current or 'a detached HEAD'} is checked out{_in(wf, root)}. Run `git checkout {wf.branch}`, then call "
            "again."
        )


def _require_clean(root: Path) -> None:
    dirty = git.dirty_paths(root)
    if dirty:
        shown = ", ".join(dirty[:10]) + (f" and {len(dirty) - 10} more" if len(dirty) > 10 else "")
        raise Conflict(
            f"The working tree has uncommitted changes ({shown}). Commit or stash them, then call "
            "autopilot_start again (changes under .taskmaster/ do not count)."
        )


def _branch(root: Path, branch: str, wf: rules.Workflow, worktree: bool) -> str | None:
    """Create the task's branch (in its own tree with ``worktree``); the commit it starts from."""
    git.check_branch_name(root, branch)
    if worktree:
        where = worktree_path(root, wf.task_id, wf.tag or "master")
        if git.branch_exists(root, branch):
            raise Conflict(
                f"Branch {branch} already exists. To start over, delete it (`git branch -D {branch}`) and call "
                "autopilot_start again; to continue on it, call autopilot_start without worktree."
            )
        if where.exists():
            raise Conflict(f"{where} already exists. Move or delete it, then call autopilot_start again.")
        base = git.head(root)
        git.add_worktree(root, where, branch)
        wf.metadata[WORKTREE_KEY] = str(where)
        return base
    if git.current_branch(root) == branch:
        return git.branch_start(root, branch)
    if git.branch_exists(root, branch):
        raise Conflict(
            f"Branch {branch} already exists but is not checked out. To continue on it run `git "
            f"checkout {branch}` and call autopilot_start again; to start over, delete it (`git branch "
            f"-D {branch}`) first."
        )
    base = git.head(root)
    git.create_branch(root, branch)
    return base


def start(
    project: Project, state: WorkflowFile, ref: Ref, tag: str, max_attempts: int, force: bool, worktree: bool = False
) -> rules.Workflow:
    """Check everything, then create the branch, set the statuses and write the state (git may run hooks: a thread)."""
    root = project.paths.root
    with state.locked():
        if state.exists() and not force:
            running = state.require()
            raise Conflict(
                f"An autopilot workflow is already in progress here (task {running.task_id}, phase "
                f"{running.tdd or running.phase}, branch {running.branch}). Continue it with "
                "autopilot_resume and autopilot_next, discard it with autopilot_abort, or pass force=true "
                "to replace it."
            )
        task, _ = project.store.read().index(tag).get(ref)
        title = str(task.get("title") or "")
        subtasks = [
            (f"{ref.task}.{key(s.get('id'))}", str(s.get("title") or ""), s.get("status") in DONE_STATUSES)
            for s in subtasks_of(task)
        ]
        branch = rules.branch_name(ref.task, title, tag)
        wf = rules.begin(
            ref.task, title, subtasks, tag=tag, branch=branch, max_attempts=max_attempts, started_at=now_iso()
        )
        git.require_repo(root)
        if not worktree:  # a new tree starts clean whatever the project's tree holds
            _require_clean(root)
        wf.metadata["baseCommit"] = _branch(root, branch, wf, worktree)
        first = wf.current
        set_statuses(project, tag, [(ref.task, "in-progress"), (first.id if first else None, "in-progress")])
        state.save(wf)
    return wf


def complete_phase(project: Project, state: WorkflowFile, results: dict[str, int]) -> tuple[str | None, rules.Outcome]:
    """End RED or GREEN with the run's test counts; the phase that ended and the outcome."""
    with state.locked():
        wf = state.require()
        was = wf.tdd
        outcome = rules.complete_phase(wf, results)
        if outcome.completed is not None:
            statuses = [(outcome.completed, "done"), (outcome.started, "in-progress")]
            set_statuses(project, outcome.workflow.tag or project.tag(None), statuses)
        state.save(outcome.workflow)
    return was, outcome


@dataclass
class Commit:
    """A subtask's commit and the workflow after it."""

    workflow: rules.Workflow
    step: rules.Step
    sha: str
    message: str
    files: list[str]


def commit(project: Project, state: WorkflowFile, files: list[str], custom: str | None) -> Commit:
    """Commit the subtask and advance (in a thread: git runs the repository's commit hooks)."""
    with state.locked():
        wf = state.require()
        step = rules.check_commit(wf)
        root = work_root(project, wf)
        on_branch(root, wf, "commit")
        paths = project.paths if root == project.paths.root else Paths(root)
        top = root.resolve()
        specs = [paths.inside(f, what="files entry").relative_to(top).as_posix() for f in files]
        message = (custom or "").strip() or rules.commit_message(wf, str(wf.metadata.get("taskTitle") or ""))
        links = LinkGuard(paths)  # every change is judged by the secret guard before any is staged
        sha, changed = git.commit(root, specs, message, refuse=lambda rel: why_refused(paths, rel, links))
        outcome = rules.committed(wf)
        after = outcome.workflow
        set_statuses(project, after.tag or project.tag(None), [(step.id, "done"), (outcome.started, "in-progress")])
        state.save(after)
    return Commit(after, step, sha, message, changed)


def ready_to_finalize(project: Project, wf: rules.Workflow) -> Path:
    """Refuse finalize on another branch or with uncommitted changes; the tree the work is in."""
    rules.finalize(wf)
    root = work_root(project, wf)
    on_branch(root, wf, "finalize")
    dirty = git.dirty_paths(root)
    if dirty:
        raise Conflict(
            f"Cannot finalize: uncommitted changes{_in(wf, root)} ({', '.join(dirty[:10])}). Commit them (git commit) "
            "or remove them, then call autopilot_finalize again."
        )
    return root


def review_base(project: Project, wf: rules.Workflow) -> str | None:
    """The commit the task's branch started from, or None when the branch has no commit of its own."""
    root = work_root(project, wf)
    base = str(wf.metadata.get("baseCommit") or "") or git.branch_start(root, wf.branch or "HEAD")
    return None if base == git.head(root) else base


def finish(
    project: Project, state: WorkflowFile, wf: rules.Workflow, *, passed: bool, note: str | None
) -> rules.Workflow:
    """Record the review note; when ``passed``, set the task done, drop the state and remove the task's tree."""
    tag = wf.tag or project.tag(None)
    with state.locked():
        if state.require() != wf:
            raise Conflict("The workflow changed while finalize ran. Call autopilot_status, then finalize again.")
        if not passed:
            set_statuses(project, tag, [], note=note, task_id=wf.task_id)
            return wf
        set_statuses(project, tag, [(wf.task_id, "done")], note=note, task_id=wf.task_id)
        state.delete()
    where = worktree_of(wf)
    if where is not None and where.exists():
        git.remove_worktree(project.paths.root, where)
    return rules.finalize(wf)


@dataclass
class Abort:
    """What abort found and did."""

    workflow: rules.Workflow | None
    had_workflow: bool
    kept_tree: Path | None = None  # a task tree left in place because it holds uncommitted work
    removed_tree: Path | None = None


def abort(project: Project, state: WorkflowFile) -> Abort:
    """Drop the workflow state and remove the task's own tree when it holds no uncommitted work."""
    with state.locked():
        if not state.exists():
            return Abort(None, had_workflow=False)
        try:
            wf = state.load()
        except StoreError:  # an unreadable state is exactly what abort is for
            wf = None
        state.delete()
    where = worktree_of(wf) if wf else None
    if where is None or not where.exists():
        return Abort(wf, had_workflow=True)
    if git.dirty_paths(where):
        return Abort(wf, had_workflow=True, kept_tree=where)
    git.remove_worktree(project.paths.root, where)
    return Abort(wf, had_workflow=True, removed_tree=where)
