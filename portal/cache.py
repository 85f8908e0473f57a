"""Django's Redis cache, with one redis-py client per connection pool instead of a new one
for every call.

Django's `RedisCacheClient.get_client` builds a `redis.Redis` on each cache operation; with
redis-py 8 that costs about as much as the GET itself (it fills a table of some 170 reply
handlers every time). The client holds no state of its own beyond its pool and is safe to
share, so it is made once per pool (Django's caches are per thread already)."""

from __future__ import annotations

from django.core.cache.backends.redis import RedisCache, RedisCacheClient


class _SharedClientRedisCacheClient(RedisCacheClient):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self._clients = {}

    def get_client(self, key=None, *, write=False):
        pool = self._get_connection_pool(write)
        client = self._clients.get(id(pool))
        if client is None or client.connection_pool is not pool:
            client = self._clients[id(pool)] = self._client(connection_pool=pool)
        return client


class PortalRedisCache(RedisCache):
    def __init__(self, server, params):
        super().__init__(server, params)
        self._class = _SharedClientRedisCacheClient
