"""The grade worker's heartbeat keeps the program view's figures and daily snapshots."""

from __future__ import annotations

from io import StringIO

import pytest
from django.core.cache import cache
from django.core.management import call_command

from courses.models import Program
from lti_tool.events import grade_worker_alive
from reporting.models import ProgramSnapshot

from .conftest import launch

pytestmark = pytest.mark.django_db


def test_the_heartbeat_computes_ahead_and_snapshots_once_a_day(lti, platform, demo_pack, name_lead):
    launch(lti, sub="maya", email="maya@d.example")
    name_lead(sub="dana")
    program = Program.objects.get(slug="demo-program")
    stamp = f"reporting:v1:stamp:{platform.pk}:{program.pk}"
    assert cache.get(stamp) is None
    grade_worker_alive.send(sender=None)
    assert ProgramSnapshot.objects.count() == 1
    assert cache.get(stamp) is not None  # the figures were computed ahead
    ProgramSnapshot.objects.all().delete()
    grade_worker_alive.send(sender=None)  # the same day: no second snapshot
    assert ProgramSnapshot.objects.count() == 0


def test_program_snapshots_command(lti, demo_pack, name_lead):
    launch(lti, sub="maya", email="maya@d.example")
    name_lead(sub="dana")
    out = StringIO()
    call_command("program_snapshots", stdout=out)
    assert "1 snapshot(s) taken" in out.getvalue()
    assert ProgramSnapshot.objects.get().enrolled == 1


def test_a_lead_of_two_programs_chooses_one(lti, demo_pack, name_lead):
    Program.objects.create(slug="second-program", title="Second program", position=1)
    name_lead(sub="dana")
    name_lead(sub="dana", program="second-program")
    lead = launch(lti, sub="dana", email="", context="lead-home", module=None)
    html = lead.get("/app/program/").content.decode()
    assert html.count('data-testid="program-link"') == 2
    assert lead.get("/app/program/second-program/").status_code == 200
