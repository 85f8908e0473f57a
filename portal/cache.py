"""Django's Redis cache, with one redis-py client per connection pool instead of a new one
for every call.

Django's `RedisCacheClient.get_client` builds a `redis.Redis` on each cache operation; with
redis-py 8 that costs about as much as the GET itself (it fills a table of some 170 reply
handlers every time). The client holds no state of its own beyond its pool and is safe to
share, so it is made once per pool (Django's caches are per thread already). Each call's
time counts towards the request's cache time in the metrics."""

from __future__ import annotations

import time

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
        self._class = _TimedClient


def _timed(name: str):
    def method(self, *args, **kwargs):
        from portal.metrics import add_cache_time

        start = time.perf_counter()
        try:
            return getattr(super(_TimedClient, self), name)(*args, **kwargs)
        finally:
            add_cache_time(time.perf_counter() - start)

    method.__name__ = name
    return method


class _TimedClient(_SharedClientRedisCacheClient):
    """Adds each call's time to the request's cache time (portal.metrics)."""


for _name in (
    "add",
    "get",
    "set",
    "touch",
    "delete",
    "get_many",
    "has_key",
    "incr",
    "set_many",
    "delete_many",
    "clear",
):
    setattr(_TimedClient, _name, _timed(_name))
