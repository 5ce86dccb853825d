"""Django's Redis cache, with one redis-py client per connection pool instead of one per call.

`django.core.cache.backends.redis.RedisCacheClient.get_client` builds a new `redis.Redis`
around the (shared) connection pool for every cache call; building it (its response
callbacks, its retry policy) was a measurable part of a launch's CPU (bench/launch.py with
py-spy: ~3% of the launch). A `redis.Redis` is safe to share between threads, and the pools
are already kept, so the client is kept beside its pool. Nothing else changes.
"""

from __future__ import annotations

from django.core.cache.backends.redis import RedisCache, RedisCacheClient


class KeptClientRedisCacheClient(RedisCacheClient):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self._clients = {}

    def get_client(self, key=None, *, write=False):
        index = self._get_connection_pool_index(write)
        client = self._clients.get(index)
        if client is None:
            # The pool of this index (Django's _get_connection_pool would draw another
            # read replica at random).
            if index not in self._pools:
                self._pools[index] = self._pool_class.from_url(
                    self._servers[index], **self._pool_options
                )
            client = self._clients[index] = self._client(connection_pool=self._pools[index])
        return client


class KeptClientRedisCache(RedisCache):
    def __init__(self, server, params):
        super().__init__(server, params)
        self._class = KeptClientRedisCacheClient
