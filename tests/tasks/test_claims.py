"""Claims with leases: one item per agent at a time, renewed on asking again, freed by done or by an expired lease."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from rules_helpers import doc_of, get, sub, task
from taskmaster_mcp.errors import InvalidInput
from taskmaster_mcp.tasks import claims, edits
from taskmaster_mcp.tasks.model import Ref

NOW = datetime(2026, 12, 7, 21, 0, tzinfo=UTC)


def claim(doc, agent: str, now: datetime = NOW, lease: float = 30):  # type: ignore[no-untyped-def]
    found = claims.claim_next(doc, "master", agent, lease, now)
    if found is None:
        return None, None
    return (f"{found.task['id']}.{found.sub['id']}" if found.sub else str(found.task["id"])), found


def test_two_agents_get_two_different_ready_items_and_each_is_in_progress_with_its_claim() -> None:
    doc = doc_of(task(1), task(2), task(3, deps_=[1]))
    (first, _), (second, _) = claim(doc, "a"), claim(doc, "b")
    assert (first, second) == ("1", "2")
    assert get(doc, "1")["status"] == get(doc, "2")["status"] == "in-progress"
    assert get(doc, "1")["metadata"] == {
        "taskmasterMcp": {
            "claim": {"agent": "a", "claimedAt": "2026-12-07T21:00:00.000Z", "until": "2026-12-07T21:30:00.000Z"}
        }
    }
    assert claim(doc, "c")[0] is None  # 3 waits for 1: nothing else is ready


def test_the_same_agent_asking_again_gets_its_own_item_back_with_the_lease_renewed() -> None:
    doc = doc_of(task(1), task(2))
    claim(doc, "a")
    again, found = claim(doc, "a", NOW + timedelta(minutes=10))
    assert again == "1" and found is not None and found.renewed
    assert claims.claim_of(get(doc, "1")) == claims.Claim("a", "2026-12-07T21:00:00.000Z", "2026-12-07T21:40:00.000Z")


def test_done_cancelled_or_deferred_release_the_claim_and_leave_no_empty_metadata() -> None:
    for status in ("done", "cancelled", "deferred"):
        doc = doc_of(task(1), task(2))
        claim(doc, "a")
        edits.set_status(doc, "master", [Ref("1")], status)
        assert "metadata" not in get(doc, "1")
        assert claim(doc, "a")[0] == "2"  # free to take the next one


def test_a_release_keeps_the_users_own_metadata() -> None:
    doc = doc_of(task(1, metadata={"owner": "sam"}))
    claim(doc, "a")
    assert claims.release(get(doc, "1")) is True and get(doc, "1")["metadata"] == {"owner": "sam"}
    assert claims.release(get(doc, "1")) is False


def test_an_expired_lease_frees_the_item_which_keeps_its_status_and_says_whose_lease_expired() -> None:
    doc = doc_of(task(1), task(2, deps_=[1]))
    claim(doc, "a", lease=5)
    assert claim(doc, "b")[0] is None  # 1 is held, 2 waits for 1
    later = NOW + timedelta(minutes=6)
    taken, found = claim(doc, "b", later)
    assert taken == "1" and found is not None and found.took_over is not None and found.took_over.agent == "a"
    assert get(doc, "1")["status"] == "in-progress"
    assert claims.claim_of(get(doc, "1")).agent == "b"  # type: ignore[union-attr]


def test_a_claimed_task_holds_its_subtasks_and_a_claimed_subtask_holds_its_parent() -> None:
    doc = doc_of(task(1, "in-progress", subs=[sub(1), sub(2)]), task(2))
    assert claim(doc, "a")[0] == "1.1"
    assert claim(doc, "b")[0] == "1.2"  # siblings are separate items
    assert claim(doc, "c")[0] == "2"  # task 1 itself is held by its claimed subtasks
    whole = doc_of(task(5), task(6, deps_=[5]))
    claim(whole, "a")
    assert claim(whole, "b")[0] is None


def test_claiming_a_subtask_starts_its_parent_as_any_status_change_does() -> None:
    doc = doc_of(task(1, "in-progress", subs=[sub(1)]), task(2, subs=[sub(1)]))
    claim(doc, "a")
    assert get(doc, "1.1")["status"] == "in-progress" and get(doc, "1")["status"] == "in-progress"


@pytest.mark.parametrize("agent", ["", "   ", "x" * 65, "bad\nname"])
def test_an_agent_name_must_be_short_and_printable(agent: str) -> None:
    with pytest.raises(InvalidInput, match="agent"):
        claims.check_agent(agent)


@pytest.mark.parametrize("lease", [0, -1, 24 * 60 + 1])
def test_a_lease_must_be_positive_and_at_most_a_day(lease: float) -> None:
    with pytest.raises(InvalidInput, match="leaseMinutes"):
        claims.check_lease(lease)


def test_an_unreadable_lease_counts_as_expired() -> None:
    doc = doc_of(task(1, metadata={"taskmasterMcp": {"claim": {"agent": "a", "until": "soon"}}}))
    assert claims.live_claims(doc.index("master"), NOW) == {}
    assert claim(doc, "b")[0] == "1"


def test_done_on_a_claimed_item_reports_it_changed_once() -> None:
    doc = doc_of(task(1), task(2))
    claim(doc, "a")
    assert edits.set_status(doc, "master", [Ref("1")], "done") == ["1"]


def test_a_task_set_done_ends_the_claims_on_its_open_subtasks() -> None:
    doc = doc_of(task(1, "in-progress", subs=[sub(1), sub(2)]))
    claim(doc, "a")
    edits.set_status(doc, "master", [Ref("1")], "done")
    assert "metadata" not in get(doc, "1.1") and claims.live_claims(doc.index("master"), NOW) == {}
