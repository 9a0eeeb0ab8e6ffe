"""The shared prefix of batch commands reaches the model's minimum cacheable prefix with the plan's briefs (issue 19).

Under the minimum a provider caches nothing, so a small project's expand_all, analyze and update paid every request
in full. The plan's briefs (each open task's description, details and test strategy) are added to the shared
prefix when they make it reach the main model's minimum, never as padding.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from ai_helpers import ai_env, ai_project, as_json
from ai_samples import scores
from mcp_helpers import connected, ok
from provider_server import MESSAGES, ProviderServer, Reply
from taskmaster_mcp.ai.plan_map import BRIEF_CHARS, plan_briefs, shared_prefix

DETAILS = (
    "Touch the {area} module and its repository. Validate input at the API boundary, keep the domain free of I/O, "
    "add the migration if the schema changes, and emit a domain event so notifications can follow. Handle "
    "concurrent updates of the {area} records with optimistic locking and retry once on a version conflict."
)


def task(n: int, status: str = "pending", details: str | None = None) -> dict[str, Any]:
    area = f"area-{n}"
    return {
        "id": n,
        "title": f"Feature {n}",
        "description": f"Deliver the {area} behaviour end to end.",
        "details": DETAILS.format(area=area) if details is None else details,
        "testStrategy": "",
        "status": status,
        "dependencies": [],
        "priority": "medium",
        "subtasks": [],
    }


def test_briefs_are_added_only_when_they_make_the_prefix_reach_the_minimum() -> None:
    tasks = [task(n) for n in range(1, 13)]
    briefs = plan_briefs(tasks)
    assert len(briefs) > 4_000 and "- 3 Feature 3: Deliver the area-3 behaviour end to end. Touch the" in briefs
    reached = shared_prefix("code\n\n", tasks, 4_096)
    assert reached == "code\n\n" + briefs and len(reached) >= 4_096
    assert shared_prefix("code\n\n", tasks, 40_000) == "code\n\n"  # not enough to reach it: no padding
    assert shared_prefix("x" * 5_000, tasks, 4_096) == "x" * 5_000  # already past it: left as it is
    assert shared_prefix("code\n\n", tasks, 0) == "code\n\n"  # no main model known


def test_briefs_leave_out_closed_tasks_and_empty_ones_and_are_bounded() -> None:
    tasks = [task(1, "done"), task(2, "cancelled"), task(3, details=""), task(4, details="x " * 2_000)]
    tasks[2]["description"] = ""
    lines = plan_briefs(tasks).strip().splitlines()
    assert len(lines) == 2 and lines[1].startswith("- 4 Feature 4: Deliver the area-4")
    assert len(lines[1]) <= len("- 4 Feature 4: ") + BRIEF_CHARS and lines[1].endswith("…")
    assert plan_briefs([task(n) for n in range(1, 200)], max_chars=3_000).count("\n- ") < 10
    assert plan_briefs([task(1, "done")]) == ""


def project(root: Path, server: ProviderServer, count: int) -> Path:
    ai_project(root, server, projectName="Shop")
    tasks = [task(n) for n in range(1, count + 1)]
    (root / ".taskmaster/tasks/tasks.json").write_text(json.dumps({"master": {"tasks": tasks}}, indent=2))
    return root


def first_blocks(server: ProviderServer) -> list[dict[str, Any]]:
    blocks: list[dict[str, Any]] = []
    for record in server.seen(MESSAGES):
        content = record.body["messages"][0]["content"]
        assert isinstance(content, list), content  # a marked prefix is sent as its own block
        blocks.append(content[0])
    return blocks


async def test_analyze_of_a_small_project_marks_a_prefix_the_briefs_bring_to_the_minimum(
    tmp_path: Path, provider_server: ProviderServer
) -> None:
    root = project(tmp_path / "p", provider_server, 14)
    provider_server.defaults[MESSAGES] = Reply(text=scores(list(range(1, 15))))
    async with connected(root, env=ai_env(tmp_path)) as client:
        data = await ok(client, "analyze_project_complexity")
    blocks = first_blocks(provider_server)
    assert data["analyzed"] == 14 and len(blocks) == 2 and blocks[0] == blocks[1]
    assert blocks[0]["cache_control"] == {"type": "ephemeral"}
    assert "- 14 Feature 14: Deliver the area-14 behaviour" in blocks[0]["text"]


async def test_update_of_a_small_project_marks_the_change_and_the_briefs_as_one_prefix(
    tmp_path: Path, provider_server: ProviderServer
) -> None:
    root = project(tmp_path / "p", provider_server, 12)
    revised = [{**task(n), "title": f"Feature {n} on Postgres", "id": n} for n in range(1, 13)]
    provider_server.script(
        MESSAGES,
        Reply(text=as_json({"tasks": revised[:8]})),
        Reply(text=as_json({"tasks": revised[8:]})),
    )
    async with connected(root, env=ai_env(tmp_path)) as client:
        data = await ok(client, "update", **{"from": "1"}, prompt="We use Postgres now")
    blocks = first_blocks(provider_server)
    assert data["batches"] == 2 and len(blocks) == 2 and blocks[0] == blocks[1]
    assert blocks[0]["cache_control"] == {"type": "ephemeral"}
    assert blocks[0]["text"].startswith("Requested change:") and "- 12 Feature 12: Deliver" in blocks[0]["text"]


async def test_expand_all_of_a_small_project_marks_code_map_and_briefs_as_one_prefix(
    tmp_path: Path, provider_server: ProviderServer
) -> None:
    root = project(tmp_path / "p", provider_server, 12)
    steps = [
        {"id": n, "title": f"Step {n}", "description": "d", "details": "d", "testStrategy": "t", "dependencies": []}
        for n in (1, 2, 3)
    ]
    provider_server.defaults[MESSAGES] = Reply(text=as_json({"subtasks": steps}))
    async with connected(root, env=ai_env(tmp_path)) as client:
        data = await ok(client, "expand_all")
    blocks = first_blocks(provider_server)
    assert len(data["expanded"]) == 12 and len(blocks) == 12 and all(b == blocks[0] for b in blocks)
    assert blocks[0]["cache_control"] == {"type": "ephemeral"}
    assert "The plan (every task of this tag" in blocks[0]["text"] and "- 7 Feature 7: Deliver" in blocks[0]["text"]
