"""Program leads: named by an admin (command or Django admin), never by LTI roles; the lead's
way in from any launch (`data-testid="program-view"`)."""

from __future__ import annotations

from io import StringIO

import pytest
from django.core.management import CommandError, call_command

from courses.models import Participant
from privacy.holdings import participant_holdings
from privacy.services import participant_erase
from reporting.leads import lead_rows_of
from reporting.models import ProgramLead

from .conftest import ADMIN, INSTRUCTOR, launch

pytestmark = pytest.mark.django_db


def _cmd(*args) -> str:
    out = StringIO()
    call_command("program_leads", *args, stdout=out)
    return out.getvalue()


def test_add_list_remove(platform, demo_pack):
    assert "leads demo-program" in _cmd(
        "add", "--platform", str(platform.pk), "--email", " Dana@District.Example ",
        "--program", "demo-program",
    )  # fmt: skip
    lead = ProgramLead.objects.get()
    assert (lead.platform_id, lead.email, lead.sub) == (platform.pk, "dana@district.example", "")
    # By name or issuer too, and by sub.
    _cmd("add", "--platform", platform.name, "--sub", "lms-42", "--program", "demo-program")
    listing = _cmd("list")
    assert "dana@district.example" in listing and "sub lms-42" in listing
    assert "Test Canvas" in listing
    assert "no longer a program lead" in _cmd(
        "remove", "--platform", platform.issuer, "--email", "dana@district.example"
    )
    assert list(ProgramLead.objects.values_list("sub", flat=True)) == ["lms-42"]


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--platform", "nowhere", "--email", "a@b.example", "--program", "demo-program"], "no platform 'nowhere'"),
        (["--platform", "{pk}", "--email", "a@b.example", "--program", "nope"], "no program nope"),
        (["--platform", "{pk}", "--email", "not-an-email", "--program", "demo-program"], "not an email"),
    ],
)  # fmt: skip
def test_add_refuses_clearly(platform, demo_pack, args, message):
    args = [a.replace("{pk}", str(platform.pk)) for a in args]
    with pytest.raises(CommandError, match=message):
        _cmd("add", *args)
    assert not ProgramLead.objects.exists()


def test_email_and_sub_together_is_refused(platform, demo_pack):
    with pytest.raises(CommandError):
        _cmd("add", "--platform", str(platform.pk), "--email", "a@b.example", "--sub", "x",
             "--program", "demo-program")  # fmt: skip


def test_removing_someone_who_is_not_a_lead_says_so(platform, demo_pack):
    with pytest.raises(CommandError, match="is not a lead"):
        _cmd("remove", "--platform", str(platform.pk), "--sub", "ghost")


def test_lti_roles_never_make_a_lead(lti, demo_pack):
    boss = launch(lti, sub="boss", email="boss@district.example", roles=[INSTRUCTOR, ADMIN])
    page = boss.get("/app/trainer/").content.decode()
    assert 'data-testid="program-view"' not in page
    assert boss.get("/app/program/").status_code == 403


def test_a_named_lead_finds_the_program_view_on_my_modules_and_the_dashboard(
    lti, demo_pack, name_lead
):
    name_lead(email="dana@district.example")
    teacher_launch = launch(lti, sub="dana", email="DANA@district.example")
    mine = teacher_launch.get("/app/modules/")
    assert mine.status_code == 200
    assert 'data-testid="program-view"' in mine.content.decode()
    trainer_launch = launch(lti, sub="dana", email="dana@district.example", roles=[INSTRUCTOR])
    page = trainer_launch.get("/app/trainer/").content.decode()
    assert 'data-testid="program-view"' in page
    assert trainer_launch.get("/app/program/").status_code == 302  # one program: its view


def test_lead_by_sub(lti, demo_pack, name_lead):
    name_lead(sub="lms-7")
    assert launch(lti, sub="lms-7", email="").get("/app/program/demo-program/").status_code == 200
    assert launch(lti, sub="lms-8", email="").get("/app/program/demo-program/").status_code == 403


