"""Reading structured answers as real models write them (models/answers.py, models/normalise.py): the balanced scan,
the mends and their notes, what is left for the re-ask; and the same reading on the native Anthropic path and the
CLI agents (claude-code #1174, gemini-cli #750)."""

from __future__ import annotations

import json
from importlib.util import find_spec
from pathlib import Path
from typing import Annotated, Literal

import pytest
from pydantic import BaseModel, Field

from cli_agents import install
from provider_server import MESSAGES, ProviderServer, Reply, write_config
from taskmaster_mcp.ai.context import summarize
from taskmaster_mcp.ai.prompts.expand import ComplexityAnswer, SubtaskPlan
from taskmaster_mcp.ai.prompts.plan import TaskPlan
from taskmaster_mcp.models.answers import Invalid, first_json, read_answer
from taskmaster_mcp.models.router import ModelRouter, Usage
from taskmaster_mcp.store.paths import Paths


class Step(BaseModel):
    id: Annotated[int, Field(ge=1)]
    title: Annotated[str, Field(min_length=3)]
    status: Literal["pending", "in-progress", "done"] = "pending"
    note: str = ""
    dependencies: list[int] = []


class Steps(BaseModel):
    steps: Annotated[list[Step], Field(min_length=1)]
    confidence: Annotated[float | None, Field(ge=0, le=1)] = None


def steps(**first: object) -> str:
    return json.dumps({"steps": [{"id": 1, "title": "Write the parser", **first}]})


def test_the_answer_is_the_first_value_that_validates_not_first_brace_to_last_brace() -> None:
    text = (
        '<think>\nThey want {"steps": []}? No: {"steps": [{"id": 0}]} is wrong. }{\n</think>\n'
        "I'll write it {carefully}:\n```json\n" + steps(title='Use {braces} and "quotes" }') + "\n```\n"
        'Example of a step: {"id": 2, "title": "Other"}. Hope {this} helps.'
    )
    answer = read_answer(Steps, text)
    assert answer.value.steps[0].title == 'Use {braces} and "quotes" }' and answer.notes == ()


def test_a_closing_think_tag_without_its_opening_hides_the_reasoning_before_it() -> None:
    text = 'First {"steps": [{"id": 7, "title": "Reasoning draft"}]}\n</think>\n' + steps()
    assert read_answer(Steps, text).value.steps[0].id == 1


def test_trailing_commas_and_raw_newlines_in_strings_are_read_and_a_comma_inside_a_string_is_kept() -> None:
    text = '{"steps": [{"id": 1, "title": "Keep ,] this\nline", "dependencies": [],},],}'
    assert read_answer(Steps, text).value.steps[0].title == "Keep ,] this\nline"


def test_comments_in_the_json_are_skipped_but_slashes_in_strings_kept() -> None:
    text = '{"steps": [ // the steps {x}\n {"id": 1, /* first */ "title": "See http://x.org/*"}]}'
    assert read_answer(Steps, text).value.steps[0].title == "See http://x.org/*"


def test_a_wrapper_object_and_a_bare_list_are_read() -> None:
    assert read_answer(Steps, '{"result": ' + steps() + "}").value.steps[0].id == 1
    answer = read_answer(Steps, '[{"id": 1, "title": "Bare list"}]')
    assert answer.value.steps[0].title == "Bare list" and "bare list" in answer.notes[0]


def test_benign_deviations_are_mended_and_each_is_noted() -> None:
    text = json.dumps(
        {
            "steps": [
                {"id": "task 1", "Title": "First step", "status": "In Progress", "note": None, "extra": 1},
                {"id": "2", "title": "Second step", "status": "DONE", "dependencies": "task 1"},
                {"id": "#3", "title": "Third step", "dependencies": ["1", "step 2"]},
            ],
            "confidence": "85%",
        }
    )
    answer = read_answer(Steps, text)
    assert [s.model_dump() for s in answer.value.steps] == [
        {"id": 1, "title": "First step", "status": "in-progress", "note": "", "dependencies": []},
        {"id": 2, "title": "Second step", "status": "done", "note": "", "dependencies": [1]},
        {"id": 3, "title": "Third step", "status": "pending", "note": "", "dependencies": [1, 2]},
    ]
    assert answer.value.confidence == 0.85
    notes = "\n".join(answer.notes)
    for expected in (
        "steps[].id: 'task 1' read as 1 (and 2 more like it)",
        "steps[].Title: key read as title",
        "steps[].status: 'In Progress' read as 'in-progress'",
        "steps[].note: null left out",
        "steps[].extra: unknown key dropped",
        "steps[].dependencies: 'task 1' read as [1]",
        "steps[].dependencies[]: '1' read as 1 (and 1 more like it)",
        "confidence: '85%' read as 85",
        "confidence: 85 read as 0.85",
    ):
        assert expected in notes


