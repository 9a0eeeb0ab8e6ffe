"""README is a landing page and docs/ holds the rest: every tool documented, every page reachable, every link sound."""

from __future__ import annotations

import re
from pathlib import Path

from mcp_helpers import connected

ROOT = Path(__file__).resolve().parents[1]
README = ROOT / "README.md"
DOCS = ROOT / "docs"
LINK = re.compile(r"\[[^\]]*\]\(([^)\s]+)\)")


def _prose(text: str) -> str:
    """The text outside fenced and inline code, where a link is a link."""
    return re.sub(r"`[^`\n]*`", "", re.sub(r"```.*?```", "", text, flags=re.DOTALL))


def _anchors(page: Path) -> set[str]:
    """GitHub's anchors for the page's headings: lower case, punctuation dropped, spaces as hyphens."""
    text = re.sub(r"```.*?```", "", page.read_text(encoding="utf-8"), flags=re.DOTALL)
    headings = re.findall(r"^#{1,6} (.+)$", text, re.M)
    return {re.sub(r"[^\w\- ]", "", h.strip().lower()).replace(" ", "-") for h in headings}


def _links(page: Path) -> list[str]:
    return [t for t in LINK.findall(_prose(page.read_text(encoding="utf-8"))) if not re.match(r"[a-z]+:", t)]


def _pages() -> list[Path]:
    return [README, *sorted(DOCS.glob("*.md")), ROOT / "editor-configs/claude-desktop/mcpb/README.md"]


async def test_docs_tools_lists_every_tool_the_server_offers(tmp_path: Path) -> None:
    async with connected(tmp_path, env={"TASK_MASTER_TOOLS": "all"}) as client:
        names = {t.name for t in (await client.list_tools()).tools} | {"enable_tools"}  # the switcher: default only
    text = (DOCS / "tools.md").read_text(encoding="utf-8")
    by_tool = text.split("## Tool by tool", 1)[1]
    documented = set(re.findall(r"^\| `([a-z_-]+)` \|", by_tool, re.MULTILINE))
    assert names - documented == set(), f"tools missing from docs/tools.md: {sorted(names - documented)}"
    assert documented - names == set(), f"docs/tools.md documents tools that do not exist: {sorted(documented - names)}"


def test_readme_opens_with_the_install_and_test_commands() -> None:
    text = README.read_text(encoding="utf-8")
    blocks = re.findall(r"```sh\n(.*?)\n```", text, re.DOTALL)
    assert "pip install ." in blocks[0] and "taskmaster-mcp" in blocks[0]
    assert "pytest" in blocks[1]
    assert text.index("```sh") < text.index("\n## ")  # both before the first section
    ci = (ROOT / ".ci" / "run").read_text(encoding="utf-8")
    assert "python3 .ci/readme_test_command.py" in ci  # CI runs README's command itself (tests/test_ci_run.py)


def test_readme_is_a_landing_page() -> None:
    text = README.read_text(encoding="utf-8")
    assert len(text.splitlines()) <= 250
    assert "https://github.com/taskmaster-mcp/taskmaster-mcp" in text
    quick = text.split("## Quick start", 1)[1].split("\n## ", 1)[0]
    assert re.search(r"pipx install|uv tool install|export PATH=", quick), "Quick start must put taskmaster-mcp on PATH"
    assert "mcp-sampling" in text  # the no-key option


def test_every_docs_page_is_reachable_from_readme_or_the_index() -> None:
    linked = {(README.parent / t.split("#")[0]).resolve() for t in _links(README)}
    linked |= {(DOCS / t.split("#")[0]).resolve() for t in _links(DOCS / "index.md")}
    orphans = sorted(p.name for p in DOCS.glob("*.md") if p.resolve() not in linked)
    assert orphans == [], f"docs pages linked from neither README nor docs/index.md: {orphans}"


def test_every_relative_link_resolves() -> None:
    broken: list[str] = []
    for page in _pages():
        for target in _links(page):
            path, _, anchor = target.partition("#")
            dest = (page.parent / path).resolve() if path else page
            if not dest.exists():
                broken.append(f"{page.relative_to(ROOT)}: {target}")
            elif anchor and dest.suffix == ".md" and anchor not in _anchors(dest):
                broken.append(f"{page.relative_to(ROOT)}: {target} (no such heading)")
    assert broken == []


def test_a_broken_link_is_noticed(tmp_path: Path) -> None:
    (tmp_path / "a.md").write_text("# A b, c\n\n[ok](#a-b-c) [gone](missing.md) `[code](x.md)`\n", encoding="utf-8")
    assert _links(tmp_path / "a.md") == ["#a-b-c", "missing.md"]
    assert _anchors(tmp_path / "a.md") == {"a-b-c"}


def test_the_old_readme_sections_each_have_a_home() -> None:
    """Splitting README into docs/ lost nothing: each of its former sections is a heading somewhere."""
    headings = {h for page in _pages() for h in re.findall(r"^#{1,6} (.+)$", page.read_text(encoding="utf-8"), re.M)}
    former = [
        "Quick start",
        "Install",
        "Editor setup",
        "Cursor",
        "Windsurf",
        "Claude Desktop",
        "VS Code",
        "Claude Code",
        "Zed",
        "API keys",
        "Tool by tool",
        "Autopilot (TDD workflow)",
        "Tool profiles",
        "Models working together",
        "Project root",
        "Resources and prompts",
        "Sharing one project over HTTP",
        "Teams: merging tasks.json in git",
        "Dashboard",
        "Every command",
        "Routing",
        "Switching from Task Master",
        "Development",
        "The wings",
        "Where things go",
        "Plan quality: the code",
        "The scripts",
    ]
    assert [h for h in former if h not in headings] == []
