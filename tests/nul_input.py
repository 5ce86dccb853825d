"""Posting a NUL character (PostgreSQL cannot store one in text) the two ways a browser sends a
form; the refusal every app's views must give (lti_tool.middleware.RejectNulMiddleware)."""

from __future__ import annotations

from urllib.parse import urlencode

MULTIPART, URLENCODED = "multipart", "urlencoded"
ENCODINGS = [MULTIPART, URLENCODED]


def nul_post(who, url: str, data: dict, encoding: str, **extra):
    """`who` (a launched Teacher) posts `data` as multipart or as an urlencoded form."""
    extra.setdefault("HTTP_ORIGIN", "http://testserver")
    if encoding == MULTIPART:
        return who.client.post(url, {"lt": who.lt, **data}, **extra)
    return who.client.post(
        url,
        urlencode({"lt": who.lt, **data}),
        content_type="application/x-www-form-urlencoded",
        **extra,
    )


def assert_nul_refused(response) -> None:
    assert response.status_code == 400, response.content[:500]
    assert b"characters that are not allowed" in response.content
