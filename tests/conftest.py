from __future__ import annotations

import email
import email.policy
import json
import socket
import threading
import time
import uuid
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlsplit

import jwt
import pytest
from aiosmtpd.controller import Controller as SmtpController
from cryptography.hazmat.primitives.asymmetric import rsa
from django.core.cache import cache

from lti_tool.models import Deployment, Platform

ISSUER = "https://canvas.test.example"
CLIENT_ID = "10000000000001"
DEPLOYMENT_ID = "1:deployment-abc"
LTI = "https://purl.imsglobal.org/spec/lti/claim/"


@pytest.fixture(autouse=True)
def _clear_cache(request):
    """The cache outlives a test's database rollback: start every database test with it empty."""
    uses_db = request.node.get_closest_marker("django_db") or {
        "db",
        "transactional_db",
        "live_server",
    } & set(request.fixturenames)
    if not uses_db:
        yield
        return
    request.getfixturevalue("transactional_db" if "live_server" in request.fixturenames else "db")
    from lti_tool.passback import deliveries_forget  # reason: loads before django.setup
    from lti_tool.platform_keys import platform_keys_forget  # reason: loads before django.setup
    from lti_tool.registry import registry_forget  # reason: loads before django.setup
    from lti_tool.services_http import tokens_forget_all  # reason: loads before django.setup
    from reporting.leads import leads_forget  # reason: loads before django.setup

    cache.clear()
    leads_forget()
    registry_forget()
    platform_keys_forget()
    tokens_forget_all()
    deliveries_forget()
    yield
    cache.clear()
    registry_forget()
    platform_keys_forget()
    tokens_forget_all()
    deliveries_forget()


@pytest.fixture(scope="session")
def platform_private_key():
    return rsa.generate_private_key(public_exponent=65537, key_size=2048)


def public_jwk(private_key, kid: str) -> dict:
    jwk = json.loads(jwt.algorithms.RSAAlgorithm.to_jwk(private_key.public_key()))
    jwk.pop("key_ops", None)
    jwk.update({"kid": kid, "alg": "RS256", "use": "sig"})
    return jwk


class JwksServer:
    """A platform's JWKS endpoint on loopback: real HTTP, with a key set tests can change."""

    def __init__(self):
        self.key_set: dict = {"keys": []}
        self.requests = 0
        self.status = 200
        server = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self):  # noqa: N802
                server.requests += 1
                body = json.dumps(server.key_set).encode()
                self.send_response(server.status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, *args):
                pass

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.httpd.server_address[1]}/jwks"
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)
        self.thread.start()

    def close(self):
        self.httpd.shutdown()
        self.httpd.server_close()


@pytest.fixture(scope="session")
def jwks_server_session():
    server = JwksServer()
    yield server
    server.close()


@pytest.fixture
def jwks_server(jwks_server_session, platform_private_key):
    jwks_server_session.key_set = {"keys": [public_jwk(platform_private_key, "platform-key-1")]}
    jwks_server_session.requests = 0
    jwks_server_session.status = 200
    return jwks_server_session


@pytest.fixture
def platform(db, jwks_server):
    p = Platform.objects.create(
        name="Test Canvas",
        issuer=ISSUER,
        client_id=CLIENT_ID,
        auth_login_url="https://canvas.test.example/api/lti/authorize_redirect?x=1",
        auth_token_url="https://canvas.test.example/login/oauth2/token",
        keyset_url=jwks_server.url,
    )
    Deployment.objects.create(platform=p, deployment_id=DEPLOYMENT_ID)
    return p


