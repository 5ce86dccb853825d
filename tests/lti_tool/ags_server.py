"""A platform's token endpoint and AGS 2.0 endpoints on loopback, with faults on demand.

Real HTTP (http.server in a thread), so the client under test runs its real requests code:
timeouts, headers, retries. Faults are queued per request kind: a status code (with an optional
Retry-After), or "drop" to close the connection without answering.
"""

from __future__ import annotations

import json
import random
import threading
import time
import uuid
from collections import deque
from datetime import datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlsplit

import jwt


class AgsServer:
    def __init__(self, tool_jwks, client_id: str):
        self.tool_jwks = tool_jwks  # callable returning the tool's JWKS dict
        self.client_id = client_id
        self.lock = threading.Lock()
        self.tokens: dict[str, float] = {}  # token -> expiry
        self.token_ttl = 3600
        self.token_requests = 0
        self.jtis: set[str] = set()
        self.line_items: dict[str, dict] = {}
        self.scores: dict[tuple[str, str], dict] = {}  # (line item id, user) -> latest score
        self.score_posts: list[dict] = []
        # Every accepted score with its line item, in the order they arrived.
        self.score_log: list[tuple[str, dict]] = []
        self.faults: dict[str, deque] = {"token": deque(), "lineitems": deque(), "scores": deque()}
        # Faults drawn per request: kind -> (probability, choices), from a seeded generator.
        self.random_faults: dict[str, tuple[float, list]] = {}
        self.fault_rng = random.Random(0)
        self.faults_injected: dict[str, int] = {}
        self.delay = 0.0
        self.auth_failures = 0
        self.in_flight = 0  # requests being answered now, and the most at once
        self.max_in_flight = 0
        server = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *args):
                pass

            def _send(self, status, body=None, headers=None):
                data = b"" if body is None else json.dumps(body).encode()
                self.send_response(status)
                for k, v in (headers or {}).items():
                    self.send_header(k, v)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def _body(self) -> bytes:
                # Read once, before any early answer, so keep-alive connections stay in step.
                if not hasattr(self, "_cached_body"):
                    length = int(self.headers.get("Content-Length") or 0)
                    self._cached_body = self.rfile.read(length)
                return self._cached_body

            def _fault(self, kind) -> bool:
                with server.lock:
                    fault = server.faults[kind].popleft() if server.faults[kind] else None
                    if fault is None and kind in server.random_faults:
                        rate, choices = server.random_faults[kind]
                        if server.fault_rng.random() < rate:
                            fault = server.fault_rng.choice(choices)
                    if fault is not None:
                        name = str(fault[0] if isinstance(fault, tuple) else fault)
                        server.faults_injected[name] = server.faults_injected.get(name, 0) + 1
                if fault is None:
                    return False
                if fault == "drop":
                    self.close_connection = True
                    self.connection.shutdown(2)
                    return True
                status, retry_after = fault if isinstance(fault, tuple) else (fault, None)
                self._send(
                    status,
                    {"error": f"injected {status}"},
                    {"Retry-After": str(retry_after)} if retry_after else None,
                )
                return True

            def _authorized(self) -> bool:
                auth = self.headers.get("Authorization", "")
                if not auth.startswith(
                    "Bearer "
                ):  # a lowercase "bearer" is refused, as Blackboard does
                    server.auth_failures += 1
                    self._send(401, {"error": "missing bearer token"})
                    return False
                if self.headers.get("User-Agent", "") == "":
                    self._send(400, {"error": "User-Agent required"})
                    return False
                expiry = server.tokens.get(auth[7:])
                if expiry is None or expiry < time.time():
                    server.auth_failures += 1
                    self._send(401, {"error": "invalid or expired token"})
                    return False
                return True

            def do_POST(self):  # noqa: N802
                with server.lock:
                    server.in_flight += 1
                    server.max_in_flight = max(server.max_in_flight, server.in_flight)
                try:
                    return self._post()
                finally:
                    with server.lock:
                        server.in_flight -= 1

            def _post(self):
                self.__dict__.pop(
                    "_cached_body", None
                )  # one handler serves a keep-alive connection
                self._body()
                if server.delay:
                    time.sleep(server.delay)
                path = urlsplit(self.path).path
                if path == "/token":
                    return self._token()
                if path == "/lineitems":
                    if self._fault("lineitems") or not self._authorized():
                        return None
                    item = json.loads(self._body())
                    if not item.get("scoreMaximum", 0) > 0 or not item.get("label"):
                        return self._send(400, {"error": "scoreMaximum > 0 and label required"})
                    item_id = f"{server.url}/lineitems/{uuid.uuid4().hex[:8]}?type=assignment"
                    item["id"] = item_id
                    server.line_items[item_id] = item
                    return self._send(201, item)
                if path.startswith("/lineitems/") and path.endswith("/scores"):
                    if self._fault("scores") or not self._authorized():
                        return None
                    if self.headers.get("Content-Type") != "application/vnd.ims.lis.v1.score+json":
                        return self._send(415, {"error": "wrong media type"})
                    query = urlsplit(self.path).query
                    item_id = f"{server.url}{path[: -len('/scores')]}" + (
                        f"?{query}" if query else ""
                    )
                    if item_id not in server.line_items:
                        return self._send(404, {"error": "no such line item"})
                    score = json.loads(self._body())
                    if "scoreGiven" in score and "scoreMaximum" not in score:
                        return self._send(400, {"error": "scoreGiven without scoreMaximum"})
                    ts = datetime.fromisoformat(score["timestamp"])
                    if ts.tzinfo is None:
                        return self._send(400, {"error": "timestamp needs a time zone"})
                    key = (item_id, score["userId"])
                    with server.lock:
                        server.score_posts.append(score)
                        server.score_log.append((item_id, score))
                        held = server.scores.get(key)
                        if held is None or datetime.fromisoformat(held["timestamp"]) < ts:
                            server.scores[key] = score
                    return self._send(204)
                return self._send(404, {"error": "not found"})

            def do_GET(self):  # noqa: N802
                parts = urlsplit(self.path)
                if parts.path == "/lineitems":
                    if self._fault("lineitems") or not self._authorized():
                        return None
                    q = parse_qs(parts.query)
                    items = [
                        i
                        for i in server.line_items.values()
                        if not q.get("resource_link_id")
                        or i.get("resourceLinkId") == q["resource_link_id"][0]
                    ]
                    return self._send(200, items)
                return self._send(404, {"error": "not found"})

            def _token(self):
                with server.lock:
                    server.token_requests += 1
                if self._fault("token"):
                    return None
                form = parse_qs(self._body().decode())
                assertion = form.get("client_assertion", [""])[0]
                try:
                    kid = jwt.get_unverified_header(assertion)["kid"]
                    jwk = next(k for k in server.tool_jwks()["keys"] if k["kid"] == kid)
                    claims = jwt.decode(
                        assertion,
                        jwt.algorithms.RSAAlgorithm.from_jwk(jwk),
                        algorithms=["RS256"],
                        audience=f"{server.url}/token",
                    )
                except Exception as exc:  # noqa: BLE001
                    return self._send(
                        401, {"error": "invalid_client", "error_description": str(exc)}
                    )
                if claims.get("iss") != server.client_id or claims.get("sub") != server.client_id:
                    return self._send(401, {"error": "invalid_client"})
                if claims["jti"] in server.jtis:
                    return self._send(
                        400, {"error": "invalid_grant", "error_description": "jti reused"}
                    )
                server.jtis.add(claims["jti"])
                token = uuid.uuid4().hex
                server.tokens[token] = time.time() + server.token_ttl
                return self._send(
                    200,
                    {
                        "access_token": token,
                        "token_type": "Bearer",
                        "expires_in": server.token_ttl,
                        "scope": form.get("scope", [""])[0],
                    },
                )

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.httpd.daemon_threads = True
        self.url = f"http://127.0.0.1:{self.httpd.server_address[1]}"
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)
        self.thread.start()

    def expire_all_tokens(self):
        with self.lock:
            for token in self.tokens:
                self.tokens[token] = 0

    def close(self):
        self.httpd.shutdown()
        self.httpd.server_close()
