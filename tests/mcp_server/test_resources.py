"""Resources and prompts through the SDK client, resolved like tools; and the tool annotations are right."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from mcp import Client, MCPError

from mcp_helpers import connected
from taskmaster_mcp.mcp_server.app import build_app
from taskmaster_mcp.mcp_server.catalogue import CATALOGUE
from taskmaster_mcp.tasks.diagrams import dot, mermaid


def _text(result: object) -> str:
    return "".join(getattr(c, "text", "") for c in getattr(result, "contents", []))


async def test_resources_list_and_read_the_current_tag(messy_project: Path) -> None:
    (messy_project / ".taskmaster/reports").mkdir(parents=True, exist_ok=True)
    (messy_project / ".taskmaster/reports/task-complexity-report.json").write_text(
        json.dumps(
            {
                "meta": {"generatedAt": "2026-01-01T00:00:00Z"},
                "complexityAnalysis": [
                    {
                        "taskId": 4,
                        "taskTitle": "HTTP API",
                        "complexityScore": 8,
                        "recommendedSubtasks": 5,
                        "expansionPrompt": "Split it.",
                        "reasoning": "Big.",
                    }
                ],
            }
        )
    )
    async with connected(messy_project) as client:
        listed = {str(r.uri) for r in (await client.list_resources()).resources}
        templates = {t.uri_template for t in (await client.list_resource_templates()).resource_templates}
        summary = json.loads(_text(await client.read_resource("taskmaster://tasks")))
        task = json.loads(_text(await client.read_resource("taskmaster://tasks/4.3")))
        graph = _text(await client.read_resource("taskmaster://graph"))
        report = json.loads(_text(await client.read_resource("taskmaster://complexity-report")))
    assert {"taskmaster://tasks", "taskmaster://complexity-report", "taskmaster://graph"} <= listed
    assert "taskmaster://tasks/{id}" in templates
    assert summary["tag"] == "master" and summary["stats"]["tasks"] == 8
    assert task["tasks"][0]["status"] == "blocked"
    assert graph.startswith("flowchart TD") and "t3 --> t4" in graph
    assert "HTTP API" in json.dumps(report)


async def test_resources_follow_task_master_project_root_like_tools(messy_project: Path, tmp_path: Path) -> None:
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    server = build_app(env={"TASK_MASTER_PROJECT_ROOT": str(messy_project)}, cwd=elsewhere)
    async with Client(server) as client:
        summary = json.loads(_text(await client.read_resource("taskmaster://tasks")))
    assert summary["stats"]["tasks"] == 8


async def test_a_resource_error_names_the_fix(tmp_path: Path) -> None:
    async with connected(tmp_path) as client:
        with pytest.raises(MCPError) as raised:
            await client.read_resource("taskmaster://tasks")
    assert raised.value.message == (
        "No project found: pass projectRoot (the absolute path of your project), or set TASK_MASTER_PROJECT_ROOT "
        "in the server's env block. To start a new project there, call initialize_project."
    )


async def test_prompts_embed_current_data(messy_project: Path) -> None:
    async with connected(messy_project) as client:
        names = {p.name for p in (await client.list_prompts()).prompts}
        nxt = await client.get_prompt("work_on_next_task", {})
        review = await client.get_prompt("review_task", {"id": "4"})
        plan = await client.get_prompt("plan_from_prd", {"numTasks": "12"})
    text = {
        name: "".join(getattr(m.content, "text", "") for m in r.messages)
        for name, r in (("next", nxt), ("review", review), ("plan", plan))
    }
    assert names == {"plan_from_prd", "work_on_next_task", "review_task"}
    assert '"3.2"' in text["next"] and "set_task_status" in text["next"]
    assert "HTTP API" in text["review"] and "testStrategy" in text["review"]
    assert "parse_prd" in text["plan"] and "numTasks=12" in text["plan"]


def test_graph_text_in_mermaid_and_dot_points_from_dependency_to_dependent() -> None:
    tasks = [
        {"id": 1, "title": 'Set "up"', "status": "done", "dependencies": []},
        {
            "id": 2,
            "title": "Build",
            "status": "in-progress",
            "dependencies": [1, 99],
            "subtasks": [{"id": 1, "title": "Part", "status": "pending", "dependencies": ["1"]}],
        },
    ]
    chart = mermaid(tasks, with_subtasks=True)
    graphviz = dot(tasks)
    assert "t1 --> t2" in chart and "t99" not in chart and "t1 --> t2_1" in chart
    assert "Set 'up'" in chart and "classDef done" in chart and "classDef in_progress" in chart
    assert graphviz.startswith("digraph tasks {") and "t1 -> t2;" in graphviz


async def test_tool_annotations_match_what_each_tool_does(tmp_path: Path) -> None:
    specs = {s.name: s for s in CATALOGUE}
    async with connected(tmp_path, env={"TASK_MASTER_TOOLS": "all"}) as client:
        tools = (await client.list_tools()).tools
    for tool in tools:
        spec, hints = specs[tool.name], tool.annotations
        assert hints is not None, tool.name
        read_only = bool(hints.read_only_hint)
        destructive = hints.destructive_hint is not False and not read_only
        assert read_only == spec.read_only, tool.name
        assert destructive == (spec.destructive and not spec.read_only), tool.name
        assert (hints.open_world_hint is not False) == spec.opens_world, tool.name
        if tool.name.startswith(("get_", "list_", "validate_", "complexity_")):
            assert read_only, f"{tool.name} only reads and must say so"
        if tool.name == "next_task":  # claim=true records a claim and sets the item in progress
            assert not read_only and not destructive
        if tool.name.startswith(("remove_", "delete_", "clear_")):
            assert destructive, f"{tool.name} deletes data and must say so"
        if tool.name in ("parse_prd", "expand_task", "research", "analyze_project_complexity"):
            assert hints.open_world_hint is not False, f"{tool.name} calls a model"
