"""deploy/: what an ops engineer copies must stay in step with the code it runs."""

from __future__ import annotations

import re
import shlex
from pathlib import Path

from django.conf import settings
from django.core.management import get_commands, load_command_class

ROOT = Path(__file__).resolve().parents[2]
DEPLOY = ROOT / "deploy"


def settings_read() -> set[str]:
    """Every environment variable config/settings.py reads (env.<type>("NAME"), env_secret)."""
    text = (ROOT / "config" / "settings.py").read_text()
    names = set(re.findall(r'(?:env\.\w+|env_secret)\(\s*"([A-Z][A-Z0-9_]+)"', text))
    assert {"SECRET_KEY", "DATABASE_URL", "IGNITE_FILE_STORAGE", "IGNITE_OPS_TOKEN"} <= names
    return names


def unit(name: str) -> dict[str, list[str]]:
    values: dict[str, list[str]] = {}
    for line in (DEPLOY / "systemd" / name).read_text().splitlines():
        if "=" in line and not line.startswith("#"):
            key, value = line.split("=", 1)
            values.setdefault(key, []).append(value)
    return values


def test_the_environment_template_lists_every_setting():
    template = (DEPLOY / "ignite.env.example").read_text()
    listed = set(re.findall(r"^#? ?([A-Z][A-Z0-9_]+)=", template, re.M))
    missing = settings_read() - listed
    assert not missing, f"add to deploy/ignite.env.example: {sorted(missing)}"


def test_the_readme_documents_every_setting():
    readme = (ROOT / "README.md").read_text()
    documented = set(re.findall(r"`([A-Z][A-Z0-9_]+)`", readme))
    missing = settings_read() - documented
    assert not missing, f"add to the README's settings table: {sorted(missing)}"


def test_the_web_unit_runs_gunicorn_with_the_redacting_configuration():
    web = unit("ignite-web.service")
    words = shlex.split(web["ExecStart"][0])
    assert words[0].endswith("/gunicorn")
    config = words[words.index("-c") + 1]
    assert (ROOT / config).is_file()
    assert "config.wsgi" in words
    assert web["Restart"] == ["on-failure"] and web["KillSignal"] == ["SIGTERM"]
    assert web["EnvironmentFile"] == ["/etc/ignite/ignite.env"]


def test_the_worker_unit_runs_the_grade_worker_with_valid_arguments():
    worker = unit("ignite-worker.service")
    words = shlex.split(worker["ExecStart"][0])
    assert words[1:3] == ["manage.py", "grades"]
    name = words[2]
    parser = load_command_class(get_commands()[name], name).create_parser("manage.py", name)
    assert parser.parse_args(words[3:]).action == "worker"  # raises on a usage error
    assert worker["Restart"] == ["on-failure"] and worker["KillSignal"] == ["SIGTERM"]
    # Both share the metrics directory, so /metrics on the web sees the worker's deliveries.
    assert worker["Environment"] == unit("ignite-web.service")["Environment"]


def test_the_nginx_site_passes_the_headers_and_limits_ignite_needs():
    site = (DEPLOY / "nginx" / "ignite.conf").read_text()
    for header in ("Host $host", "X-Forwarded-Proto $scheme", "X-Forwarded-For"):
        assert f"proxy_set_header {header}" in site
    limit = int(re.search(r"client_max_body_size (\d+);", site).group(1))
    evidence = settings.IGNITE_EVIDENCE_MAX_BYTES
    assert evidence < limit <= evidence + 2 * 1024 * 1024
    assert re.search(r"listen 443 ssl", site) and "ssl_certificate " in site


def test_the_nginx_access_log_leaves_out_query_strings_and_referers():
    site = (DEPLOY / "nginx" / "ignite.conf").read_text()
    formats = re.findall(r"log_format (\w+) '([^']*)'", site)
    assert formats
    for _name, fmt in formats:
        for variable in ("$request ", '$request"', "$request_uri", "$args", "$query_string"):
            assert variable not in fmt
        assert "$http_referer" not in fmt and "$uri" in fmt
    for log in re.findall(r"access_log \S+ ?(\w*);", site):
        assert log in {name for name, _ in formats}, "every access log uses the format"
