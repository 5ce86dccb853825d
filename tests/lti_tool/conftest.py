from __future__ import annotations

import pytest

from keys.services import jwks
from tests.lti_tool.ags_server import AgsServer


@pytest.fixture
def ags(platform):
    """The platform's token and AGS endpoints on loopback (tests/lti_tool/ags_server.py)."""
    snapshot = jwks()  # read here: the server thread has no access to the test's transaction
    server = AgsServer(lambda: snapshot, platform.client_id)
    platform.auth_token_url = f"{server.url}/token"
    platform.save()
    yield server
    server.close()
