#!/usr/bin/env python3
"""A stand-in LMS for deploy/smoke, on plain http on loopback, and the browser that uses it.

    smoke_lms.py serve --port P --state DIR --tool https://localhost:Q --cacert CERT
        the LMS: its JWKS (/jwks), OIDC authorization (/authorize, answering the form post a
        browser would submit), OAuth2 token endpoint (/token, which checks the tool's client
        assertion against the tool's own JWKS over https) and an AGS line item whose scores it
        keeps (/lineitems/1, /lineitems/1/scores; GET /received lists them).
    smoke_lms.py launch --lms http://127.0.0.1:P --tool https://localhost:Q --cacert CERT
        a teacher's browser: login -> authorize -> launch through nginx, then the module page;
        with --mastery, takes the module's mastery check (all questions answered).

The platform's key is kept in DIR, so the LMS survives its own restarts; the id_token is signed
with it like any LMS's. Only the Python standard library, PyJWT, cryptography and requests
(Ignite's own dependencies) are used.
"""

from __future__ import annotations

import argparse
import html
import json
import re
import sys
import threading
import time
import uuid
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import jwt
import requests
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa

CLIENT_ID = "smoke-client"
DEPLOYMENT_ID = "smoke-deployment"
KID = "smoke-lms-1"
MODULE = "station-rotation"
LTI = "https://purl.imsglobal.org/spec/lti/claim/"
AGS = "https://purl.imsglobal.org/spec/lti-ags/claim/endpoint"
LEARNER = "http://purl.imsglobal.org/vocab/lis/v2/membership#Learner"
SCOPES = [
    "https://purl.imsglobal.org/spec/lti-ags/scope/lineitem",
    "https://purl.imsglobal.org/spec/lti-ags/scope/result.readonly",
    "https://purl.imsglobal.org/spec/lti-ags/scope/score",
]


def private_key(state: Path):
    path = state / "lms-key.pem"
    if not path.exists():
        key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
        path.write_bytes(
            key.private_bytes(
                serialization.Encoding.PEM,
                serialization.PrivateFormat.PKCS8,
                serialization.NoEncryption(),
            )
        )
    return serialization.load_pem_private_key(path.read_bytes(), password=None)