def test_a_number_where_text_is_wanted_is_read_as_its_text() -> None:
    answer = read_answer(Steps, '{"steps": [{"id": 1, "title": 2024, "note": 1.5}]}')
    assert (answer.value.steps[0].title, answer.value.steps[0].note) == ("2024", "1.5")
    assert "steps[].title: 2024 read as text" in answer.notes


def test_mends_of_one_kind_at_one_place_are_noted_once_with_a_count() -> None:
    text = json.dumps({"steps": [{"id": str(n), "title": f"Step {n}"} for n in range(1, 4)]})
    assert read_answer(Steps, text).notes == ("steps[].id: '1' read as 1 (and 2 more like it)",)
    extra = json.dumps({"steps": [{"id": n, "title": f"Step {n}", "x": 1} for n in range(1, 4)]})
    assert read_answer(Steps, extra).notes == ("steps[].x: unknown key dropped (x3)",)


def test_advisory_numbers_never_fail_an_answer() -> None:
    assert read_answer(Steps, '{"steps": [{"id": 1, "title": "One"}], "confidence": 850}').value.confidence is None
    assert read_answer(Steps, '{"steps": [{"id": 1, "title": "One"}], "confidence": -2}').value.confidence is None
    score = {"taskId": 1, "complexityScore": 14, "recommendedSubtasks": -1, "expansionPrompt": "", "reasoning": ""}
    answer = read_answer(ComplexityAnswer, json.dumps({"tasks": [score], "confidence": 80}))
    assert (answer.value.tasks[0].complexityScore, answer.value.tasks[0].recommendedSubtasks) == (10, 0)
    assert answer.value.confidence == 0.8
    assert "tasks[].complexityScore: 14 clamped to 10" in answer.notes


@pytest.mark.parametrize(
    ("text", "error"),
    [
        ('{"steps": [{"id": 1}]}', "steps.0.title"),  # a missing required field
        ('{"steps": [{"id": 0, "title": "Zero"}]}', "steps.0.id"),  # a bound that matters (ids start at 1)
        ('{"steps": [{"id": 1, "title": "One", "status": "blocked"}]}', "steps.0.status"),  # no such enum value
        ('{"steps": [{"id": "first", "title": "One"}]}', "steps.0.id"),  # not a number
        ('{"steps": [{"id": 1, "title": null}]}', "steps.0.title"),  # null for text that may not be empty
        ('{"steps": [{"id": 1, "title": "Cut off', "Invalid JSON"),  # truncated at max_tokens
        ("I could not produce a plan.", "Invalid JSON"),
    ],
)
def test_real_errors_are_left_for_the_re_ask(text: str, error: str) -> None:
    with pytest.raises(Invalid) as raised:
        read_answer(Steps, text)
    shown = "\n".join(f"{'.'.join(str(p) for p in e['loc'])}: {e['msg']}" for e in raised.value.error.errors())
    assert error in shown and raised.value.text == text


def test_the_error_reported_is_the_closest_candidates() -> None:
    text = 'Here: {"note": {"a": 1}} and then {"steps": [{"id": 1}]}'
    with pytest.raises(Invalid) as raised:
        read_answer(Steps, text)
    assert [e["loc"] for e in raised.value.error.errors()] == [("steps", 0, "title")]


def test_an_id_like_text_is_only_read_as_a_number_where_an_id_is_wanted() -> None:
    score = {
        "taskId": "task 4",
        "complexityScore": "score 5",
        "recommendedSubtasks": 2,
        "expansionPrompt": "",
        "reasoning": "",
    }
    with pytest.raises(Invalid) as raised:
        read_answer(ComplexityAnswer, json.dumps({"tasks": [score]}))
    assert [e["loc"] for e in raised.value.error.errors()] == [("tasks", 0, "complexityScore")]


