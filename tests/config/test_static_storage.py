"""The static storage keeps each URL it worked out, and still refuses names it does not know."""

import json

import pytest
from django.test import override_settings

from config.static_storage import KeptUrlStaticFilesStorage


def _storage(tmp_path, paths):
    (tmp_path / "staticfiles.json").write_text(json.dumps({"paths": paths, "version": "1.1"}))
    return KeptUrlStaticFilesStorage(location=str(tmp_path), base_url="/static/")


@override_settings(DEBUG=False)
def test_url_is_the_manifests_and_is_worked_out_once(tmp_path, monkeypatch):
    storage = _storage(tmp_path, {"ignite/ignite.css": "ignite/ignite.0123abcd.css"})
    assert storage.url("ignite/ignite.css") == "/static/ignite/ignite.0123abcd.css"
    calls = []
    original = storage.stored_name
    monkeypatch.setattr(storage, "stored_name", lambda name: calls.append(name) or original(name))
    assert storage.url("ignite/ignite.css") == "/static/ignite/ignite.0123abcd.css"
    assert calls == []  # kept: the manifest was not asked again
    assert storage.url("ignite/ignite.css", force=True) == "/static/ignite/ignite.0123abcd.css"
    assert calls == ["ignite/ignite.css"]  # force always asks the manifest


@override_settings(DEBUG=False)
def test_unknown_name_still_raises_every_time(tmp_path):
    storage = _storage(tmp_path, {})
    for _ in range(2):
        with pytest.raises(ValueError, match="Missing staticfiles manifest entry"):
            storage.url("ignite/missing.css")
    assert storage._kept_urls == {}


@override_settings(DEBUG=False)
def test_kept_urls_are_bounded(tmp_path, monkeypatch):
    monkeypatch.setattr("config.static_storage.KEPT_URLS", 2)
    paths = {f"f{i}.js": f"f{i}.abc.js" for i in range(4)}
    storage = _storage(tmp_path, paths)
    assert [storage.url(f"f{i}.js") for i in range(4)] == [f"/static/f{i}.abc.js" for i in range(4)]
    assert len(storage._kept_urls) == 2