def test_own_window_opens_the_program_view_bound_to_that_window(lti, demo_pack, name_lead):
    from django.test import Client

    name_lead(sub="lms-7")
    lead = launch(lti, sub="lms-7", email="", roles=[INSTRUCTOR])
    page = lead.get("/app/program/demo-program/")
    window = page.context["window_url"]
    fresh = Client()  # a new top-level window: none of the frame's cookies
    opened = fresh.get(window)
    assert opened.status_code == 303
    assert fresh.get(opened["Location"]).status_code == 200
    assert Client().get(window).status_code == 400  # the code works once


def test_privacy_export_shows_and_erasure_deletes_the_lead_entry(lti, demo_pack, name_lead):
    name_lead(sub="lms-7")
    name_lead(email="dana@district.example")
    launch(lti, sub="lms-7", email="dana@district.example", school="Lincoln")
    person = Participant.objects.get(lti_user__sub="lms-7")
    sections = {s.key: s for s in participant_holdings(participant=person)}
    assert sorted((r["email"], r["lms_user_id"]) for r in sections["program_lead"].rows) == [
        ("", "lms-7"), ("dana@district.example", ""),
    ]  # fmt: skip
    assert sections["participant"].rows[0]["school"] == "Lincoln"
    report = participant_erase(participant=person)
    assert report.counts["program lead entries"] == 2
    assert not ProgramLead.objects.exists()
    person.refresh_from_db()
    assert person.school == ""


@pytest.mark.parametrize("blank", ["", "   "])
def test_a_blank_email_never_matches_a_lead_named_by_sub(lti, demo_pack, name_lead, blank):
    # A sub-named lead's email is "", as a blank email would be once stripped.
    name_lead(sub="lms-7")
    other = launch(lti, sub="lms-8", email=blank)
    assert other.get("/app/program/demo-program/").status_code == 403
    assert 'data-testid="program-view"' not in other.get("/app/modules/").content.decode()
    assert launch(lti, sub="lms-7", email="").get("/app/program/demo-program/").status_code == 200


def test_a_blank_sub_never_matches_a_lead_named_by_email(lti, demo_pack, name_lead):
    from lti_tool.models import LtiUser

    name_lead(email="dana@district.example")
    launch(lti, sub="lms-8", email="")
    LtiUser.objects.filter(sub="lms-8").update(sub="")  # an LMS user id we were never sent
    person = Participant.objects.get(lti_user__sub="")
    assert list(lead_rows_of(person)) == []
    participant_erase(participant=person)
    assert ProgramLead.objects.filter(email="dana@district.example").exists()


def test_export_and_erasure_of_a_blank_email_leave_other_leads_alone(lti, demo_pack, name_lead):
    name_lead(sub="lms-7")
    name_lead(email="dana@district.example")
    launch(lti, sub="lms-7", email="")
    launch(lti, sub="lms-8", email="   ")
    person = Participant.objects.get(lti_user__sub="lms-8")
    sections = {s.key: s for s in participant_holdings(participant=person)}
    assert "program_lead" not in sections or sections["program_lead"].rows == []
    report = participant_erase(participant=person)
    assert report.counts.get("program lead entries", 0) == 0
    assert sorted(ProgramLead.objects.values_list("email", "sub")) == [
        ("", "lms-7"), ("dana@district.example", ""),
    ]  # fmt: skip
    # The lead named by sub still finds exactly their own entry.
    lead = Participant.objects.get(lti_user__sub="lms-7")
    assert [(r.email, r.sub) for r in lead_rows_of(lead)] == [("", "lms-7")]


def test_export_and_erasure_never_reach_a_lead_of_another_platform(
    lti, demo_pack, name_lead, jwks_server, platform_private_key
):
    from tests.courses.conftest import launch_on_another_platform

    # The same LMS user id and email name a lead on this platform; the person is elsewhere.
    name_lead(sub="lms-7")
    name_lead(email="dana@district.example")
    launch_on_another_platform(
        lti.client, jwks_server, platform_private_key, sub="lms-7", name="Dana elsewhere"
    )
    elsewhere = Participant.objects.get(lti_user__sub="lms-7")
    elsewhere.email = "dana@district.example"
    elsewhere.save()
    assert list(lead_rows_of(elsewhere)) == []
    sections = {s.key: s for s in participant_holdings(participant=elsewhere)}
    assert "program_lead" not in sections or sections["program_lead"].rows == []
    participant_erase(participant=elsewhere)
    assert ProgramLead.objects.count() == 2  # this platform's leads are someone else
