"""Page links bound to the browser that launched (pagesession/binding.py, LaunchMiddleware): a URL
copied into another browser does not carry a trainer's session, and carries a teacher's own
pages only for IGNITE_UNBOUND_TOKEN_TTL; launch tokens stay out of logs."""

from __future__ import annotations

import logging
import time
from urllib.parse import parse_qs, urlsplit

import pytest
from django.test import Client

import pagesession.launch_token
from lti_tool.log_redact import RedactLaunchTokens, redact
from pagesession.binding import BIND_COOKIE, binding_hash
from pagesession.launch_token import LaunchClaims
from tests.conftest import LTI

pytestmark = pytest.mark.django_db

INSTRUCTOR = "http://purl.imsglobal.org/vocab/lis/v2/membership#Instructor"


def lt_of(response) -> str:
    assert response.status_code == 303, response.content[:300]
    return parse_qs(urlsplit(response["Location"]).query)["lt"][0]


def later(monkeypatch, seconds: int):
    """Move the clock launch tokens are judged by."""
    monkeypatch.setattr(pagesession.launch_token, "now", lambda: time.time() + seconds)


def test_launch_sets_a_partitioned_binding_cookie_the_token_names(lti, client):
    response = lti.launch()
    morsel = response.cookies[BIND_COOKIE]
    header = morsel.output(header="")
    for attribute in ("HttpOnly", "Secure", "SameSite=None", "Partitioned", "Path=/;"):
        assert attribute in header
    claims = LaunchClaims.from_token(lt_of(response))
    assert claims.binding == binding_hash(morsel.value)
    # A second launch in the same browser keeps its binding: an earlier tab goes on working.
    again = lti.launch()
    assert again.cookies[BIND_COOKIE].value == morsel.value
    assert client.get("/app/", {"lt": lt_of(response)}).status_code in (200, 302)


def test_a_trainer_url_in_another_browser_is_a_relaunch_page(lti, client):
    lt = lt_of(lti.launch(sub="trainer-1", **{LTI + "roles": [INSTRUCTOR]}))
    assert client.get("/app/trainer/", {"lt": lt}).status_code == 200
    elsewhere = Client().get("/app/trainer/", {"lt": lt})
    assert elsewhere.status_code == 401
    html = elsewhere.content.decode()
    assert 'data-testid="relaunch"' in html and 'data-testid="dashboard-filters"' not in html
    assert (
        "frame-ancestors 'self' https://canvas.test.example" in elsewhere["Content-Security-Policy"]
    )
    # Another browser's own binding cookie does not help either.
    other = Client()
    other.cookies[BIND_COOKIE] = "A" * 43
    assert other.get("/app/", {"lt": lt}).status_code == 401


def test_a_teacher_url_in_another_browser_works_only_for_minutes(
    lti, client, monkeypatch, settings
):
    settings.IGNITE_UNBOUND_TOKEN_TTL = 600
    lt = lt_of(lti.launch())
    elsewhere = Client()
    page = elsewhere.get("/app/", {"lt": lt}, follow=True)
    assert page.status_code == 200
    assert 'data-testid="participant-name">Maya Alvarez<' in page.content.decode()
    # ...never more than the teacher's own work:
    assert elsewhere.get("/app/trainer/", {"lt": lt}).status_code == 403
    later(monkeypatch, 601)
    gone = elsewhere.get("/app/", {"lt": lt})
    assert gone.status_code == 401 and 'data-testid="relaunch"' in gone.content.decode()
    assert client.get("/app/", {"lt": lt}, follow=True).status_code == 200  # the teacher's own


def test_links_on_a_copied_teacher_page_do_not_extend_its_minutes(lti, monkeypatch):
    lt = lt_of(lti.launch())
    page = Client().get("/app/", {"lt": lt}, follow=True)
    assert f"lt={lt}" in page.content.decode().replace("%3A", ":")


def cookieless_launch(lti, client, **claims):
    """A launch whose frame kept no cookie: the state came from the platform's storage."""
    client.post("/lti/login/", {"iss": lti.platform.issuer, "login_hint": "h",
                                "target_link_uri": "http://testserver/app/",
                                "client_id": lti.platform.client_id})  # fmt: skip
    response = client.post(
        "/lti/login/",
        {
            "iss": lti.platform.issuer,
            "login_hint": "h",
            "target_link_uri": "http://testserver/app/",
            "client_id": lti.platform.client_id,
            "lti_storage_target": "_parent",
        },
    )
    query = parse_qs(urlsplit(response.context["redirect_url"]).query)
    state, sealed = query["state"][0], response.context["value"]
    client.cookies.clear()  # the frame keeps nothing
    return client.post(
        "/lti/launch/",
        {
            "id_token": lti.sign(lti.claims(query["nonce"][0], **claims)),
            "state": state,
            "lti_storage_target": "_parent",
            "ignite_platform_storage": "1",
            "ignite_platform_state": sealed,
        },
        HTTP_ORIGIN="http://testserver",
    )