def serve(args) -> None:
    state = Path(args.state)
    key = private_key(state)
    jwk = json.loads(jwt.algorithms.RSAAlgorithm.to_jwk(key.public_key()))
    jwk.update({"kid": KID, "alg": "RS256", "use": "sig"})
    base = f"http://127.0.0.1:{args.port}"
    lock = threading.Lock()
    received: list[dict] = []
    tokens: set[str] = set()
    token_requests = [0]

    def tool_keys() -> dict:
        answer = requests.get(f"{args.tool}/.well-known/jwks.json", verify=args.cacert, timeout=10)
        answer.raise_for_status()
        return {k["kid"]: k for k in answer.json()["keys"]}

    class Handler(BaseHTTPRequestHandler):
        def log_message(self, fmt, *a):
            sys.stderr.write("lms: " + (fmt % a) + "\n")

        def send(self, status: int, body, content_type="application/json") -> None:
            data = body if isinstance(body, bytes) else json.dumps(body).encode()
            self.send_response(status)
            self.send_header("Content-Type", content_type)
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        def body(self) -> bytes:
            return self.rfile.read(int(self.headers.get("Content-Length") or 0))

        def do_GET(self):  # noqa: N802
            url = urlsplit(self.path)
            if url.path == "/jwks":
                return self.send(200, {"keys": [jwk]})
            if url.path == "/received":
                with lock:
                    return self.send(200, {"scores": received, "token_requests": token_requests[0]})
            if url.path == "/authorize":
                return self.authorize(parse_qs(url.query))
            return self.send(404, {"error": "not found"})

        def authorize(self, query) -> None:
            """What an LMS does at its OIDC authorization endpoint: check the request, then
            answer the form a browser posts to the tool (response_mode=form_post)."""
            one = {k: v[0] for k, v in query.items()}
            if one.get("client_id") != CLIENT_ID or one.get("response_mode") != "form_post":
                return self.send(400, {"error": "invalid_request", "got": one})
            hint = json.loads(one.get("lti_message_hint") or "{}")
            now = int(time.time())
            claims = {
                "iss": base,
                "aud": CLIENT_ID,
                "azp": CLIENT_ID,
                "sub": one["login_hint"],
                "iat": now,
                "exp": now + 300,
                "nonce": one["nonce"],
                "name": "Sam Smoke",
                "given_name": "Sam",
                "family_name": "Smoke",
                "email": "sam.smoke@district.example",
                LTI + "message_type": "LtiResourceLinkRequest",
                LTI + "version": "1.3.0",
                LTI + "deployment_id": DEPLOYMENT_ID,
                LTI + "target_link_uri": one["redirect_uri"].replace("/lti/launch/", "/app/"),
                LTI + "resource_link": {"id": hint.get("link", "link-1"), "title": "Week 1"},
                LTI + "roles": [LEARNER],
                LTI + "context": {"id": "course-1", "title": "Smoke cohort", "label": "SMK"},
                LTI + "custom": {"module": MODULE, "mastery_require_lessons": "false"},
                AGS: {
                    "scope": SCOPES,
                    "lineitems": f"{base}/lineitems",
                    "lineitem": f"{base}/lineitems/1",
                },
            }
            id_token = jwt.encode(claims, key, algorithm="RS256", headers={"kid": KID})
            page = (
                f'<form method="post" action="{html.escape(one["redirect_uri"])}">'
                f'<input type="hidden" name="id_token" value="{id_token}">'
                f'<input type="hidden" name="state" value="{html.escape(one["state"])}">'
                "</form>"
            )
            return self.send(200, page.encode(), "text/html")

        def do_POST(self):  # noqa: N802
            url = urlsplit(self.path)
            data = self.body()
            if url.path == "/token":
                return self.token(parse_qs(data.decode()))
            if url.path == "/lineitems/1/scores":
                auth = self.headers.get("Authorization", "")
                with lock:
                    known = auth.removeprefix("Bearer ") in tokens
                if not known:
                    return self.send(401, {"error": "unknown access token"})
                with lock:
                    received.append(json.loads(data))
                return self.send(200, {})
            return self.send(404, {"error": "not found"})

        def token(self, form) -> None:
            """client_credentials with a JWT client assertion signed by the tool's key, which
            must verify against the tool's published JWKS (after a restore too)."""
            assertion = (form.get("client_assertion") or [""])[0]
            try:
                kid = jwt.get_unverified_header(assertion)["kid"]
                public = jwt.algorithms.RSAAlgorithm.from_jwk(json.dumps(tool_keys()[kid]))
                claims = jwt.decode(
                    assertion, public, algorithms=["RS256"], audience=f"{base}/token"
                )
                assert claims["iss"] == CLIENT_ID and claims["sub"] == CLIENT_ID
            except Exception as exc:  # noqa: BLE001 - any failure is the answer
                sys.stderr.write(f"lms: client assertion refused: {exc!r}\n")
                return self.send(401, {"error": "invalid_client", "detail": repr(exc)})
            access = uuid.uuid4().hex
            with lock:
                tokens.add(access)
                token_requests[0] += 1
            scope = (form.get("scope") or [""])[0]
            return self.send(
                200,
                {
                    "access_token": access,
                    "token_type": "Bearer",
                    "expires_in": 3600,
                    "scope": scope,
                },
            )

    server = ThreadingHTTPServer(("127.0.0.1", args.port), Handler)
    server.daemon_threads = True
    print(f"stand-in LMS on {base}", flush=True)
    server.serve_forever()


