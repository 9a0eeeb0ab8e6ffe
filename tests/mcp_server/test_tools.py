"""Every data tool, end to end through the SDK's in-memory MCP client, against real files in tmp_path."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from mcp_helpers import connected, error, ok, snapshot
from taskmaster_mcp.mcp_server.catalogue import CATALOGUE


def tasks_json(project: Path) -> dict[str, Any]:
    return json.loads((project / ".taskmaster" / "tasks" / "tasks.json").read_text(encoding="utf-8"))


def task_in(project: Path, tag: str, task_id: Any) -> dict[str, Any]:
    return next(t for t in tasks_json(project)[tag]["tasks"] if str(t["id"]) == str(task_id))


async def test_get_tasks_returns_compact_rows_and_progress(messy_project: Path) -> None:
    async with connected(messy_project) as client:
        page = await ok(client, "get_tasks")
    assert page["tag"] == "master"
    assert page["stats"]["tasks"] == 8
    assert page["stats"]["subtasks"] == 10
    row = page["tasks"][2]
    assert row == {
        "id": "3",
        "title": "Implement storage layer",
        "status": "in-progress",
        "priority": "high",
        "dependencies": ["1", 2],
        "subtasks": "1/3",
    }
    assert "details" not in row and "description" not in row


async def test_get_tasks_filters_by_status_and_adds_requested_fields(messy_project: Path) -> None:
    async with connected(messy_project) as client:
        page = await ok(client, "get_tasks", status="pending,blocked", fields="description", withSubtasks=True)
    assert [r["id"] for r in page["tasks"]] == [4, 8]
    assert page["tasks"][0]["description"] == "Expose CRUD endpoints."
    assert page["tasks"][0]["subtaskList"][2] == {
        "id": "4.3",
        "title": "Error envelope",
        "status": "blocked",
        "dependencies": [1, 2],
        "description": "Error envelope for task 4.",
    }


async def test_get_tasks_pages_with_a_cursor(messy_project: Path) -> None:
    async with connected(messy_project) as client:
        first = await ok(client, "get_tasks", limit=3)
        second = await ok(client, "get_tasks", limit=3, cursor=first["nextCursor"])
        last = await ok(client, "get_tasks", limit=3, cursor=second["nextCursor"])
    assert [r["id"] for r in first["tasks"]] == [1, 2, "3"]
    assert [r["id"] for r in second["tasks"]] == [4, 5, 6]
    assert [r["id"] for r in last["tasks"]] == [7, 8]
    assert "nextCursor" not in last


async def test_get_tasks_rejects_an_unknown_status_listing_valid_ones(messy_project: Path) -> None:
    async with connected(messy_project) as client:
        message = await error(client, "get_tasks", status="finished")
    assert "finished" in message and "in-progress" in message


async def test_get_tasks_reads_another_tag(messy_project: Path) -> None:
    async with connected(messy_project) as client:
        page = await ok(client, "get_tasks", tag="feature-auth")
        message = await error(client, "get_tasks", tag="nope")
    assert [r["id"] for r in page["tasks"]] == ["1", "2"]
    assert "list_tags" in message


async def test_get_task_returns_full_details_with_blockers(messy_project: Path) -> None:
    async with connected(messy_project) as client:
        result = await ok(client, "get_task", id="4")
        sub = await ok(client, "get_task", id="3.3")
    task = result["tasks"][0]
    assert task["relevantFiles"][0]["path"] == "api/routes.py"
    assert task["acceptanceCriteria"] == ["All endpoints documented", "p95 < 100 ms"]
    assert task["blockedBy"] == ["3"]
    assert sub["tasks"][0]["id"] == "3.3"
    assert sub["tasks"][0]["parent"]["id"] == "3"
    assert sub["tasks"][0]["blockedBy"] == ["3.2"]
    assert "parentTaskId" not in sub["tasks"][0]


async def test_get_task_with_a_comma_list_reports_missing_ids(messy_project: Path) -> None:
    async with connected(messy_project) as client:
        result = await ok(client, "get_task", id="1, 99")
        message = await error(client, "get_task", id="99")
    assert [t["id"] for t in result["tasks"]] == [1]
    assert result["notFound"] == ["99"]
    assert "get_tasks" in message


async def test_get_task_filters_subtasks_by_status(messy_project: Path) -> None:
    async with connected(messy_project) as client:
        result = await ok(client, "get_task", id="3", status="pending")
    assert [s["id"] for s in result["tasks"][0]["subtasks"]] == [3]


async def test_next_task_prefers_the_open_subtask_of_an_in_progress_task(messy_project: Path) -> None:
    async with connected(messy_project) as client:
        result = await ok(client, "next_task")
    assert result["next"]["id"] == "3.2"
    assert result["parent"] == {"id": "3", "title": "Implement storage layer"}


async def test_next_task_explains_why_nothing_is_eligible(legacy_project: Path) -> None:
    async with connected(legacy_project) as client:
        await ok(client, "set_task_status", id="2", status="done")
        result = await ok(client, "next_task")
    assert "next" not in result
    assert "Every task is done" in result["reason"]


async def test_next_task_includes_complexity_from_the_report(legacy_project: Path) -> None:
    reports = legacy_project / ".taskmaster" / "reports"
    reports.mkdir(parents=True)
    (reports / "task-complexity-report.json").write_text(
        json.dumps(
            {
                "meta": {},
                "complexityAnalysis": [
                    {
                        "taskId": 2,
                        "taskTitle": "Next old task",
                        "complexityScore": 6,
                        "recommendedSubtasks": 4,
                        "expansionPrompt": "x",
                        "reasoning": "y",
                    }
                ],
            }
        )
    )
    async with connected(legacy_project) as client:
        result = await ok(client, "next_task")
    assert result["next"]["id"] == 2
    assert result["next"]["complexityScore"] == 6


async def test_set_task_status_changes_one_value_and_suggests_the_next_task(messy_project: Path) -> None:
    before = (messy_project / ".taskmaster/tasks/tasks.json").read_text(encoding="utf-8").splitlines()
    async with connected(messy_project) as client:
        result = await ok(client, "set_task_status", id="3.2", status="done")
    after = (messy_project / ".taskmaster/tasks/tasks.json").read_text(encoding="utf-8").splitlines()
    changed = [(a, b) for a, b in zip(before, after, strict=True) if a != b]
    assert changed == [('            "status": "in-progress",', '            "status": "done",')]
    assert result["changed"] == ["3.2"]
    assert result["next"]["id"] == "3.3"


async def test_set_task_status_done_cascades_to_open_subtasks(messy_project: Path) -> None:
    async with connected(messy_project) as client:
        result = await ok(client, "set_task_status", id="4", status="done")
    assert result["changed"] == ["4", "4.1", "4.2", "4.3"]
    assert {s["status"] for s in task_in(messy_project, "master", 4)["subtasks"]} == {"done"}


async def test_set_task_status_with_a_bad_status_or_id_changes_nothing(messy_project: Path) -> None:
    before = snapshot(messy_project)
    async with connected(messy_project) as client:
        bad_status = await error(client, "set_task_status", id="4", status="finished")
        bad_id = await error(client, "set_task_status", id="4,99", status="done")
        bad_syntax = await error(client, "set_task_status", id="4..1", status="done")
    assert "pending, in-progress, done" in bad_status
    assert "99" in bad_id and "get_tasks" in bad_id
    assert "7.2" in bad_syntax
    assert snapshot(messy_project) == before


async def test_add_task_appends_with_the_next_id_and_checks_dependencies(messy_project: Path) -> None:
    async with connected(messy_project) as client:
        added = await ok(
            client, "add_task", title="Write docs", description="User guide", dependencies="4, 3.2", priority="low"
        )
        message = await error(client, "add_task", title="Bad", dependencies="42")
    assert added["task"]["id"] == 9
    stored = task_in(messy_project, "master", 9)
    assert stored["dependencies"] == [4, "3.2"]
    assert stored["priority"] == "low" and stored["status"] == "pending"
    assert "42" in message


async def test_add_task_uses_the_configured_default_priority(messy_project: Path) -> None:
    (messy_project / ".taskmaster/config.json").write_text(json.dumps({"global": {"defaultPriority": "high"}}))
    async with connected(messy_project) as client:
        await ok(client, "add_task", title="Urgent thing")
    assert task_in(messy_project, "master", 9)["priority"] == "high"


async def test_add_subtask_creates_and_converts(messy_project: Path) -> None:
    async with connected(messy_project) as client:
        created = await ok(client, "add_subtask", id="8", title="Announce", dependencies="8.2")
        converted = await ok(client, "add_subtask", id="8", taskId="6")
    assert created["changed"] == ["8.3"]
    subs = task_in(messy_project, "master", 8)["subtasks"]
    assert subs[2]["dependencies"] == [2]
    assert subs[3]["title"] == "Observability"
    assert converted["changed"] == ["8.4"]
    assert all(str(t["id"]) != "6" for t in tasks_json(messy_project)["master"]["tasks"])
    assert task_in(messy_project, "master", 8)["dependencies"] == [4, "8.4"]


async def test_update_task_edits_fields_and_appends_a_dated_note(messy_project: Path) -> None:
    async with connected(messy_project) as client:
        result = await ok(
            client, "update_task", id="5", title="Auth (OIDC)", prompt="Use the OIDC library.", append=True
        )
        empty = await error(client, "update_task", id="5")
    task = task_in(messy_project, "master", 5)
    assert task["title"] == "Auth (OIDC)"
    assert task["details"].startswith("OAuth later.\n\n<info added on ")
    assert task["details"].endswith(
        "</info added on " + task["details"].split("<info added on ")[1].split(">")[0] + ">"
    )
    assert result["changed"] == ["5.title", "5.details"]
    assert "Nothing to change" in empty


async def test_update_subtask_appends_in_task_masters_format(messy_project: Path) -> None:
    async with connected(messy_project) as client:
        await ok(client, "update_subtask", id="3.2", prompt="Repository base class done.")
        message = await error(client, "update_subtask", id="3", prompt="x")
    details = task_in(messy_project, "master", "3")["subtasks"][1]["details"]
    assert "Work out repository classes.\n\n<info added on 20" in details
    assert "\nRepository base class done.\n</info added on" in details
    assert "7.2" in message


async def test_remove_task_drops_the_task_and_references_to_it(messy_project: Path) -> None:
    async with connected(messy_project) as client:
        result = await ok(client, "remove_task", id="4")
    assert "4" in result["changed"] and "4.1" in result["changed"]
    assert task_in(messy_project, "master", 5)["dependencies"] == []
    assert task_in(messy_project, "master", 8)["dependencies"] == ["6"]


async def test_remove_subtask_can_convert_to_a_task(messy_project: Path) -> None:
    async with connected(messy_project) as client:
        await ok(client, "remove_subtask", id="8.2", convert=True)
        message = await error(client, "remove_subtask", id="8")
    promoted = task_in(messy_project, "master", 9)
    assert promoted["title"] == "Publish"
    assert promoted["dependencies"] == ["8.1", task_in(messy_project, "master", 8)["id"]]  # its former parent too
    assert "parentId" not in promoted
    assert "7.2" in message


async def test_clear_subtasks_empties_the_lists_and_reports_no_ops(messy_project: Path) -> None:
    async with connected(messy_project) as client:
        cleared = await ok(client, "clear_subtasks", id="4,8")
        again = await ok(client, "clear_subtasks", id="4")
        message = await error(client, "clear_subtasks")
    assert cleared["changed"] == ["4", "8"]
    assert task_in(messy_project, "master", 4)["subtasks"] == []
    assert again["changed"] == [] and "nothing changed" in again["message"]
    assert "all=true" in message


async def test_move_task_renumbers_and_follows_references(messy_project: Path) -> None:
    async with connected(messy_project) as client:
        await ok(client, "move_task", **{"from": "4", "to": "40"})
        taken = await error(client, "move_task", **{"from": "5", "to": "6"})
    assert task_in(messy_project, "master", 40)["title"] == "HTTP API"
    assert task_in(messy_project, "master", 5)["dependencies"] == [40]
    assert "already exists" in taken


async def test_move_task_to_another_tag_requires_a_dependency_decision(messy_project: Path) -> None:
    async with connected(messy_project) as client:
        refused = await error(client, "move_task", **{"from": "4"}, toTag="feature-auth")
        moved = await ok(client, "move_task", **{"from": "6"}, toTag="feature-auth", ignoreDependencies=True)
    assert "withDependencies" in refused
    assert moved["changed"] == ["feature-auth:6"]
    assert [t["title"] for t in tasks_json(messy_project)["feature-auth"]["tasks"]][-1] == "Observability"
    assert task_in(messy_project, "master", 8)["dependencies"] == [4]


async def test_dependencies_can_be_added_removed_validated_and_fixed(messy_project: Path) -> None:
    async with connected(messy_project) as client:
        await ok(client, "add_dependency", id="6", dependsOn="1")
        cycle = await error(client, "add_dependency", id="1", dependsOn="8")
        await ok(client, "remove_dependency", id="8", dependsOn="6")
        before = snapshot(messy_project)
        again = await ok(client, "add_dependency", id="6", dependsOn="1")  # as in Task Master: nothing to do
        missing = await ok(client, "remove_dependency", id="8", dependsOn="6")
        assert snapshot(messy_project) == before  # neither wrote a byte
        assert (await ok(client, "validate_dependencies"))["valid"] is True
    assert task_in(messy_project, "master", 6)["dependencies"] == [1]
    assert "cycle" in cycle
    assert again["changed"] == [] and "already depends on 1" in again["message"]
    assert missing["changed"] == [] and "does not depend on 6" in missing["message"]


async def test_remove_dependency_takes_a_subtask_dependency_as_it_is_stored_and_shown(messy_project: Path) -> None:
    async with connected(messy_project) as client:
        await ok(client, "add_subtask", id="6", title="first")
        await ok(client, "add_subtask", id="6", title="second", dependencies="6.1")
        stored = task_in(messy_project, "master", 6)["subtasks"][-1]["dependencies"]
        shown = await ok(client, "get_task", id="6.2")
        await ok(client, "remove_dependency", id="6.2", dependsOn=str(stored[0]))  # 1, as stored: the sibling 6.1
    assert stored == [1] and "1" in json.dumps(shown)
    assert task_in(messy_project, "master", 6)["subtasks"][-1]["dependencies"] == []


async def test_fix_dependencies_removes_missing_and_cyclic_links(messy_project: Path) -> None:
    data = tasks_json(messy_project)
    data["master"]["tasks"][0]["dependencies"] = [8, 77]
    (messy_project / ".taskmaster/tasks/tasks.json").write_text(json.dumps(data, indent=2))
    async with connected(messy_project) as client:
        report = await ok(client, "validate_dependencies")
        fixed = await ok(client, "fix_dependencies")
        after = await ok(client, "validate_dependencies")
    assert {i["problem"] for i in report["issues"]} == {"missing", "cycle"}
    assert fixed["issues"] == [
        {"id": "1", "dependsOn": "77", "problem": "missing"},
        {"id": "1", "dependsOn": "8", "problem": "cycle"},
    ]
    assert after["valid"] is True


async def test_tags_can_be_listed_added_used_renamed_copied_and_deleted(messy_project: Path) -> None:
    async with connected(messy_project) as client:
        tags = await ok(client, "list_tags")
        await ok(client, "add_tag", name="v2", description="Second release")
        await ok(client, "copy_tag", sourceName="master", targetName="backup")
        await ok(client, "use_tag", name="v2")
        current = await ok(client, "get_tasks")
        await ok(client, "rename_tag", oldName="v2", newName="v2-final")
        after_rename = await ok(client, "list_tags")
        await ok(client, "delete_tag", name="backup")
        protected = await error(client, "delete_tag", name="master")
        bad_name = await error(client, "add_tag", name="has space")
    assert [t["name"] for t in tags["tags"]] == ["master", "feature-auth", "empty-tag"]
    assert current["tag"] == "v2" and current["tasks"] == []
    assert after_rename["current"] == "v2-final"
    assert "backup" not in tasks_json(messy_project)
    assert len(tasks_json(messy_project)["master"]["tasks"]) == 8
    assert "master" in protected and "letters" in bad_name


async def test_initialize_project_creates_the_skeleton_and_never_overwrites(tmp_path: Path) -> None:
    async with connected(tmp_path) as client:
        first = await ok(client, "initialize_project", projectRoot=str(tmp_path))
        second = await ok(client, "initialize_project", projectRoot=str(tmp_path))
        listing = await ok(client, "get_tasks", projectRoot=str(tmp_path))
    assert ".taskmaster/config.json" in first["created"]
    assert second["created"] == [] and ".taskmaster/config.json" in second["kept"]
    assert listing["tasks"] == []


async def test_tools_on_a_folder_without_taskmaster_say_to_initialize(tmp_path: Path) -> None:
    async with connected(tmp_path) as client:
        message = await error(client, "add_task", projectRoot=str(tmp_path), title="x")
        no_project = await error(client, "get_tasks")
    assert "initialize_project" in message
    assert "initialize_project" in no_project


async def test_generate_writes_task_files(messy_project: Path) -> None:
    async with connected(messy_project) as client:
        first = await ok(client, "generate")
        second = await ok(client, "generate")
        outside = await error(client, "generate", output="../elsewhere")
    text = (messy_project / ".taskmaster/tasks/task_004.md").read_text(encoding="utf-8")
    assert text.startswith("# Task ID: 4\n\n**Title:** HTTP API\n\n**Status:** pending\n\n**Dependencies:** 3")
    assert "### 4.3. Error envelope\n\n**Status:** blocked  \n" in text
    assert first["written"] == 8 and second["unchanged"] == 8
    assert "outside the project root" in outside


async def test_complexity_report_reads_the_tag_report_highest_first(messy_project: Path) -> None:
    reports = messy_project / ".taskmaster" / "reports"
    reports.mkdir(parents=True)
    entries = [
        {
            "taskId": i,
            "taskTitle": f"T{i}",
            "complexityScore": i,
            "recommendedSubtasks": 3,
            "expansionPrompt": "",
            "reasoning": "",
        }
        for i in (2, 9, 5)
    ]
    (reports / "task-complexity-report_feature-auth.json").write_text(
        json.dumps({"meta": {"thresholdScore": 5}, "complexityAnalysis": entries})
    )
    async with connected(messy_project) as client:
        report = await ok(client, "complexity_report", tag="feature-auth")
        missing = await error(client, "complexity_report")
    assert [e["taskId"] for e in report["entries"]] == [9, 5, 2]
    assert "analyze_project_complexity" in missing


async def test_a_corrupt_tasks_file_is_reported_with_its_position_and_left_alone(messy_project: Path) -> None:
    path = messy_project / ".taskmaster/tasks/tasks.json"
    path.write_text('{"master": {"tasks": [ {"id": 1,, } ] }}')
    before = snapshot(messy_project)
    async with connected(messy_project) as client:
        read = await error(client, "get_tasks")
        write = await error(client, "set_task_status", id="1", status="done")
    assert "line 1 column" in read and str(path) in read
    assert "not valid JSON" in write
    assert snapshot(messy_project) == before


@pytest.mark.parametrize("era", ["legacy", "auto"])
async def test_a_project_root_outside_the_client_roots_is_refused_in_both_protocol_eras(
    messy_project: Path, tmp_path: Path, era: str
) -> None:
    from mcp.types import ListRootsResult, Root

    async def roots(_: Any) -> ListRootsResult:
        return ListRootsResult(roots=[Root(uri=messy_project.as_uri())])  # pyright: ignore

    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    async with connected(messy_project.parent, mode=era, list_roots_callback=roots) as client:
        inside = await ok(client, "get_tasks")
        message = await error(client, "get_tasks", projectRoot=str(elsewhere))
    assert inside["stats"]["tasks"] == 8
    assert "outside the workspace roots" in message


async def test_the_file_argument_must_stay_inside_the_project(messy_project: Path, tmp_path: Path) -> None:
    outside = tmp_path / "outside.json"
    outside.write_text("{}")
    link = messy_project / "link.json"
    link.symlink_to(outside)
    async with connected(messy_project) as client:
        traversal = await error(client, "get_tasks", file="../outside.json")
        symlinked = await error(client, "get_tasks", file="link.json")
    assert "outside the project root" in traversal
    assert "outside the project root" in symlinked


async def test_the_file_argument_selects_another_tasks_file(messy_project: Path) -> None:
    other = messy_project / "other" / "tasks.json"
    other.parent.mkdir()
    other.write_text((messy_project / ".taskmaster/tasks/tasks.json").read_text(encoding="utf-8"))
    async with connected(messy_project) as client:
        await ok(client, "set_task_status", id="8", status="review", file="other/tasks.json")
    assert json.loads(other.read_text())["master"]["tasks"][7]["status"] == "review"
    assert task_in(messy_project, "master", 8)["status"] == "pending"


@pytest.mark.parametrize(
    ("profile", "expected"),
    [
        ("core", {"get_tasks", "next_task", "get_task", "set_task_status", "update_subtask"}),
        ("Get-Tasks, next_task", {"get_tasks", "next_task"}),
    ],
)
async def test_tool_profiles_select_tools_like_task_master(tmp_path: Path, profile: str, expected: set[str]) -> None:
    async with connected(tmp_path, env={"TASK_MASTER_TOOLS": profile}) as client:
        names = {t.name for t in (await client.list_tools()).tools}
    assert expected <= names
    assert "delete_tag" not in names


async def test_every_tool_is_annotated_and_has_a_description(tmp_path: Path) -> None:
    async with connected(tmp_path, env={"TASK_MASTER_TOOLS": "all"}) as client:
        tools = (await client.list_tools()).tools
    model_backed = {spec.name for spec in CATALOGUE if spec.opens_world}  # the one definition of each tool
    for tool in tools:
        assert tool.description, tool.name
        assert tool.annotations is not None, tool.name
        assert (tool.annotations.open_world_hint is not False) == (tool.name in model_backed), tool.name
        assert not any("title" in schema for schema in tool.input_schema["properties"].values()), tool.name
    read_only = {t.name for t in tools if t.annotations and t.annotations.read_only_hint}
    assert read_only == {spec.name for spec in CATALOGUE if spec.read_only}
    assert {"get_tasks", "get_task", "complexity_report", "route"} <= read_only


async def test_a_shared_server_ignores_a_remote_agents_project_root(messy_project: Path) -> None:
    async with connected(messy_project.parent, pinned_root=messy_project) as client:
        page = await ok(client, "get_tasks", projectRoot="/home/someone-else/their-checkout")
        outside = await error(client, "get_tasks", file="../../etc/passwd")
    assert page["stats"]["tasks"] == 8
    assert "outside the project root" in outside
