from __future__ import annotations

from io import StringIO

import pytest
from django.core.management import call_command

from tests.courses.conftest import launch_as, placement_of  # noqa: F401

from .packs import write_facilitation_pack


@pytest.fixture
def demo_pack(tmp_path, db):
    program = write_facilitation_pack(tmp_path / "packs")
    call_command("import_content", str(program), stdout=StringIO())
    return program
