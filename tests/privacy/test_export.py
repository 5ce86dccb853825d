"""A district admin finds a teacher, sees what Ignite holds, and exports it: the zip holds what
the page shows, and the evidence files."""

from __future__ import annotations

import html
import io
import json
import re
import zipfile
from io import StringIO

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from privacy.models import AuditEntry
from tests.mastery.test_evidence import PDF

from .conftest import MAYA_EMAIL, MAYA_REFLECTION

CHANGELIST = "/admin/courses/participant/"


def _found(admin_client, query: str) -> str:
    response = admin_client.get(CHANGELIST, {"q": query})
    assert response.status_code == 200
    return response.content.decode()


def test_admin_finds_a_teacher_by_name_email_or_lms_id(world, admin_client):
    for query in ("Alvarez", MAYA_EMAIL, "maya-lms-7731"):
        page = _found(admin_client, query)
        assert "Maya Alvarez" in page and "Sam Okafor" not in page, query
    assert "Maya Alvarez" not in _found(admin_client, "sam-lms-2")


def _page_sections(page: str) -> dict[str, list[list[str]]]:
    sections = {}
    for key, body in re.findall(
        r'data-testid="section-([a-z_]+)">(.*?)</section>', page, flags=re.S
    ):
        rows = re.findall(r"<tr>(.*?)</tr>", body.split("<tbody>")[-1], flags=re.S)
        sections[key] = [
            [html.unescape(c) for c in re.findall(r'<td data-testid="cell">(.*?)</td>', r, re.S)]
            for r in rows
            if "<td" in r
        ]
    return sections


def _shown(value) -> str:
    return "" if value is None else str(value)


def test_the_zip_holds_what_the_page_shows_and_the_files(world, admin_client, tmp_path):
    page = admin_client.get(f"{CHANGELIST}{world.maya.pk}/data/").content.decode()
    assert MAYA_EMAIL in page and html.escape(MAYA_REFLECTION) in page and "maya-lms-7731" in page
    shown = _page_sections(page)

    out = tmp_path / "maya.zip"
    call_command(
        "privacy",
        "export",
        "--participant",
        str(world.maya.pk),
        "--output",
        str(out),
        stdout=StringIO(),
    )
    archive = zipfile.ZipFile(out)
    document = json.loads(archive.read("participant.json"))
    exported = {
        key: [[_shown(v) for v in row.values()] for row in section["rows"]]
        for key, section in document["sections"].items()
    }
    assert exported == shown
    for key in ("attempts", "saved_answers", "evidence", "grade_records", "memberships"):
        assert shown[key], key  # the world put something in each
    evidence_row = document["sections"]["evidence"]["rows"][0]
    assert evidence_row["reflection"] == MAYA_REFLECTION
    assert archive.read(evidence_row["file"]) == PDF
    post_row = document["sections"]["exchange_posts"]["rows"][0]
    assert post_row["title"] == "Maya's stations" and archive.read(post_row["file"]) == PDF
    written = [r["text"] for r in document["sections"]["exchange_responses"]["rows"]]
    assert any("add exit tickets" in t for t in written) and "Mr Jensen agreed." in written
    assert document["sections"]["exchange_reports"]["rows"][0]["reason"] == "exit tickets"
    # Sam's data is not in Maya's export.
    assert "Sam Okafor" not in archive.read("participant.json").decode()
    entry = AuditEntry.objects.get(action="data_exported")
    assert (entry.object_id, entry.actor) == (str(world.maya.pk), "command line")


def test_the_admin_action_downloads_the_zip_and_is_audited(world, admin_client, admin_user):
    response = admin_client.post(
        CHANGELIST, {"action": "export_data", "_selected_action": [world.maya.pk], "index": 0}
    )
    assert response.status_code == 200 and response["Content-Type"] == "application/zip"
    names = zipfile.ZipFile(io.BytesIO(response.content)).namelist()
    assert "participant.json" in names and any(n.startswith("files/evidence-") for n in names)
    assert AuditEntry.objects.get(action="data_exported").actor_user == admin_user


def test_an_unknown_participant_is_a_clear_error(db, admin_client):
    with pytest.raises(CommandError, match="No participant with id 999"):
        call_command("privacy", "export", "--participant", "999")
    assert admin_client.get(f"{CHANGELIST}999/data/").status_code == 404
