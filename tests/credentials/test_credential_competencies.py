"""Credentials that carry weight (issue 14, item 7): a credential may name the competencies
it certifies, aligned to a framework's domain; they are validated in the pack and carried
into the Open Badges 3.0 achievement as Alignment entries that the published schema accepts.
The shipped CS credential asks for accepted evidence like the others."""

from __future__ import annotations

from io import StringIO

import pytest
from django.conf import settings
from django.core.management import call_command

from courses.content import pack_read
from tests.courses.packs import write_pack_with

from .test_credentials import earned, schema_errors  # noqa: F401

FRAMEWORK = "Teacher Leader Model Standards (Teacher Leadership Exploratory Consortium, 2011)"
COMPETENCIES = f"""\
    competencies:
      - name: Leads coaching cycles
        framework: {FRAMEWORK}
        domain: "Domain IV: Facilitating Improvements in Instruction and Student Learning"
      - name: Gives growth-oriented feedback
        framework: {FRAMEWORK}
        domain: "Domain III: Promoting Professional Learning for Continuous Improvement"
        url: https://standards.example/tlms/domain-3
"""


@pytest.fixture
def demo_pack(tmp_path, db):
    program = write_pack_with(tmp_path / "packs", COMPETENCIES)
    call_command("import_content", str(program), stdout=StringIO())
    return program


def test_the_competencies_are_ob3_alignments_the_published_schema_accepts(earned, client):  # noqa: F811
    _, _, issued = earned
    achievement = issued.credential["credentialSubject"]["achievement"]
    first, second = achievement["alignment"]
    assert first == {
        "type": ["Alignment"],
        "targetName": "Leads coaching cycles",
        "targetDescription": "Domain IV: Facilitating Improvements in Instruction and Student Learning",
        "targetFramework": FRAMEWORK,
        "targetType": "ceasn:Competency",
        # OB3 requires a targetUrl: without its own, a competency points at its entry on the
        # achievement's public page.
        "targetUrl": achievement["id"] + "#competency-1",
    }
    assert second["targetUrl"] == "https://standards.example/tlms/domain-3"
    assert schema_errors(issued.credential) == []
    page = client.get("/achievements/demo-credential/").content.decode()
    assert 'id="competency-1"' in page and "Domain III: Promoting Professional Learning" in page


@pytest.mark.parametrize(
    ("text", "needle", "message"),
    [
        (COMPETENCIES.replace("url: https", "link: https"), "link:", "unknown key 'link'"),
        # A missing key is reported where its mapping starts.
        (
            COMPETENCIES.replace('domain: "Domain IV', 'dom: "Domain IV'),
            "Leads",
            "domain is required",
        ),
        (COMPETENCIES.replace("url: https://", "url: http://"), "url:", "url must be an https://"),
        ("    competencies: Domain III\n", "competencies:", "competencies must be a list"),
        ("    competencies:\n      - Domain III\n", "- Domain III", "a competency is a mapping"),
    ],
)
def test_competency_problems_name_file_and_line(tmp_path, text, needle, message):
    program = write_pack_with(tmp_path, text)
    lines = (program / "program.yaml").read_text().splitlines()
    line = next(n for n, content in enumerate(lines, start=1) if needle in content)
    problems = pack_read(program).problems
    assert any(p.startswith(f"demo-program/program.yaml:{line}: {message}") for p in problems), (
        problems
    )


def test_the_shipped_credentials_ask_for_evidence_and_name_their_competencies():
    read = pack_read(settings.IGNITE_CONTENT_DIR)
    assert read.problems == []
    credentials = {c["slug"]: c for p in read.programs for c in p.credentials}
    modules = {m.slug: m for p in read.programs for m in p.modules}
    cs = credentials["computational-thinking-integrator"]
    assert cs["evidence_required"] and "accepted by a trainer" in cs["criteria"]
    assert all(modules[slug].evidence_task for slug in cs["required_modules"])
    coach = credentials["instructional-coach"]
    assert coach["competencies"] and all(
        c["framework"].startswith("Teacher Leader Model Standards")
        and c["domain"].startswith("Domain ")
        for c in coach["competencies"]
    )
