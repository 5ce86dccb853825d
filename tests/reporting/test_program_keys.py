"""program.yaml `deadline:` and `reminders:`: read through courses.content_extensions,
checked with file:line errors, kept at import."""

from __future__ import annotations

from io import StringIO

import pytest
from django.core.management import CommandError, call_command

from reporting.models import ProgramPlan
from tests.courses.packs import write_pack

pytestmark = pytest.mark.django_db


def _pack(tmp_path, extra: str):
    program = write_pack(tmp_path)
    path = program / "program.yaml"
    path.write_text(path.read_text().replace("version: 1\n", "version: 1\n" + extra, 1))
    return program


def test_deadline_and_reminders_are_kept(tmp_path):
    call_command("import_content", str(_pack(tmp_path, "deadline: 2027-07-31\nreminders: true\n")),
                 stdout=StringIO())  # fmt: skip
    plan = ProgramPlan.objects.get(program__slug="demo-program")
    assert (plan.deadline.isoformat(), plan.reminders) == ("2027-07-31", True)


def test_a_program_without_them_has_no_deadline_and_no_reminders(tmp_path):
    call_command("import_content", str(write_pack(tmp_path)), stdout=StringIO())
    plan = ProgramPlan.objects.get(program__slug="demo-program")
    assert (plan.deadline, plan.reminders) == (None, False)


@pytest.mark.parametrize(
    ("extra", "message"),
    [
        ("deadline: end of July\n", "program.yaml:4: deadline must be a date"),
        ("deadline: 2027-02-30\n", "program.yaml:4: deadline must be a date"),
        ("reminders: sometimes\n", "program.yaml:4: reminders must be true or false"),
    ],
)
def test_bad_values_are_errors_with_file_and_line(tmp_path, extra, message):
    err = StringIO()
    with pytest.raises(CommandError, match="1 problem"):
        call_command("import_content", str(_pack(tmp_path, extra)), stdout=StringIO(), stderr=err)
    assert message in err.getvalue()
    assert not ProgramPlan.objects.exists()
