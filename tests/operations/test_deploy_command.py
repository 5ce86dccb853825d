"""`manage.py deploy`: every step in order, again without change, and a stop at the first
failure with a clear message (failures injected the way they happen: a broken content pack,
the wrong key-encryption secret, a security middleware removed)."""

from __future__ import annotations

import re
from io import StringIO
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command

from courses.models import Module
from keys import services

pytestmark = pytest.mark.django_db(transaction=True)
STEPS = ["migrate", "cache table", "import content", "static files", "key check", "check --deploy"]


@pytest.fixture(autouse=True)
def _static_root(settings, tmp_path):
    settings.STATIC_ROOT = tmp_path / "static"
    # The browser tests set DJANGO_ALLOW_ASYNC_UNSAFE for the session (Playwright keeps an event
    # loop in this thread, so without it every query here would be refused); `check --deploy`
    # rightly reports that variable as async.E001, which only this test process has.
    settings.SILENCED_SYSTEM_CHECKS = [*settings.SILENCED_SYSTEM_CHECKS, "async.E001"]


def deploy() -> tuple[str, str]:
    out, err = StringIO(), StringIO()
    call_command("deploy", stdout=out, stderr=err)
    return out.getvalue(), err.getvalue()


def steps_run(output: str) -> list[str]:
    return re.findall(r"^== deploy \d/6: (.+)$", output, re.M)


def test_every_step_in_order_and_again_without_change(settings):
    shipped = len(list(Path(settings.IGNITE_CONTENT_DIR).glob("*/modules/*/module.yaml")))
    assert shipped >= 12
    out, _ = deploy()
    assert steps_run(out) == STEPS
    assert "deploy: every step done" in out
    assert Module.objects.count() == shipped
    assert any(Path(settings.STATIC_ROOT).rglob("*.css"))
    again, _ = deploy()
    assert steps_run(again) == STEPS
    assert f"{shipped} module(s): 0 new version(s), {shipped} unchanged" in again
    assert Module.objects.count() == shipped


def test_a_broken_content_pack_stops_before_the_static_files(settings, tmp_path):
    program = tmp_path / "content" / "broken"
    program.mkdir(parents=True)
    (program / "program.yaml").write_text("title: [unclosed\n")
    settings.IGNITE_CONTENT_DIR = tmp_path / "content"
    with pytest.raises(CommandError) as refused:
        deploy()
    message = str(refused.value)
    assert message.startswith("deploy stopped at step 3/6 (import content):")
    assert "nothing was imported" in message
    assert "run `manage.py deploy` again" in message
    assert not Path(settings.STATIC_ROOT).exists()


def test_the_wrong_key_encryption_secret_stops_at_the_key_check(settings):
    call_command("keys", "generate", stdout=StringIO())
    services._loaded.clear()  # a new process (deploy runs in one) has loaded no key yet
    settings.IGNITE_KEY_ENCRYPTION_SECRET = "not-the-secret-the-key-was-stored-with"
    out = StringIO()
    with pytest.raises(CommandError) as refused:
        call_command("deploy", stdout=out, stderr=StringIO())
    assert str(refused.value).startswith("deploy stopped at step 5/6 (key check):")
    assert steps_run(out.getvalue()) == STEPS[:5]


def test_a_failing_deploy_check_stops_with_its_id(settings):
    settings.MIDDLEWARE = [
        m for m in settings.MIDDLEWARE if m != "lti_tool.middleware.LaunchCsrfViewMiddleware"
    ]
    with pytest.raises(CommandError) as refused:
        deploy()
    assert str(refused.value).startswith("deploy stopped at step 6/6 (check --deploy):")
    assert "ignite.E001" in str(refused.value)


def test_the_command_line_exits_non_zero_with_the_message(tmp_path):
    import os
    import subprocess
    import sys

    root = Path(__file__).resolve().parents[2]
    env = {
        **os.environ,
        "DEBUG": "1",
        "IGNITE_DEV_ENV_FILE": "",
        "DATABASE_URL": f"sqlite:///{tmp_path / 'db.sqlite3'}",
        "IGNITE_CONTENT_DIR": str(tmp_path / "no-such-folder"),
    }
    env.pop("IGNITE_DEV_PLATFORM", None)
    result = subprocess.run(
        [sys.executable, "manage.py", "deploy"],
        cwd=root,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode != 0
    assert "deploy stopped at step 3/6 (import content)" in result.stderr
    assert "== deploy 4/6" not in result.stdout
