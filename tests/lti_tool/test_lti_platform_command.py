from __future__ import annotations

from io import StringIO

import pytest
from django.core.management import CommandError, call_command
from django.test import override_settings

from lti_tool.models import Deployment, Platform

pytestmark = pytest.mark.django_db

ARGS = [
    "add",
    "--issuer", "https://canvas.instructure.com",
    "--client-id", "10000000000042",
    "--auth-login-url", "https://sso.canvaslms.com/api/lti/authorize_redirect",
    "--auth-token-url", "https://sso.canvaslms.com/login/oauth2/token",
    "--keyset-url", "https://sso.canvaslms.com/api/lti/security/jwks",
]  # fmt: skip


def run(*args) -> str:
    out = StringIO()
    call_command("lti_platform", *args, stdout=out)
    return out.getvalue()


def test_add_with_several_deployments_then_list_and_remove():
    out = run(
        *ARGS,
        "--deployment-id",
        "1:abc",
        "--deployment-id",
        "2:def",
        "--name",
        "Springfield Canvas",
    )
    assert "registered" in out
    platform = Platform.objects.get()
    assert platform.name == "Springfield Canvas"
    assert sorted(platform.deployments.values_list("deployment_id", flat=True)) == [
        "1:abc",
        "2:def",
    ]
    listing = run("list")
    assert "https://canvas.instructure.com" in listing and "1:abc, 2:def" in listing
    run("remove", "--issuer", "https://canvas.instructure.com", "--client-id", "10000000000042")
    assert not Platform.objects.exists() and not Deployment.objects.exists()


def test_add_again_updates_and_adds_deployments():
    run(*ARGS, "--deployment-id", "1:abc")
    out = run(*ARGS, "--deployment-id", "3:ghi")
    assert "updated" in out
    assert Platform.objects.count() == 1
    assert Deployment.objects.count() == 2


def test_same_issuer_many_client_ids():
    run(*ARGS, "--deployment-id", "1:abc")
    other = list(ARGS)
    other[other.index("10000000000042")] = "10000000000099"
    run(*other, "--deployment-id", "1:abc")
    assert Platform.objects.filter(issuer="https://canvas.instructure.com").count() == 2


@override_settings(IGNITE_ALLOW_HTTP_PLATFORMS=False)
def test_http_urls_refused_outside_debug():
    bad = [a.replace("https://sso", "http://sso") for a in ARGS]
    with pytest.raises(CommandError, match="https"):
        run(*bad, "--deployment-id", "1")
    assert not Platform.objects.exists()


def test_not_a_url_is_refused():
    bad = list(ARGS)
    bad[bad.index("--keyset-url") + 1] = "jwks-please"
    with pytest.raises(CommandError, match="keyset_url"):
        run(*bad, "--deployment-id", "1")


def test_remove_unknown_is_a_clear_error():
    with pytest.raises(CommandError, match="no platform"):
        run("remove", "--issuer", "https://x.example", "--client-id", "1")


def test_deployment_id_is_required():
    with pytest.raises(CommandError):
        run(*ARGS)


def test_time_zone_is_set_kept_on_update_and_cleared():
    run(*ARGS, "--deployment-id", "1:abc", "--time-zone", "America/Chicago")
    assert Platform.objects.get().time_zone == "America/Chicago"
    assert "time zone: America/Chicago" in run("list")
    run(*ARGS, "--deployment-id", "1:abc")  # an update that does not name the zone keeps it
    assert Platform.objects.get().time_zone == "America/Chicago"
    run(*ARGS, "--deployment-id", "1:abc", "--time-zone", "")  # blank: the server's zone
    assert Platform.objects.get().time_zone == ""


@pytest.mark.parametrize("zone", ["Mars/Olympus_Mons", "../../etc/passwd", "CST6CDTX"])
def test_an_unknown_time_zone_is_refused(zone):
    with pytest.raises(CommandError, match="not a known IANA time zone"):
        run(*ARGS, "--deployment-id", "1:abc", "--time-zone", zone)
    assert not Platform.objects.exists()
