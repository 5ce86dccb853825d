"""Findings 2 and 3 of the security test: Dynamic Registration turned against Ignite.

A fake LMS runs on loopback as real HTTP. The production rules are switched on per test
(`production_outbound`): https only, no loopback or private addresses, unless allow-listed.
Each attack checks both what the browser sees and that no request reached where it must not.
"""

from __future__ import annotations

import json
import re
import socket
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from io import StringIO
from urllib.parse import parse_qs, urlsplit

import pytest
from django.core.management import call_command

from lti_tool import outbound
from lti_tool.models import Deployment, Platform, RegistrationLink
from lti_tool.outbound import OutboundRefused, OutboundSession, address_refusal
from lti_tool.services_http import PlatformClient, ServiceError

pytestmark = pytest.mark.django_db(transaction=True)


class FakeLms:
    """An LMS (or an attacker's server) on loopback: routes answer what a test sets."""

    def __init__(self):
        self.hits: list[str] = []
        self.routes: dict[str, tuple[int, dict, bytes]] = {}
        server = self

        class Handler(BaseHTTPRequestHandler):
            def _answer(self):
                server.hits.append(f"{self.command} {self.path}")
                length = int(self.headers.get("Content-Length") or 0)
                if length:
                    self.rfile.read(length)
                status, headers, body = server.routes.get(
                    urlsplit(self.path).path, (404, {}, b"{}")
                )
                self.send_response(status)
                for name, value in {"Content-Type": "application/json", **headers}.items():
                    self.send_header(name, value)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            do_GET = do_POST = _answer  # noqa: N815

            def log_message(self, *args):
                pass

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.origin = f"http://127.0.0.1:{self.httpd.server_address[1]}"
        threading.Thread(target=self.httpd.serve_forever, daemon=True).start()

    def json(self, path: str, data: dict, status: int = 200, headers: dict | None = None):
        self.routes[path] = (status, headers or {}, json.dumps(data).encode())

    def close(self):
        self.httpd.shutdown()
        self.httpd.server_close()


@pytest.fixture
def lms():
    server = FakeLms()
    yield server
    server.close()


@pytest.fixture
def production_outbound(settings):
    """The outgoing-HTTP rules of a production instance (DEBUG off at start-up)."""
    settings.IGNITE_OUTBOUND_LOCAL_OK = False
    settings.IGNITE_ALLOW_HTTP_PLATFORMS = False
    settings.IGNITE_PRIVATE_PLATFORM_HOSTS = []
    return settings


def link_secret() -> str:
    out = StringIO()
    call_command("lti_registration_link", "--base-url", "https://ignite.example", stdout=out)
    return parse_qs(urlsplit(out.getvalue().strip().splitlines()[-1]).query)["link"][0]


def serve_platform(lms: FakeLms, *, client_id: str, jwks: str | None = None) -> str:
    """The fake LMS's configuration and registration endpoint; returns the configuration URL."""
    o = lms.origin
    lms.json(
        "/.well-known/openid-configuration",
        {
            "issuer": o,
            "authorization_endpoint": f"{o}/auth",
            "token_endpoint": f"{o}/token",
            "jwks_uri": jwks or f"{o}/attacker-jwks",
            "registration_endpoint": f"{o}/register",
        },
    )
    lms.json(
        "/register",
        {
            "client_id": client_id,
            "https://purl.imsglobal.org/spec/lti-tool-configuration": {"deployment_id": "d-9"},
        },
    )
    return f"{o}/.well-known/openid-configuration"


def register(client, config_url: str, secret: str):
    return client.get(
        "/lti/register/",
        {"openid_configuration": config_url, "registration_token": "t", "link": secret},
    )


def page_text(response) -> str:
    html = response.content.decode()
    return re.sub(r'registration-reference">[0-9A-F]+<', "", html)


# --- Finding 2: Dynamic Registration only ever creates --------------------------------------


