"""Each worker process keeps who could be a program lead of each platform (reporting/leads.py):
a page of someone who is no lead asks the database nothing about leads while the copy is warm;
a lead named or removed (command, admin) counts on the next page in this process, and within
IGNITE_PROGRAM_LEAD_CACHE_SECONDS in the others; one platform's leads are never another's."""

from __future__ import annotations

from dataclasses import replace
from io import StringIO

import pytest
from django.core.management import call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext

from courses.models import Program
from reporting import leads
from reporting.models import ProgramLead
from tests.conftest import LtiClient
from tests.courses.conftest import another_platform

from .conftest import launch

pytestmark = pytest.mark.django_db
LINK = 'data-testid="program-view"'


def _count(person, url: str = "/app/modules/") -> int:
    with CaptureQueriesContext(connection) as queries:
        response = person.get(url)
    assert response.status_code == 200, url
    # The database cache culls now and then: not the page's reads.
    return sum(1 for q in queries.captured_queries if "ignite_cache" not in q["sql"])


def _shows_link(person, url: str = "/app/modules/") -> bool:
    return LINK in person.get(url).content.decode()


def _program() -> Program:
    return Program.objects.get(slug="demo-program")


def _leads(*args: str) -> None:
    call_command("program_leads", *args, stdout=StringIO())


def test_my_modules_reads_one_query_fewer_with_the_lead_list_warm(
    lti, demo_pack, name_lead, settings
):
    dana = launch(lti, sub="dana", email="Dana@District.example")
    lee = launch(lti, sub="lms-7", email="")
    # The platform has leads, by email and by LMS user id; Maya is not one.
    name_lead(email="dana@district.example")
    name_lead(sub="lms-7")
    maya = launch(lti, sub="maya", email="maya@district.example")
    settings.IGNITE_PROGRAM_LEAD_CACHE_SECONDS = 0  # as before: ask the database every time
    maya.get("/app/modules/")
    asked = _count(maya)
    settings.IGNITE_PROGRAM_LEAD_CACHE_SECONDS = 60
    maya.get("/app/modules/")  # reads this platform's leads once
    warm = _count(maya)
    assert warm == asked - 1
    assert not _shows_link(maya)
    # Leads themselves are still found, by email and by LMS user id.
    assert _shows_link(dana)
    assert _shows_link(lee)


def test_a_lead_named_by_the_command_shows_on_the_next_page_and_goes_when_removed(
    lti, demo_pack, platform
):
    maya = launch(lti, sub="maya", email="maya@district.example")
    assert not _shows_link(maya)  # the copy is warm: Maya is no lead
    on = ["--platform", str(platform.pk)]
    _leads("add", *on, "--email", "maya@district.example", "--program", "demo-program")
    assert _shows_link(maya)
    assert maya.get("/app/program/demo-program/").status_code == 200
    _leads("remove", *on, "--email", "maya@district.example")
    assert not _shows_link(maya)
    assert maya.get("/app/program/demo-program/").status_code == 403
    _leads("add", *on, "--sub", "maya", "--program", "demo-program")
    assert _shows_link(maya)
    _leads("remove", *on, "--sub", "maya")
    assert not _shows_link(maya)


def test_a_lead_saved_or_deleted_in_the_admin_counts_at_once(lti, demo_pack, platform):
    maya = launch(lti, sub="maya", email="maya@district.example")
    assert not _shows_link(maya)
    lead = ProgramLead.objects.create(platform_id=platform.pk, sub="someone-else")
    lead.programs.add(_program())
    assert not _shows_link(maya)
    lead.sub, lead.email = "", "maya@district.example"
    lead.save()
    assert _shows_link(maya)
    lead.delete()
    assert not _shows_link(maya)


def test_a_lead_named_in_another_process_shows_within_the_max_age(
    lti, demo_pack, platform, settings
):
    settings.IGNITE_PROGRAM_LEAD_CACHE_SECONDS = 60
    maya = launch(lti, sub="maya", email="maya@district.example")
    assert not _shows_link(maya)
    # Written without this process's signals, as another worker's save would be.
    ProgramLead.objects.bulk_create(
        [ProgramLead(platform_id=platform.pk, email="maya@district.example")]
    )
    ProgramLead.objects.get().programs.add(_program())
    assert not _shows_link(maya)  # this copy is 0 s old: not read again yet
    copy = leads._candidates[platform.pk]
    leads._candidates[platform.pk] = replace(copy, read_at=copy.read_at - 59)
    assert not _shows_link(maya)  # 59 s old: still kept
    leads._candidates[platform.pk] = replace(copy, read_at=copy.read_at - 60)
    assert _shows_link(maya)  # 60 s old: read again


def test_a_lead_by_lms_user_id_who_never_launched_is_found_at_first_launch(
    lti, demo_pack, name_lead
):
    name_lead(sub="lms-9")
    maya = launch(lti, sub="maya", email="maya@district.example")
    assert not _shows_link(maya)  # read while lms-9 has no participant yet
    assert _shows_link(launch(lti, sub="lms-9", email=""))


def test_a_lead_of_one_platform_is_no_lead_of_another_with_the_same_email(
    lti, demo_pack, name_lead, client, jwks_server, platform_private_key
):
    other = another_platform(jwks_server)
    name_lead(email="dana@district.example", on=other)
    other_dana = launch(
        LtiClient(client, other, platform_private_key),
        sub="dana",
        email="dana@district.example",
        context="other-course",
    )
    assert _shows_link(other_dana)  # the other platform's copy is warm and names her
    dana_here = launch(lti, sub="dana", email="dana@district.example")
    assert not _shows_link(dana_here)
    assert dana_here.get("/app/program/").status_code == 403
    name_lead(sub="dana", on=other)
    assert not _shows_link(dana_here)  # same LMS user id on the other platform: still not
    assert _shows_link(other_dana)
