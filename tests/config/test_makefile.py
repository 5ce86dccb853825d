"""The commands `make run` starts must be valid: a worker that exits on a usage error leaves
every score undelivered while the web server looks fine."""

from __future__ import annotations

import shlex
from pathlib import Path

from django.core.management import load_command_class

MAKEFILE = Path(__file__).resolve().parents[2] / "Makefile"


def test_make_run_starts_the_grade_worker_with_valid_arguments():
    lines = [line for line in MAKEFILE.read_text().splitlines() if "manage.py grades" in line]
    assert lines, "make run must start the grade worker"
    words = shlex.split(lines[0].split("manage.py", 1)[1].split("&")[0])
    assert words[0] == "grades"
    parser = load_command_class("lti_tool", "grades").create_parser("manage.py", "grades")
    options = parser.parse_args(words[1:])  # raises on a usage error
    assert options.action == "worker"
