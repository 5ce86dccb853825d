from __future__ import annotations

from urllib.parse import urlsplit

import pytest

from devplatform.platform import register


class DevBrowser:
    """The Django test client playing a browser on the live server's host, through the dev
    platform's real OIDC flow (picker -> login -> authorize -> auto-posted launch)."""

    def __init__(self, client, base: str):
        self.client, self.base = client, base
        self.host = urlsplit(base).netloc

    def get(self, url: str, data=None):
        parts = urlsplit(url)
        path = parts.path + (f"?{parts.query}" if parts.query else "")
        return self.client.get(path, data, HTTP_HOST=self.host)

    def launch(self, person: str, link: str):
        picker = self.get("/dev/platform/", {"person": person, "link": link})
        login = self.get(picker.context["launch_url"])
        if login.status_code == 200:
            # The platform offered its storage: the tool's page would store the state there
            # and go on; this client keeps the cookie, so it goes on at once.
            assert login.context["redirect_url"], login.content
            next_url = login.context["redirect_url"]
        else:
            assert login.status_code == 302, login.content
            next_url = login["Location"]
        autopost = self.get(next_url)
        assert autopost.status_code == 200, autopost.content
        launched = self.client.post(
            urlsplit(autopost.context["action"]).path,
            autopost.context["fields"],
            HTTP_HOST=self.host,
        )
        assert launched.status_code == 303, launched.content
        return launched["Location"]


@pytest.fixture
def dev_live(live_server, transactional_db):

    return register(live_server.url)


@pytest.fixture
def dev_browser(client, live_server, dev_live):
    return DevBrowser(client, live_server.url)
