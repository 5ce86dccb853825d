"""config/redis_cache.py: Django's Redis cache with its client kept, against a real Redis on
loopback (skipped when none answers; TEST_REDIS_URL names the database to use)."""

from __future__ import annotations

import os
import uuid

import pytest
import redis

from config.redis_cache import KeptClientRedisCache

URL = os.environ.get("TEST_REDIS_URL", "redis://127.0.0.1:6379/7")


@pytest.fixture
def cache():
    try:
        redis.Redis.from_url(URL, socket_connect_timeout=0.5).ping()
    except redis.RedisError:
        pytest.skip(f"no Redis at {URL}")
    backend = KeptClientRedisCache(URL, {"KEY_PREFIX": f"test-{uuid.uuid4().hex}"})
    yield backend
    backend.clear()


def test_behaves_as_the_cache_django_ships(cache):
    assert cache.add("nonce", 1, 60) is True
    assert cache.add("nonce", 2, 60) is False  # single use: what the launch's nonce relies on
    assert cache.get("nonce") == 1
    cache.set("record", {"a": [1, 2]}, 60)
    assert cache.get("record") == {"a": [1, 2]}
    cache.delete("record")
    assert cache.get("record", "gone") == "gone"


def test_one_client_per_pool(cache):
    client = cache._cache.get_client(write=True)
    assert cache._cache.get_client(write=False) is client
    assert client.connection_pool is cache._cache._pools[0]


def test_replicas_are_read_from_their_own_pool():
    backend = KeptClientRedisCache(
        [URL, URL.rsplit("/", 1)[0] + "/6"], {"KEY_PREFIX": "never-used"}
    )
    writer = backend._cache.get_client(write=True)
    reader = backend._cache.get_client(write=False)
    assert writer is not reader
    assert reader.connection_pool is backend._cache._pools[1]
    assert writer.connection_pool is backend._cache._pools[0]
