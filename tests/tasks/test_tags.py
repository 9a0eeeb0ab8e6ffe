"""Tags: adding, copying, renaming, deleting and listing them, and which names are refused."""

from __future__ import annotations

from pathlib import Path

import pytest

from rules_helpers import messy
from taskmaster_mcp.errors import Conflict, InvalidInput, NotFound
from taskmaster_mcp.tasks import tags


def test_add_tag_creates_an_empty_tag_with_task_master_metadata(messy_project: Path) -> None:
    doc = messy(messy_project)
    assert tags.add_tag(doc, "feature-x", description=None, copy_from=None) == 0
    assert doc.tags()[-1] == "feature-x"
    assert set(doc.block("feature-x")["metadata"]) == {"created", "updated", "description"}  # type: ignore[index]


def test_copy_tag_deep_copies_the_tasks(messy_project: Path) -> None:
    doc = messy(messy_project)
    assert tags.copy_tag(doc, "master", "snapshot", None) == 8
    doc.tasks("snapshot")[0]["title"] = "changed"
    assert doc.tasks("master")[0]["title"] == "Set up repository"
    assert doc.block("snapshot")["metadata"]["description"] == "Copy of master"  # type: ignore[index]


def test_rename_tag_keeps_its_position_and_metadata(messy_project: Path) -> None:
    doc = messy(messy_project)
    meta = doc.block("feature-auth")["metadata"]  # type: ignore[index]
    tags.rename_tag(doc, "feature-auth", "auth")
    assert doc.tags() == ["master", "auth", "empty-tag"]
    assert doc.block("auth")["metadata"] is meta  # type: ignore[index]


def test_delete_tag_returns_how_many_tasks_went(messy_project: Path) -> None:
    doc = messy(messy_project)
    assert tags.delete_tag(doc, "feature-auth") == 2
    assert doc.tags() == ["master", "empty-tag"]


def test_the_master_tag_cannot_be_deleted_or_renamed(messy_project: Path) -> None:
    doc = messy(messy_project)
    with pytest.raises(InvalidInput, match="master tag cannot be deleted"):
        tags.delete_tag(doc, "master")
    with pytest.raises(InvalidInput, match="master tag cannot be renamed"):
        tags.rename_tag(doc, "master", "main")


@pytest.mark.parametrize("name", ["", "has space", "a/b", "../x", "ünï", "x" * 101])
def test_invalid_tag_names_are_refused(messy_project: Path, name: str) -> None:
    doc = messy(messy_project)
    with pytest.raises(InvalidInput, match="not a valid tag name"):
        tags.add_tag(doc, name, description=None, copy_from=None)
    with pytest.raises(InvalidInput, match="not a valid tag name"):
        tags.rename_tag(doc, "feature-auth", name)


def test_existing_and_missing_tags_are_reported(messy_project: Path) -> None:
    doc = messy(messy_project)
    with pytest.raises(Conflict, match="already exists"):
        tags.add_tag(doc, "empty-tag", description=None, copy_from=None)
    with pytest.raises(Conflict, match="already exists"):
        tags.rename_tag(doc, "feature-auth", "empty-tag")
    with pytest.raises(NotFound, match="does not exist"):
        tags.delete_tag(doc, "nope")
    with pytest.raises(NotFound, match="does not exist"):
        tags.copy_tag(doc, "nope", "x", None)


def test_list_tags_counts_tasks_and_marks_the_current_tag(messy_project: Path) -> None:
    rows = tags.list_tags(messy(messy_project), "feature-auth")
    assert [(r["name"], r["tasks"], r["done"], r.get("current", False)) for r in rows] == [
        ("master", 8, 2, False),
        ("feature-auth", 2, 0, True),
        ("empty-tag", 0, 0, False),
    ]
    assert rows[0]["description"] == "Tasks for the main line"