def launch(args) -> int:
    """A browser: login, the LMS's authorization, the launch; then the module page."""
    tool, lms = args.tool.rstrip("/"), args.lms.rstrip("/")
    browser = requests.Session()
    browser.verify = args.cacert
    browser.trust_env = False  # REQUESTS_CA_BUNDLE would otherwise replace `verify`
    browser.headers["User-Agent"] = "ignite-smoke"
    origin = {"Origin": tool}
    login = browser.post(
        f"{tool}/lti/login/",
        data={
            "iss": lms,
            "login_hint": args.user,
            "target_link_uri": f"{tool}/app/",
            "client_id": CLIENT_ID,
            "lti_deployment_id": DEPLOYMENT_ID,
            "lti_message_hint": json.dumps({"link": "link-1"}),
        },
        headers=origin,
        allow_redirects=False,
        timeout=20,
    )
    where = login.headers.get("Location", "")
    if login.status_code != 302 or not where.startswith(f"{lms}/authorize"):
        return fail(f"login answered {login.status_code} to {where!r}: {login.text[:300]}")
    authorized = requests.get(where, timeout=20)
    fields = dict(re.findall(r'name="(id_token|state)" value="([^"]*)"', authorized.text))
    action = re.search(r'action="([^"]+)"', authorized.text)
    if authorized.status_code != 200 or len(fields) != 2 or not action:
        return fail(
            f"the LMS's authorization answered {authorized.status_code}: {authorized.text[:300]}"
        )
    landed = browser.post(
        html.unescape(action.group(1)),
        data={k: html.unescape(v) for k, v in fields.items()},
        headers=origin,
        timeout=20,
    )
    if landed.status_code != 200 or "/app/p/" not in landed.url:
        return fail(f"the launch ended at {landed.status_code} {landed.url}: {landed.text[:500]}")
    module_url = landed.url
    lt = parse_qs(urlsplit(module_url).query)["lt"][0]
    if args.expect_text and args.expect_text not in landed.text:
        return fail(f"the module page lacks {args.expect_text!r}")
    print(f"launched: {urlsplit(module_url).path} ({len(landed.text)} bytes)")
    if not args.mastery:
        return 0
    pid = re.search(r"/app/p/(\d+)/", module_url).group(1)
    start = browser.post(
        f"{tool}/app/p/{pid}/mastery/", data={"lt": lt}, headers=origin, allow_redirects=False
    )
    if start.status_code != 303:
        return fail(f"starting the mastery check answered {start.status_code}: {start.text[:300]}")
    attempt = urlsplit(start.headers["Location"]).path
    page = browser.get(f"{tool}{attempt}", params={"lt": lt})
    answers: dict[str, list[str]] = {"lt": [lt]}
    for name, value in re.findall(r'name="(q-[^"]+)" value="([^"]*)"', page.text):
        answers.setdefault(html.unescape(name), [html.unescape(value)])
    for name in re.findall(r'<select name="(q-[^"]+)"', page.text):
        options = re.findall(
            rf'<select name="{re.escape(name)}"[^>]*>(.*?)</select>', page.text, re.S
        )
        values = re.findall(r'<option value="([^"]+)"', options[0]) if options else []
        answers[html.unescape(name)] = [values[0] if values else "1"]
    for name in re.findall(r'type="text"[^>]*name="(q-[^"]+)"', page.text):
        answers.setdefault(html.unescape(name), ["1"])
    # The page's "Submit anyway" button: a question this parse missed must not hold up grading.
    answers["confirm"] = ["unanswered"]
    if len(answers) < 3:
        return fail(f"the mastery page shows no questions: {page.text[:300]}")
    submitted = browser.post(
        f"{tool}{attempt}", data=answers, headers=origin, allow_redirects=False
    )
    if submitted.status_code != 303:
        return fail(f"submitting answered {submitted.status_code}: {submitted.text[:300]}")
    result = browser.get(f"{tool}{attempt}", params={"lt": lt})
    score = re.search(r"(\d+(?:\.\d+)?)\s*%", result.text)
    print(
        f"mastery check submitted ({len(answers) - 2} answers), result page {result.status_code}"
        f"{', score ' + score.group(0) if score else ''}"
    )
    return 0 if result.status_code == 200 else fail("the result page did not open")


def fail(message: str) -> int:
    print(f"FAIL: {message}", file=sys.stderr)
    return 1


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    sub = parser.add_subparsers(dest="action", required=True)
    s = sub.add_parser("serve")
    s.add_argument("--port", type=int, required=True)
    s.add_argument("--state", required=True)
    s.add_argument("--tool", required=True)
    s.add_argument("--cacert", required=True)
    lp = sub.add_parser("launch")
    lp.add_argument("--lms", required=True)
    lp.add_argument("--tool", required=True)
    lp.add_argument("--cacert", required=True)
    lp.add_argument("--user", default="smoke-teacher-1")
    lp.add_argument("--mastery", action="store_true")
    lp.add_argument("--expect-text", default="")
    args = parser.parse_args()
    if args.action == "serve":
        serve(args)
        return 0
    return launch(args)


if __name__ == "__main__":
    sys.exit(main())