def test_registration_naming_an_existing_platform_is_refused_and_changes_nothing(client, lms):
    existing = Platform.objects.create(
        name="Springfield Canvas",
        issuer=lms.origin,
        client_id="existing-client",
        auth_login_url="https://lms.example/auth",
        auth_token_url="https://lms.example/token",
        keyset_url="https://lms.example/jwks",
    )
    Deployment.objects.create(platform=existing, deployment_id="d-1")
    before = Platform.objects.values().get(pk=existing.pk)
    config_url = serve_platform(lms, client_id="existing-client")

    response = register(client, config_url, link_secret())

    assert response.status_code == 400
    assert "only adds new registrations" in response.content.decode()
    assert Platform.objects.values().get(pk=existing.pk) == before  # key set and URLs kept
    assert list(existing.deployments.values_list("deployment_id", flat=True)) == ["d-1"]
    assert Platform.objects.count() == 1


def test_a_new_registration_is_still_created(client, lms):
    config_url = serve_platform(lms, client_id="new-client")
    response = register(client, config_url, link_secret())
    assert response.status_code == 200, response.content
    platform = Platform.objects.get(client_id="new-client")
    assert platform.keyset_url == f"{lms.origin}/attacker-jwks"
    assert RegistrationLink.objects.get().state == "used"


def test_a_redirect_from_the_configuration_url_is_not_followed(client, lms):
    target = FakeLms()
    try:
        serve_platform(target, client_id="c-1")
        lms.routes["/.well-known/openid-configuration"] = (
            302,
            {"Location": f"{target.origin}/.well-known/openid-configuration"},
            b"",
        )
        response = register(client, f"{lms.origin}/.well-known/openid-configuration", link_secret())
        assert response.status_code == 400
        assert target.hits == []
        assert Platform.objects.count() == 0
    finally:
        target.close()


def test_a_redirect_from_the_registration_endpoint_is_not_followed(client, lms):
    target = FakeLms()
    try:
        config_url = serve_platform(lms, client_id="c-2")
        lms.routes["/register"] = (307, {"Location": f"{target.origin}/register"}, b"")
        assert register(client, config_url, link_secret()).status_code == 400
        assert target.hits == [] and Platform.objects.count() == 0
    finally:
        target.close()


# --- Finding 3: server-side request forgery --------------------------------------------------


def test_production_refuses_a_loopback_configuration_url_without_a_request(
    client, lms, production_outbound
):
    production_outbound.IGNITE_ALLOW_HTTP_PLATFORMS = True  # only the address stops it
    config_url = serve_platform(lms, client_id="c-3")
    response = register(client, config_url, link_secret())
    assert response.status_code == 400
    assert lms.hits == []
    assert "127.0.0.1" not in response.content.decode()


def test_production_refuses_plain_http_without_a_request(client, lms, production_outbound):
    production_outbound.IGNITE_PRIVATE_PLATFORM_HOSTS = ["127.0.0.1"]
    config_url = serve_platform(lms, client_id="c-4")
    assert register(client, config_url, link_secret()).status_code == 400
    assert lms.hits == []


def test_the_private_host_allow_list_lets_a_self_hosted_lms_register(
    client, lms, production_outbound
):
    production_outbound.IGNITE_ALLOW_HTTP_PLATFORMS = True
    production_outbound.IGNITE_PRIVATE_PLATFORM_HOSTS = ["127.0.0.1"]
    config_url = serve_platform(lms, client_id="c-5")
    response = register(client, config_url, link_secret())
    assert response.status_code == 200, response.content
    assert lms.hits == ["GET /.well-known/openid-configuration", "POST /register"]


