"""Plan checks that judge plans (tests/eval/plan_judge.py): realistic bad plans fail exactly the check they were
built to fail; a good plan that names its exclusions passes every check, the keyword ``forbidden`` check too."""

from __future__ import annotations

import json
from pathlib import Path

from evaluation import forbidden_topics
from plan_judge import judge, judged

HERE = Path(__file__).resolve().parent


def test_every_judged_plan_fails_exactly_the_checks_it_was_built_to_fail() -> None:
    found = judged()
    assert {name for name, _, _ in found} >= {
        "todo.good-names-exclusions",
        "todo.scope-creep-reworded",
        "todo.wrong-stack",
        "todo.hollow",
        "todo.reworded-duplicate",
    }
    for name, expected, checks in found:
        assert {c for c, problems in checks.items() if problems} == expected, (name, checks)


def test_a_good_plan_naming_its_exclusions_is_not_flagged_as_forbidden() -> None:
    plan = json.loads((HERE / "plans/todo.good-names-exclusions.json").read_text())
    checklist = json.loads((HERE / "golden/todo-out-of-scope/checklist.json").read_text())
    assert "out of scope" in json.dumps(plan).lower()  # it does name them
    assert forbidden_topics(plan["tasks"], checklist["forbidden"]) == []


def test_the_same_work_stated_as_work_is_scope_creep() -> None:
    plan = json.loads((HERE / "plans/todo.good-names-exclusions.json").read_text())
    plan["tasks"][-1]["details"] = "Add a web interface served by the binary so the list can be edited in a browser."
    assert judge(plan)["scope_creep"]
