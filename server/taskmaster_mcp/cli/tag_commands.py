"""Tag commands, as Task Master spells them now (``tags``, ``tags add|use|remove|rename|copy``) and did before
(``add-tag``, ``use-tag``, ``delete-tag``, ``rename-tag``, ``copy-tag``): both call the same tag tools."""

from __future__ import annotations

import argparse
from collections.abc import Callable

from taskmaster_mcp.cli.outputs import gather_tags, render_tags
from taskmaster_mcp.cli.spec import Command, ToolCall, Usage, confirm, tasks_file, tool_call


def _tags_flags(p: argparse.ArgumentParser) -> None:
    p.add_argument("--show-metadata", action="store_true", help="also show each tag's description")
    p.add_argument("--ready", action="store_true", help="only tags with tasks ready to work on")


def _add_tag_flags(p: argparse.ArgumentParser) -> None:
    p.add_argument("name", nargs="?", help="the new tag (optional with --from-branch)")
    p.add_argument("-d", "--description")
    p.add_argument("--copy-from-current", action="store_true", help="copy the current tag's tasks")
    p.add_argument("--copy-from", metavar="TAG", help="copy this tag's tasks")
    p.add_argument("--from-branch", action="store_true", help="name the tag after the current git branch")
    tasks_file(p)


def _add_tag(a: argparse.Namespace) -> ToolCall:
    if not (a.name or a.from_branch):
        raise Usage("give the tag name: `taskmaster-mcp add-tag feature-x` (or --from-branch)")
    return tool_call(
        "add_tag",
        {
            "name": a.name,
            "description": a.description,
            "copyFromCurrent": getattr(a, "copy_from_current", False),
            "copyFromTag": a.copy_from,
            "fromBranch": a.from_branch,
            "file": a.file,
        },
    )


def _name_flags(*names: str, description: bool = False, yes: bool = False) -> Callable[[argparse.ArgumentParser], None]:
    def flags(p: argparse.ArgumentParser) -> None:
        for name in names:
            p.add_argument(name)
        if description:
            p.add_argument("-d", "--description")
        if yes:
            p.add_argument("-y", "--yes", action="store_true", help="do not ask for confirmation")
        tasks_file(p)

    return flags


def _tag_call(tool: str, **params: str) -> Callable[[argparse.Namespace], ToolCall]:
    """A tag tool; ``params`` maps each tool parameter (Task Master's name) to the positional that fills it."""

    def to_call(a: argparse.Namespace) -> ToolCall:
        arguments = {param: getattr(a, attr) for param, attr in params.items()}
        return tool_call(tool, {**arguments, "description": getattr(a, "description", None), "file": a.file})

    return to_call


_DELETE_TAG = confirm(lambda a: f"Delete tag '{a.name}' and all its tasks?")


def _tag_commands(prefix: str) -> tuple[Command, ...]:
    """Tag commands as Task Master spells them now (``tags add``) or did (``add-tag``); the same calls."""
    nested = prefix == "tags "
    return (
        Command(f"{prefix}add" if nested else "add-tag", "create a tag (empty, or a copy)", _add_tag_flags, _add_tag),
        Command(
            f"{prefix}use" if nested else "use-tag",
            "switch the current tag",
            _name_flags("name"),
            _tag_call("use_tag", name="name"),
        ),
        Command(
            f"{prefix}remove" if nested else "delete-tag",
            "delete a tag and its tasks",
            _name_flags("name", yes=True),
            _tag_call("delete_tag", name="name"),
            prepare=_DELETE_TAG,
        ),
        Command(
            f"{prefix}rename" if nested else "rename-tag",
            "rename a tag",
            _name_flags("old", "new"),
            _tag_call("rename_tag", oldName="old", newName="new"),
        ),
        Command(
            f"{prefix}copy" if nested else "copy-tag",
            "copy a tag with its tasks",
            _name_flags("source", "target", description=True),
            _tag_call("copy_tag", sourceName="source", targetName="target"),
        ),
    )


def _list_tags(a: argparse.Namespace) -> ToolCall:
    return tool_call("list_tags", {"showMetadata": a.show_metadata, "file": getattr(a, "file", None)})


TAGS = Command(
    "tags",
    "list tags; tags add|use|remove|rename|copy manage them",
    _tags_flags,
    _list_tags,
    gather=gather_tags,
    render=render_tags,
    subcommands=(
        Command("tags list", "list tags with counts", _tags_flags, _list_tags, gather=gather_tags, render=render_tags),
        *_tag_commands("tags "),
    ),
)

COMMANDS: tuple[Command, ...] = (TAGS, *_tag_commands(""))