def test_a_long_unbalanced_answer_is_given_up_on_rather_than_scanned_forever() -> None:
    text = "{" * 20_000 + '"x": [' * 20_000
    with pytest.raises(Invalid):
        read_answer(Steps, text)


def test_first_json_skips_reasoning_and_prose() -> None:
    assert first_json('<think>{"a": 0}</think> Sure {ok}: {"a": {"b": 1}} done') == '{"a": {"b": 1}}'
    assert first_json("no json") == "no json"


async def test_an_anthropic_native_answer_with_confidence_80_is_mended_not_re_asked(
    tmp_path: Path, provider_server: ProviderServer
) -> None:
    """Anthropic's structured output moves minimum/maximum into the description: nothing stops confidence: 80."""
    model = "claude-sonnet-4-5-20250929"  # native structured output in the catalogue
    write_config(
        tmp_path,
        {"main": {"provider": "anthropic", "modelId": model, "maxTokens": 2000, "baseURL": provider_server.url}},
        {"cache": {"enabled": False}},
    )
    subtask = {
        "id": 1,
        "title": "Add the parser",
        "description": "Parse.",
        "details": "d",
        "testStrategy": "t",
        "dependencies": [],
    }
    provider_server.script(MESSAGES, Reply(text=json.dumps({"subtasks": [subtask], "confidence": 80})))
    router = ModelRouter(Paths(tmp_path), {"ANTHROPIC_API_KEY": "sk-ant-test"}, data_dir=tmp_path / "data")
    try:
        value, usage = await router.generate_object(
            command="expand_task", role="main", system="Split.", prompt="Task 1", schema=SubtaskPlan
        )
    finally:
        await router.aclose()
    [request] = provider_server.seen(MESSAGES)
    assert "output_config" in request.body
    assert value.confidence == 0.8 and usage.normalised == [
        "confidence: 80 read as 0.8 (a 0-100 scale where 0-1 was asked for)"
    ]


PLAN = {
    "tasks": [{"id": 1, "title": "Set up", "description": "d", "details": "x", "testStrategy": "t", "priority": "High"}]
}


@pytest.mark.parametrize(
    ("provider", "cli", "model"),
    [
        pytest.param(
            "claude-code",
            "claude",
            "sonnet",
            marks=pytest.mark.skipif(find_spec("claude_agent_sdk") is None, reason="the claude-code extra is missing"),
        ),
        ("gemini-cli", "gemini", "gemini-2.5-pro"),
        ("codex-cli", "codex", "gpt-5.2"),
    ],
)
async def test_cli_agents_answers_are_read_the_same_way(tmp_path: Path, provider: str, cli: str, model: str) -> None:
    """Fenced JSON after a preamble (Task Master #1174 claude-code, #750 Gemini) from a CLI agent."""
    text = "I'll turn the PRD {as asked} into tasks:\n```json\n" + json.dumps(PLAN, indent=2) + "\n```\nDone."
    bin_dir = install(tmp_path, cli, text=text)
    home = tmp_path / "home"
    home.mkdir()
    write_config(tmp_path, {"main": {"provider": provider, "modelId": model}}, {"cache": {"enabled": False}})
    router = ModelRouter(Paths(tmp_path), {"PATH": str(bin_dir), "HOME": str(home)}, data_dir=tmp_path / "data")
    try:
        value, usage = await router.generate_object(
            command="parse_prd", role="main", system="Plan.", prompt="PRD", schema=TaskPlan
        )
    finally:
        await router.aclose()
    assert value.tasks[0].priority == "high" and usage.provider == provider
    assert usage.normalised == ["tasks[].priority: 'High' read as 'high'"]


def test_the_usage_block_shows_each_mend_once_and_at_most_ten_lines() -> None:
    calls = [
        Usage(role="main", provider="ollama", model="m", normalised=[f"tasks[].x{n}: unknown key dropped" for n in r])
        for r in (range(0, 8), range(4, 15))
    ]
    shown = summarize(calls).normalised or []
    assert len(shown) == 10 and shown[0] == "tasks[].x0: unknown key dropped" and shown[-1] == "and 6 more mends"
    assert summarize(calls[:1]).normalised == calls[0].normalised
    assert summarize([Usage(role="main", provider="ollama", model="m")]).normalised is None
