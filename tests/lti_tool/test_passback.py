"""Grade passback through AGS against a real HTTP endpoint on loopback, with injected faults."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.core.management import call_command
from django.test import override_settings
from django.utils import timezone

from courses.models import Membership
from lti_tool.management.commands.grades import grades_sweep
from lti_tool.models import LtiLineItem, LtiResourceLink
from lti_tool.passback import (
    CANVAS_SUBMISSION,
    deliveries_forget,
    grades_drain,
    is_canvas,
    score_payload,
)
from lti_tool.services_http import SCOPE_SCORE, PlatformClient
from mastery import grades
from mastery.models import GradeRecord
from tests.conftest import LTI

pytestmark = pytest.mark.django_db
AGS = "https://purl.imsglobal.org/spec/lti-ags/claim/endpoint"


@pytest.fixture
def launched(lti, ags):
    """Two teachers launched the same graded link; returns a function writing a score."""

    def launch(sub, name):
        lti.launch(sub=sub, name=name, **{AGS: {"scope": [], "lineitems": f"{ags.url}/lineitems"}})
        return Membership.objects.get(participant__lti_user__sub=sub)

    members = [launch("u-1", "Maya"), launch("u-2", "Jordan")]
    placement = LtiResourceLink.objects.get().placement

    def score(member_index: int, value: float, **kw):
        member = members[member_index]
        return grades.grade_record_create(
            participant=member.participant,
            placement=placement,
            score_given=value,
            score_maximum=10,
            **kw,
        )

    return score


def make_due():
    GradeRecord.objects.filter(status=GradeRecord.Status.PENDING).update(
        next_attempt_at=timezone.now()
    )


def statuses():
    return sorted(GradeRecord.objects.values_list("status", flat=True))


def test_score_reaches_the_gradebook_with_the_ags_fields(launched, ags):
    launched(0, 8, comment="Strong work on station design.")
    assert grades_drain() == {"delivered": 1}
    ((key, score),) = ags.scores.items()
    assert key[1] == "u-1"
    assert key[0].endswith("?type=assignment")  # the line item's query string was kept
    assert score["scoreGiven"] == 8 and score["scoreMaximum"] == 10
    assert score["activityProgress"] == "Completed" and score["gradingProgress"] == "FullyGraded"
    assert score["comment"] == "Strong work on station design."
    assert "+00:00" in score["timestamp"]
    (item,) = ags.line_items.values()
    assert (
        item["scoreMaximum"] == 10
        and item["resourceLinkId"] == "link-1"
        and item["tag"] == "mastery"
    )


def test_one_line_item_and_one_token_for_many_scores(launched, ags):
    for i in range(6):
        launched(i % 2, i)
    grades_drain()
    make_due()
    launched(0, 9)
    grades_drain()
    assert len(ags.line_items) == 1
    assert LtiLineItem.objects.count() == 1
    assert ags.token_requests == 1
    assert {u: s["scoreGiven"] for (_, u), s in ags.scores.items()} == {"u-1": 9, "u-2": 5}


def test_lms_down_then_back_loses_nothing(launched, ags):
    for _ in range(3):
        ags.faults["scores"].extend(["drop", (503, None)])  # connection drops and 503s
    launched(0, 7)
    launched(1, 6)
    for _ in range(3):
        assert grades_drain() == {"pending": 2}
        make_due()
    assert ags.scores == {}
    assert grades_drain() == {"delivered": 2}
    assert {u: s["scoreGiven"] for (_, u), s in ags.scores.items()} == {"u-1": 7, "u-2": 6}
    record = GradeRecord.objects.get(participant__lti_user__sub="u-1")
    assert record.attempts == 4 and record.last_error == ""


@override_settings(IGNITE_HTTP_TIMEOUT=0.3)
def test_slow_lms_times_out_and_is_retried(launched, ags):
    launched(0, 7)
    ags.delay = 1.0
    assert grades_drain() == {"pending": 1}
    assert "Timeout" in GradeRecord.objects.get().last_error
    ags.delay = 0
    make_due()
    assert grades_drain() == {"delivered": 1}


def test_expired_token_gets_one_fresh_token_and_the_score_goes_through(launched, ags):
    launched(0, 7)
    grades_drain()
    ags.expire_all_tokens()
    make_due()
    launched(1, 4)
    assert grades_drain() == {"delivered": 1}
    assert ags.token_requests == 2
    assert ags.auth_failures == 1


def test_429_with_retry_after_is_honoured(launched, ags):
    launched(0, 7)
    grades_drain()  # line item and token in place
    ags.faults["scores"].append((429, 120))
    launched(1, 3)
    before = timezone.now()
    assert grades_drain() == {"pending": 1}
    record = GradeRecord.objects.get(status=GradeRecord.Status.PENDING)
    assert record.next_attempt_at >= before + timedelta(seconds=119)
    assert "429" in record.last_error
    assert grades_drain() == {}  # not due yet: no hammering
    make_due()
    deliveries_forget()  # and the worker's own pause for this platform has passed too
    assert grades_drain() == {"delivered": 1}


def test_permanent_refusal_is_recorded_with_the_platform_message_and_can_be_retried(
    launched, ags, capsys
):
    launched(0, 7)
    ags.faults["lineitems"].append((400, None))
    assert grades_drain() == {"failed": 1}
    record = GradeRecord.objects.get()
    assert record.status == GradeRecord.Status.FAILED
    assert "HTTP 400" in record.last_error and "injected 400" in record.last_error
    call_command("grades", "status")
    assert "failed #" in capsys.readouterr().out
    call_command("grades", "retry", "--all")
    assert grades_drain() == {"delivered": 1}


def test_newer_score_is_never_overwritten_by_an_older_one(launched, ags):
    launched(0, 9)
    grades_drain()
    ags.faults["scores"].append((503, None))
    launched(0, 4)  # a later, lower attempt counts under "latest"
    grades_drain()  # fails transiently
    launched(0, 6)  # and a newer one arrives before the retry
    make_due()
    grades_drain()
    assert [s["scoreGiven"] for s in ags.score_posts] == [9, 6]
    assert statuses() == ["delivered", "delivered", "superseded"]


def test_worker_killed_mid_delivery_is_recovered_after_the_lease(launched, ags):
    record = launched(0, 8)
    grades.grade_claim(record_id=record.pk)  # a worker claimed it, then died
    assert grades_drain() == {}
    GradeRecord.objects.filter(pk=record.pk).update(
        lease_until=timezone.now() - timedelta(seconds=1)
    )
    assert grades_drain() == {"delivered": 1}
    assert ags.scores[next(iter(ags.scores))]["scoreGiven"] == 8


def test_worker_killed_after_sending_resends_the_same_score_harmlessly(launched, ags):
    record = launched(0, 8)
    grades_drain()
    # The LMS got it, but the worker died before recording that: the row is sent again.
    GradeRecord.objects.filter(pk=record.pk).update(
        status=GradeRecord.Status.PENDING, next_attempt_at=timezone.now()
    )
    grades_drain()
    assert len(ags.score_posts) == 2
    assert ags.score_posts[0] == ags.score_posts[1]  # same value, same timestamp: nothing lower
    assert list(ags.scores.values())[0]["scoreGiven"] == 8


def test_link_without_gradebook_is_marked_not_lost(lti, platform):
    lti.launch()
    placement = LtiResourceLink.objects.get().placement
    participant = Membership.objects.get().participant
    grades.grade_record_create(
        participant=participant, placement=placement, score_given=5, score_maximum=10
    )
    assert grades_drain() == {"no_gradebook": 1}


def test_pending_manual_without_score(launched, ags):
    launched(0, None, activity_progress="Submitted", grading_progress="PendingManual")
    grades_drain()
    (score,) = ags.scores.values()
    assert "scoreGiven" not in score and score["gradingProgress"] == "PendingManual"


def test_revision_pending_then_acceptance_reach_the_lms_in_order(launched, ags):
    """A revision request goes as Pending with no scoreGiven (not a grade); the acceptance
    after it goes as FullyGraded with a newer timestamp, which the LMS keeps."""
    launched(0, None, activity_progress="Submitted", grading_progress="Pending", comment="Revise")
    grades_drain()
    (pending,) = ags.scores.values()
    assert "scoreGiven" not in pending and "scoreMaximum" not in pending
    assert (pending["gradingProgress"], pending["comment"]) == ("Pending", "Revise")
    launched(0, 9, activity_progress="Completed", grading_progress="FullyGraded")
    make_due()
    grades_drain()
    (final,) = ags.scores.values()
    assert final["gradingProgress"] == "FullyGraded" and final["scoreGiven"] == 9
    assert final["timestamp"] > pending["timestamp"]


def test_claim_line_item_is_used_when_the_launch_has_one(lti, ags, platform):
    item_id = f"{ags.url}/lineitems/preset?type=assignment"
    ags.line_items[item_id] = {"id": item_id, "scoreMaximum": 10, "label": "Preset"}
    lti.launch(
        **{
            AGS: {"scope": [], "lineitem": item_id, "lineitems": f"{ags.url}/lineitems"},
            LTI + "roles": ["Learner"],
        }
    )
    placement = LtiResourceLink.objects.get().placement
    participant = Membership.objects.get().participant
    grades.grade_record_create(
        participant=participant, placement=placement, score_given=5, score_maximum=10
    )
    assert grades_drain() == {"delivered": 1}
    assert list(ags.scores)[0][0] == item_id
    assert len(ags.line_items) == 1


@pytest.mark.django_db(transaction=True)
def test_workers_missing_the_token_together_make_one_token_request(ags, platform):
    """Four workers start at once with no cached token: the platform sees one request."""

    from tests.concurrency import at_once

    tokens = at_once(lambda: PlatformClient(platform).access_token((SCOPE_SCORE,)))
    assert len(set(tokens)) == 1 and ags.token_requests == 1


def test_canvas_gets_its_submission_extension_and_others_do_not():
    from types import SimpleNamespace

    from django.utils import timezone

    record = SimpleNamespace(
        activity_progress="Completed",
        grading_progress="FullyGraded",
        timestamp=timezone.now(),
        score_given=None,
        score_maximum=100,
        comment="",
    )
    assert is_canvas(SimpleNamespace(issuer="https://canvas.instructure.com"))
    assert is_canvas(SimpleNamespace(issuer="https://district.instructure.com"))
    assert not is_canvas(SimpleNamespace(issuer="https://evilinstructure.com"))
    assert not is_canvas(SimpleNamespace(issuer="https://schoology.schoology.com"))
    extension = score_payload(record, "u1", canvas=True)[CANVAS_SUBMISSION]
    assert extension["new_submission"] is True and extension["submitted_at"]
    assert CANVAS_SUBMISSION not in score_payload(record, "u1")


def test_the_worker_sweep_queues_a_delivery_only_when_a_score_is_due(launched, ags):
    """A task lost with a killed worker must not leave scores waiting: the sweep finds them."""
    from django_tasks_db.models import DBTaskResult

    before = DBTaskResult.objects.count()
    record = launched(0, 7)
    GradeRecord.objects.filter(pk=record.pk).update(
        next_attempt_at=timezone.now() + timedelta(minutes=5)
    )
    assert grades_sweep() is False
    GradeRecord.objects.filter(pk=record.pk).update(next_attempt_at=timezone.now())
    queued = DBTaskResult.objects.count()
    assert grades_sweep() is True
    assert DBTaskResult.objects.count() == queued + 1 >= before
