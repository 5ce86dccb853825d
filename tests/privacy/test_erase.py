"""Erasure: the teacher's personal data and files are gone, cohort statistics are unchanged, and
their credential still verifies."""

from __future__ import annotations

from io import StringIO

from django.core.management import call_command
from django.db.models import Q

from courses.models import Participant
from credentials.models import IssuedCredential
from dashboards.queries import cohort_view
from exchange.models import Post, Report, Response
from keys.services import verify_own_jwt
from mastery.models import Attempt, EvidenceSubmission, GradeRecord, SavedAnswer
from privacy.models import AuditEntry

from .conftest import MAYA_EMAIL, MAYA_REFLECTION

CHANGELIST = "/admin/courses/participant/"


def _database(*exclude: str) -> str:
    out = StringIO()
    call_command("dumpdata", *[f"--exclude={model}" for model in exclude], stdout=out)
    return out.getvalue()


# An issued credential is kept exactly as signed (its JWT, and the same document unsigned for
# its verification page): changing a word would break the signature its holder relies on.
SIGNED = "credentials.IssuedCredential"


def _statistics(cohort_id: int):
    view = cohort_view(cohort_id=cohort_id)
    analysis = {
        pid: [(s.question["id"], s.asked, s.correct, s.unanswered, s.choices) for s in stats]
        for pid, stats in view.item_analysis.items()
    }
    return view.distribution, view.states, analysis


def _erase(participant_id: int, *flags: str) -> str:
    out = StringIO()
    call_command("privacy", "erase", "--participant", str(participant_id), *flags, stdout=out)
    return out.getvalue()


MAYA_TRACES = ("Alvarez", MAYA_EMAIL, "maya-lms-7731", "Mr Jensen", "exit tickets", "on paper")


def test_erasure_removes_the_teacher_and_keeps_the_cohort_statistics(
    world, credential, django_capture_on_commit_callbacks
):
    cohort_id = world.placement.cohort_id
    before = _statistics(cohort_id)
    assert sum(n for _, n in before[0]) == 2 and any(before[2].values())
    database = _database()
    assert all(trace in database for trace in MAYA_TRACES)
    storage = EvidenceSubmission._meta.get_field("file").storage
    file_name = world.evidence.file.name
    assert storage.exists(file_name)

    with django_capture_on_commit_callbacks(execute=True):  # files go after the commit
        report = _erase(world.maya.pk)

    assert "Erased the personal data of participant" in report
    database = _database(SIGNED)
    assert [t for t in MAYA_TRACES if t in database] == []
    # The credential names its earner by a salted hash only: no name, email or LMS id.
    signed = str(IssuedCredential.objects.get(pk=credential.pk).credential)
    assert not any(t in signed for t in ("Alvarez", MAYA_EMAIL, "maya-lms-7731"))
    assert not storage.exists(file_name)
    assert SavedAnswer.objects.count() == 0
    assert _statistics(cohort_id) == before
    maya = Participant.objects.get(pk=world.maya.pk)
    assert (maya.name, maya.email, hasattr(maya, "lti_user")) == ("", "", False)
    # Attempts and their credits stay, attached to the anonymous participant.
    assert Attempt.objects.filter(participant=maya, credits__isnull=False).exists()
    # The credential still verifies for its holder: its JWT and status entry are kept.
    kept = IssuedCredential.objects.get(pk=credential.pk)
    assert (kept.jwt, kept.status_index) == (credential.jwt, credential.status_index)
    assert verify_own_jwt(kept.jwt, require=["iss"])
    # Sam is untouched.
    assert Participant.objects.get(pk=world.sam.pk).name == "Sam Okafor"
    entry = AuditEntry.objects.get(action="data_erased")
    assert entry.object_id == str(world.maya.pk) and entry.details["evidence files"] == 1


def test_a_dry_run_says_what_would_go_and_changes_nothing(world):
    database = _database()
    report = _erase(world.maya.pk, "--dry-run")
    assert "Would erase" in report and "evidence files: 1" in report
    assert _database() == database


def test_erasing_a_trainer_takes_their_name_out_of_comments_on_others(world):
    assert GradeRecord.objects.filter(comment__contains="Priya Raman").exists()
    _erase(world.priya.pk)
    assert "Priya" not in _database(SIGNED)
    # The evidence they reviewed keeps its review, by an anonymous reviewer.
    assert EvidenceSubmission.objects.get(pk=world.evidence.pk).reviewer_id == world.priya.pk


def test_the_admin_action_asks_first_then_erases(world, admin_client):
    data = {"action": "erase_data", "_selected_action": [world.maya.pk], "index": 0}
    confirm = admin_client.post(CHANGELIST, data)
    assert confirm.status_code == 200 and "Yes, erase" in confirm.content.decode()
    assert Participant.objects.get(pk=world.maya.pk).email == MAYA_EMAIL
    done = admin_client.post(
        CHANGELIST,
        {"action": "erase_data", "_selected_action": [world.maya.pk], "confirm": "yes"},
    )
    assert done.status_code == 302
    assert Participant.objects.get(pk=world.maya.pk).email == ""
    assert MAYA_REFLECTION not in _database()


def test_erasure_takes_the_shared_practice_and_its_files(world, django_capture_on_commit_callbacks):
    post = Post.objects.get(author=world.maya)
    storage = post.file.storage
    name = post.file.name
    assert storage.exists(name) and Response.objects.filter(author=world.maya).exists()
    with django_capture_on_commit_callbacks(execute=True):
        _erase(world.maya.pk)
    post.refresh_from_db()
    assert (post.status, post.title, post.tried, post.file.name) == ("withdrawn", "", "", "")
    assert not storage.exists(name)
    assert not Response.objects.filter(Q(author=world.maya) | Q(post=post)).exists()
    assert not Report.objects.filter(Q(reporter=world.maya) | Q(post=post)).exists()
    # Sam's post stays, with Sam's own report gone only where it was about Maya's post.
    sam_post = Post.objects.get(author=world.sam)
    assert sam_post.status == "shared" and sam_post.tried == "t"
    assert Report.objects.filter(reporter=world.sam).count() == 0
