"""The development .env that `make run` writes: every README command finds the development
settings, and no production process ever reads the file."""

from __future__ import annotations

import os
import re
import shlex
import subprocess
import sys
from pathlib import Path

import pytest
from django.core.management import get_commands, load_command_class

ROOT = Path(__file__).resolve().parents[2]
README = (ROOT / "README.md").read_text()
CLEARED = {
    "DEBUG",
    "SECRET_KEY",
    "SECRET_KEY_FILE",
    "IGNITE_KEY_ENCRYPTION_SECRET",
    "IGNITE_KEY_ENCRYPTION_SECRET_FILE",
    "IGNITE_DEV_PLATFORM",
    "IGNITE_DEV_ENV_FILE",
}


def shell_env(dev_env_file: Path, tmp_path: Path, **extra) -> dict[str, str]:
    """A fresh shell: none of the test suite's settings, the project's .env at hand."""
    env = {k: v for k, v in os.environ.items() if k not in CLEARED}
    env.update(
        IGNITE_DEV_ENV_FILE=str(dev_env_file),
        DATABASE_URL=f"sqlite:///{tmp_path / 'db.sqlite3'}",
        **extra,
    )
    return env


def manage(env: dict[str, str], *words: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "manage.py", *words],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )


@pytest.fixture(scope="module")
def dev_env(tmp_path_factory) -> Path:
    """The .env exactly as the Makefile's `.env` target (a prerequisite of `make run`) writes it."""
    where = tmp_path_factory.mktemp("checkout")
    subprocess.run(
        ["make", "-s", "-C", str(where), "-f", str(ROOT / "Makefile"), ".env"],
        check=True,
        capture_output=True,
        timeout=30,
    )
    return where / ".env"


def readme_commands() -> list[str]:
    """Every `python manage.py ...` the README shows, in code blocks and inline."""
    text = README.replace("\\\n", " ")
    found = []
    for block in re.findall(r"```sh\n(.*?)```", text, re.S):
        for line in block.splitlines():
            if line.startswith("python manage.py "):
                found.append(line.split("#", 1)[0])
    for inline in re.findall(r"`([^`\n]*python manage\.py[^`\n]*)`", README):
        found += [p for p in inline.split("&&") if "python manage.py" in p and "..." not in p]
    return [" ".join(c.split()) for c in found]


def test_every_readme_command_exists_and_its_arguments_parse():
    commands = readme_commands()
    assert len(commands) >= 15
    assert "python manage.py deploy" in commands
    known = get_commands()
    for command in commands:
        words = shlex.split(command.replace("[", "").replace("]", ""))[2:]
        name = words[0]
        assert name in known, command
        app = known[name]
        parser = load_command_class(app, name).create_parser("manage.py", name)
        parser.parse_args(words[1:])  # raises SystemExit on a usage error


def test_readme_commands_work_as_written_after_make_run(dev_env, tmp_path):
    assert "DEBUG=1" in dev_env.read_text().splitlines()
    env = shell_env(dev_env, tmp_path)
    # What `make run` does first (its setup target), with the same .env.
    assert manage(env, "migrate", "--noinput").returncode == 0
    assert manage(env, "createcachetable").returncode == 0
    add = next(c for c in readme_commands() if c.startswith("python manage.py lti_platform add"))
    for words in (shlex.split(add)[2:], ["lti_platform", "list"], ["keys", "list"]):
        result = manage(env, *words)
        assert result.returncode == 0, (words, result.stderr[-2000:])
    listed = manage(env, "lti_platform", "list")
    assert "https://canvas.instructure.com" in listed.stdout


def test_without_the_file_the_same_command_stops_on_the_missing_secret(tmp_path):
    result = manage(shell_env(tmp_path / "no.env", tmp_path), "lti_platform", "list")
    assert result.returncode != 0
    assert "SECRET_KEY is not set" in result.stderr


SHOW = "import django; django.setup(); from django.conf import settings; print(settings.DEBUG)"


def python(env) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-c", SHOW],
        cwd=ROOT,
        env={**env, "DJANGO_SETTINGS_MODULE": "config.settings"},
        capture_output=True,
        text=True,
        timeout=60,
    )


def test_a_production_process_never_reads_the_file(dev_env, tmp_path):
    # DEBUG off in the environment: the file is not read, so the missing secret stops it.
    result = python(shell_env(dev_env, tmp_path, DEBUG="0"))
    assert "SECRET_KEY is not set" in result.stderr
    # A production secret in the environment: the file is not read, DEBUG stays off.
    result = python(
        shell_env(dev_env, tmp_path, SECRET_KEY="s" * 50, IGNITE_KEY_ENCRYPTION_SECRET="k")
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "False"
    # Otherwise it is: development.
    result = python(shell_env(dev_env, tmp_path))
    assert result.stdout.strip() == "True", result.stderr


def test_a_dotenv_that_does_not_turn_debug_on_is_refused(tmp_path):
    stray = tmp_path / ".env"
    stray.write_text("DATABASE_URL=postgres://prod/ignite\n")
    result = python(shell_env(stray, tmp_path))
    assert result.returncode != 0
    assert "is a development settings file and must set DEBUG=1" in result.stderr