class LtiClient:
    """Drives the tool's login and launch as a platform and a browser would."""

    def __init__(self, client, platform, private_key, kid="platform-key-1"):
        self.client = client
        self.platform = platform
        self.private_key = private_key
        self.kid = kid

    def login(self, **overrides) -> tuple[str, str]:
        params = {
            "iss": self.platform.issuer,
            "login_hint": "user-hint",
            "target_link_uri": "http://testserver/app/",
            "client_id": self.platform.client_id,
            "lti_deployment_id": DEPLOYMENT_ID,
        }
        params.update(overrides)
        response = self.client.post(
            "/lti/login/", {k: v for k, v in params.items() if v is not None}
        )
        assert response.status_code == 302, response.content
        query = parse_qs(urlsplit(response["Location"]).query)
        return query["state"][0], query["nonce"][0]

    def claims(self, nonce_value: str, /, **overrides) -> dict:
        now = int(time.time())
        claims = {
            "iss": self.platform.issuer,
            "aud": self.platform.client_id,
            "sub": "user-123",
            "iat": now,
            "exp": now + 300,
            "nonce": nonce_value,
            "name": "Maya Alvarez",
            "email": "maya@district.example",
            LTI + "message_type": "LtiResourceLinkRequest",
            LTI + "version": "1.3.0",
            LTI + "deployment_id": DEPLOYMENT_ID,
            LTI + "target_link_uri": "http://testserver/app/",
            LTI + "resource_link": {"id": "link-1", "title": "Blended models"},
            LTI + "roles": ["http://purl.imsglobal.org/vocab/lis/v2/membership#Learner"],
            LTI + "context": {"id": "course-1", "title": "BL Cohort", "label": "BL"},
        }
        for key, value in overrides.items():
            if value is _DROP:
                claims.pop(key, None)
            else:
                claims[key] = value
        return claims

    def sign(self, claims: dict, *, key=None, kid=None, alg="RS256", headers=None) -> str:
        hdr = {"kid": kid if kid is not None else self.kid, **(headers or {})}
        if kid is False:
            hdr.pop("kid")
        return jwt.encode(claims, key or self.private_key, algorithm=alg, headers=hdr)

    def post_launch(self, id_token: str, state: str, *, cookie_state: str | None = None):
        return self.client.post("/lti/launch/", {"id_token": id_token, "state": state})

    def launch(self, **claim_overrides):
        state, nonce = self.login()
        token = self.sign(self.claims(nonce, **claim_overrides))  # noqa: B026
        return self.post_launch(token, state)


class _Drop:
    pass


_DROP = _Drop()


@pytest.fixture
def DROP():  # noqa: N802
    return _DROP


@pytest.fixture
def lti(client, platform, platform_private_key):
    return LtiClient(client, platform, platform_private_key)


@pytest.fixture
def unique():
    return lambda prefix="x": f"{prefix}-{uuid.uuid4().hex[:8]}"


class SmtpInbox:
    """What a real SMTP server on loopback received (aiosmtpd), as parsed email messages."""

    def __init__(self):
        self.messages: list[email.message.EmailMessage] = []
        self.envelopes: list[tuple[str, list[str]]] = []

    async def handle_DATA(self, server, session, envelope):  # noqa: N802 - aiosmtpd's hook name
        self.envelopes.append((envelope.mail_from, list(envelope.rcpt_tos)))
        self.messages.append(
            email.message_from_bytes(envelope.content, policy=email.policy.default)
        )
        return "250 Message accepted for delivery"

    def to(self, address: str) -> list[email.message.EmailMessage]:
        return [m for m in self.messages if address in m["To"]]


@pytest.fixture
def smtp_server(settings):
    """A real SMTP server on a free loopback port; Django's email settings point at it."""
    inbox = SmtpInbox()
    with socket.socket() as probe:  # a free port (aiosmtpd's start-up check cannot use 0)
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    controller = SmtpController(inbox, hostname="127.0.0.1", port=port)
    controller.start()
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST = "127.0.0.1"
    settings.EMAIL_PORT = port
    settings.EMAIL_USE_TLS = settings.EMAIL_USE_SSL = False
    settings.EMAIL_HOST_USER = settings.EMAIL_HOST_PASSWORD = ""
    settings.IGNITE_EMAIL_ENABLED = True
    inbox.port = settings.EMAIL_PORT
    try:
        yield inbox
    finally:
        controller.stop()
