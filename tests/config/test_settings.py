"""Start-up refusals are checked in a fresh interpreter: settings are read once per process."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def start(**env_overrides) -> subprocess.CompletedProcess:
    env = {
        k: v
        for k, v in os.environ.items()
        if k not in {"DEBUG", "SECRET_KEY", "IGNITE_DEV_PLATFORM", "IGNITE_KEY_ENCRYPTION_SECRET"}
    }
    env.update(env_overrides)
    return subprocess.run(
        [
            sys.executable,
            "-c",
            "import django; django.setup(); from django.conf import settings; print('DEBUG', settings.DEBUG, settings.SESSION_COOKIE_SAMESITE, settings.SESSION_COOKIE_SECURE)",
        ],
        cwd=ROOT,
        env={**env, "DJANGO_SETTINGS_MODULE": "config.settings"},
        capture_output=True,
        text=True,
        timeout=60,
    )


def test_missing_secret_key_is_a_startup_error_outside_debug():
    result = start(IGNITE_KEY_ENCRYPTION_SECRET="k")
    assert result.returncode != 0
    assert "SECRET_KEY is not set" in result.stderr


def test_missing_key_encryption_secret_is_a_startup_error_outside_debug():
    result = start(SECRET_KEY="s" * 50)
    assert result.returncode != 0
    assert "IGNITE_KEY_ENCRYPTION_SECRET is not set" in result.stderr


def test_debug_is_off_by_default_and_admin_cookies_are_lax():
    # Only the admin uses Django's session cookie; the login-state cookie sets SameSite=None.
    result = start(SECRET_KEY="s" * 50, IGNITE_KEY_ENCRYPTION_SECRET="k")
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "DEBUG False Lax True"


def test_production_outbound_rules_are_strict_by_default():
    code = (
        "import django; django.setup(); from django.conf import settings as s; "
        "print(s.IGNITE_OUTBOUND_LOCAL_OK, s.IGNITE_ALLOW_HTTP_PLATFORMS, "
        "s.IGNITE_PRIVATE_PLATFORM_HOSTS)"
    )
    env = {k: v for k, v in os.environ.items() if k != "DEBUG"}
    env.update(SECRET_KEY="s" * 50, IGNITE_KEY_ENCRYPTION_SECRET="k")
    env.pop("IGNITE_DEV_PLATFORM", None)
    result = subprocess.run(
        [sys.executable, "-c", code],
        cwd=ROOT,
        env={**env, "DJANGO_SETTINGS_MODULE": "config.settings"},
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "False False []"


def test_dev_platform_refused_without_debug():
    result = start(SECRET_KEY="s" * 50, IGNITE_KEY_ENCRYPTION_SECRET="k", IGNITE_DEV_PLATFORM="1")
    assert result.returncode != 0
    assert "IGNITE_DEV_PLATFORM=1 is refused when DEBUG is off" in result.stderr


def test_bad_boolean_is_a_clear_startup_error():
    result = start(DEBUG="maybe")
    assert result.returncode != 0
    assert "ImproperlyConfigured" in result.stderr


def test_secret_from_file(tmp_path):
    secret = tmp_path / "secret"
    secret.write_text("from-a-file-" + "x" * 40 + "\n")
    result = start(SECRET_KEY_FILE=str(secret), IGNITE_KEY_ENCRYPTION_SECRET="k")
    assert result.returncode == 0, result.stderr


def test_time_zone_from_the_environment_and_an_unknown_one_refused():
    assert start(DEBUG="1", TIME_ZONE="America/Chicago").returncode == 0
    result = start(DEBUG="1", TIME_ZONE="Mars/Olympus_Mons")
    assert result.returncode != 0
    assert "TIME_ZONE='Mars/Olympus_Mons' is not an IANA time zone" in result.stderr


def _database_options(**env_overrides) -> str:
    env = {**os.environ, "DEBUG": "1", "DJANGO_SETTINGS_MODULE": "config.settings"}
    env.pop("IGNITE_PG_PREPARED", None)
    env.update(env_overrides)
    result = subprocess.run(
        [
            sys.executable,
            "-c",
            "import django; django.setup(); from django.conf import settings; "
            "d = settings.DATABASES['default']; print(d['ENGINE'], sorted(d.get('OPTIONS', {}).items()))",
        ],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 0, result.stderr
    return result.stdout.strip()


def test_postgresql_statements_are_prepared_unless_turned_off():
    url = "postgres://postgres@127.0.0.1:5432/ignite_settings_check"
    assert _database_options(DATABASE_URL=url) == (
        "config.postgresql [('prepare_threshold', 5), ('server_side_binding', True)]"
    )
    assert _database_options(DATABASE_URL=url, IGNITE_PG_PREPARED="0") == "config.postgresql []"
    sqlite = _database_options(DATABASE_URL="sqlite:////tmp/ignite-settings-check.sqlite3")
    assert "server_side_binding" not in sqlite and "prepare_threshold" not in sqlite


def test_the_worker_stop_timeout_must_be_a_positive_number_of_seconds():
    assert start(DEBUG="1", IGNITE_WORKER_STOP_SECONDS="2.5").returncode == 0
    for bad in ("0", "-3", "soon"):
        result = start(DEBUG="1", IGNITE_WORKER_STOP_SECONDS=bad)
        assert result.returncode != 0, bad
        assert "IGNITE_WORKER_STOP_SECONDS must be a number of seconds above 0" in result.stderr
        assert repr(bad) in result.stderr