def test_errors_look_alike_whatever_answered(client, lms, caplog):
    """A closed port, a service that is not HTTP and a 404 give the browser the same page."""
    closed = socket.socket()
    closed.bind(("127.0.0.1", 0))
    closed_port = closed.getsockname()[1]
    closed.close()
    not_http = socket.socket()
    not_http.bind(("127.0.0.1", 0))
    not_http.listen()
    threading.Thread(
        target=lambda: [
            c.sendall(b"SSH-2.0-OpenSSH\r\n") or c.close() for c, _ in [not_http.accept()]
        ],
        daemon=True,
    ).start()
    try:
        urls = [
            f"http://127.0.0.1:{closed_port}/config",
            f"http://127.0.0.1:{not_http.getsockname()[1]}/config",
            f"{lms.origin}/missing",
        ]
        texts = set()
        with caplog.at_level("WARNING", logger="ignite.lti.security"):
            for url in urls:
                response = register(client, url, link_secret())
                assert response.status_code == 400
                texts.add(page_text(response))
        assert len(texts) == 1
        assert "HTTP 404" in caplog.text  # the detail is for the admin, in the log
    finally:
        not_http.close()


def test_the_fetched_issuer_is_never_echoed(client, lms):
    config_url = serve_platform(lms, client_id="c-6")
    lms.json(
        "/.well-known/openid-configuration",
        {"issuer": "https://secret-internal-name.example", "registration_endpoint": "x"},
    )
    response = register(client, config_url, link_secret())
    assert response.status_code == 400
    assert "secret-internal-name" not in response.content.decode()


def test_every_service_call_goes_through_the_guard(lms, production_outbound, platform):
    """JWKS, token, AGS and NRPS calls to a loopback URL in production: refused, nothing sent."""
    production_outbound.IGNITE_ALLOW_HTTP_PLATFORMS = True
    lms.json("/jwks", {"keys": []})
    with pytest.raises(OutboundRefused):
        OutboundSession().get(f"{lms.origin}/jwks")
    platform.auth_token_url = f"{lms.origin}/token"
    client = PlatformClient(platform)
    with pytest.raises(ServiceError) as refused:
        client.access_token(("scope",))
    assert refused.value.permanent
    assert lms.hits == []


def test_a_dns_answer_that_changes_after_the_check_is_caught_at_connect(
    lms, production_outbound, monkeypatch
):
    """Rebinding: the name looked public when checked, then connects to loopback."""
    production_outbound.IGNITE_ALLOW_HTTP_PLATFORMS = True
    lms.json("/jwks", {"keys": []})
    monkeypatch.setattr(outbound, "url_refusal", lambda url: None)
    with pytest.raises(OutboundRefused, match="not a public address"):
        OutboundSession().get(f"{lms.origin}/jwks")
    assert lms.hits == []


def test_answers_are_bounded_in_size(lms, settings):
    settings.IGNITE_HTTP_MAX_BYTES = 1000
    lms.routes["/big"] = (200, {}, b"x" * 5000)
    with pytest.raises(OutboundRefused, match="larger than 1000 bytes"):
        OutboundSession().get(f"{lms.origin}/big")


@pytest.mark.parametrize(
    ("address", "refused"),
    [
        ("127.0.0.1", True),
        ("::1", True),
        ("10.1.2.3", True),
        ("172.16.0.1", True),
        ("192.168.1.1", True),
        ("169.254.169.254", True),  # cloud metadata
        ("fe80::1", True),
        ("224.0.0.1", True),
        ("0.0.0.0", True),
        ("100.64.0.1", True),  # carrier-grade NAT
        ("::ffff:127.0.0.1", True),
        ("fd00::1", True),
        ("93.184.216.34", False),
        ("2606:4700:4700::1111", False),
    ],
)
def test_address_rules(address, refused, production_outbound):
    assert (address_refusal(address, "lms.example") is not None) == refused


def test_the_allow_list_names_hosts(production_outbound):
    production_outbound.IGNITE_PRIVATE_PLATFORM_HOSTS = ["moodle.district.internal"]
    assert address_refusal("10.0.0.5", "moodle.district.internal") is None
    assert address_refusal("10.0.0.5", "other.internal") is not None