def test_a_teacher_in_a_frame_without_cookies_gets_short_lived_links(lti, client, monkeypatch):
    response = cookieless_launch(lti, client)
    assert BIND_COOKIE not in response.cookies
    lt = lt_of(response)
    assert LaunchClaims.from_token(lt).binding == ""
    later(monkeypatch, 300)
    page = client.get("/app/", {"lt": lt})
    assert page.status_code == 200
    fresh = page.context["launch"].token
    assert f"lt={fresh}" in page.content.decode().replace("%3A", ":")
    assert LaunchClaims.from_token(fresh).issued_at - LaunchClaims.from_token(lt).issued_at >= 300
    later(monkeypatch, 300 + 599)
    assert client.get("/app/", {"lt": lt}).status_code == 401  # each link lives minutes...
    assert client.get("/app/", {"lt": fresh}).status_code == 200  # ...from its own page
    later(monkeypatch, 8 * 3600 + 1)
    assert client.get("/app/", {"lt": fresh}).status_code == 401  # never past the launch


def test_a_trainer_in_a_frame_without_cookies_goes_on_in_a_new_window(lti, client):
    response = cookieless_launch(lti, client, sub="trainer-1", **{LTI + "roles": [INSTRUCTOR]})
    assert response.status_code == 200
    html = response.content.decode()
    assert 'data-testid="open-in-new-window"' in html and 'target="_blank"' in html
    handoff = response.context["handoff_url"]
    window = Client()  # the new window: first party, keeps its cookie
    opened = window.get(handoff)
    assert opened.status_code == 303
    lt = lt_of(opened)
    assert LaunchClaims.from_token(lt).binding == binding_hash(opened.cookies[BIND_COOKIE].value)
    assert window.get("/app/trainer/", {"lt": lt}).status_code == 200
    assert Client().get(handoff).status_code == 400  # single use
    assert Client().get("/app/trainer/", {"lt": lt}).status_code == 401


def test_an_unbound_trainer_token_carries_nothing(client, platform):
    token = LaunchClaims(platform.pk, 1, 1, 1, None, "trainer").to_token()
    assert client.get("/app/trainer/", {"lt": token}).status_code == 401


def test_launch_tokens_are_redacted_from_log_lines():
    line = '"GET /app/p/3/?lt=eyJhbGc:1abc:sig-_x&x=1 HTTP/1.1" 200 1234 "http://h/app/?lt=T"'
    assert redact(line) == (
        '"GET /app/p/3/?lt=[redacted]&x=1 HTTP/1.1" 200 1234 "http://h/app/?lt=[redacted]"'
    )
    assert redact("/lti/handoff/?code=abc") == "/lti/handoff/?code=[redacted]"
    assert redact("/app/?alt=1&slt=2") == "/app/?alt=1&slt=2"
    record = logging.LogRecord(
        "django.server", logging.INFO, "", 0, '"%s" %s %s', ("GET /app/?lt=secret HTTP/1.1", 200, 5), None
    )  # fmt: skip
    assert RedactLaunchTokens().filter(record)
    assert "secret" not in record.getMessage() and "lt=[redacted]" in record.getMessage()


@pytest.mark.parametrize("name", ["django.server", "ignite.lti.security"])
def test_log_lines_go_through_the_redacting_handler(name):
    logger, handlers = logging.getLogger(name), []
    while logger:
        handlers += [h for h in logger.handlers if h.name == "console"]  # ours, not pytest's
        logger = logger.parent if logger.propagate else None
    assert handlers
    for handler in handlers:
        assert any(isinstance(f, RedactLaunchTokens) for f in handler.filters), handler


def test_gunicorn_access_log_redacts():
    import importlib.util
    from pathlib import Path
    from types import SimpleNamespace

    path = Path(__file__).resolve().parents[2] / "config" / "gunicorn.conf.py"
    spec = importlib.util.spec_from_file_location("ignite_gunicorn_conf", path)
    conf = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(conf)
    from gunicorn.config import Config

    logger = conf.RedactingLogger(Config())
    req = SimpleNamespace(
        method="GET", path="/app/", query="lt=secret", uri="/app/?lt=secret", version=(1, 1),
        headers=[("REFERER", "http://h/app/?lt=secret2")],
    )  # fmt: skip
    resp = SimpleNamespace(status="200 OK", response_length=5, sent=5, headers=[])
    environ = {"REMOTE_ADDR": "127.0.0.1", "RAW_URI": "/app/?lt=secret", "REQUEST_METHOD": "GET", "SERVER_PROTOCOL": "HTTP/1.1", "PATH_INFO": "/app/", "QUERY_STRING": "lt=secret", "HTTP_REFERER": "http://h/app/?lt=secret2"}  # fmt: skip
    from datetime import timedelta

    atoms = logger.atoms(resp, req, environ, timedelta(seconds=0.01))
    assert not any("secret" in str(v) for v in atoms.values()), atoms
    assert "lt=[redacted]" in atoms["r"]


def test_a_trainer_deep_linking_without_cookies_gets_the_picker_in_the_new_window(lti, client):
    response = cookieless_launch(
        lti,
        client,
        sub="trainer-1",
        **{
            LTI + "roles": [INSTRUCTOR],
            LTI + "message_type": "LtiDeepLinkingRequest",
            "https://purl.imsglobal.org/spec/lti-dl/claim/deep_linking_settings": {
                "deep_link_return_url": "https://canvas.test.example/dl"
            },
        },
    )
    opened = Client().get(response.context["handoff_url"])
    assert opened.status_code == 303
    assert opened["Location"].startswith("/app/deep-link/?dl=") and "&lt=" in opened["Location"]
