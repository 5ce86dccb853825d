"""Launch tokens never reach a log.

A page's launch token travels in its URL (`?lt=`), and so does a trainer's one-time handoff
code (`/lti/handoff/?code=`). Access logs keep URLs for months, where anyone reading them could
open the page: every log line, Django's development server's included, has them replaced by
`[redacted]`, and gunicorn's access log does the same (config/gunicorn.conf.py).
"""

from __future__ import annotations

import logging
import re

_SECRET_PARAMS = re.compile(r"((?:^|[?&;]|%3F|%26)(?:lt|code)(?:=|%3D))[^&;\s\"'#]+", re.I)


def redact(text: str) -> str:
    return _SECRET_PARAMS.sub(r"\1[redacted]", text)


class RedactLaunchTokens(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        try:
            message = record.getMessage()
        except (TypeError, ValueError):  # a malformed record: leave it to the handler
            return True
        redacted = redact(message)
        if redacted != message:
            record.msg, record.args = redacted, ()
        return True
