"""A per-address request limit in the shared cache, for pages outside allauth's own limits
(allauth's only count POSTs). The address is REMOTE_ADDR, which TrustedProxyMiddleware has
already set to the visitor's behind our proxy."""

from __future__ import annotations

import ipaddress
import time

from django.core.cache import cache


def _address(request) -> str:
    raw = request.META.get("REMOTE_ADDR", "")
    try:
        ip = ipaddress.ip_address(raw)
    except ValueError:
        return raw[:64]
    if isinstance(ip, ipaddress.IPv6Address):
        # One household or machine holds a whole /64: count it as one address.
        return str(ipaddress.IPv6Network(f"{ip}/64", strict=False).network_address)
    return str(ip)


def allow(request, *, scope: str, limit: int, period: int = 60) -> bool:
    """Count one request from this address in `scope`: False once more than `limit`
    arrived within the current `period` seconds."""
    if limit <= 0:
        return True
    window = int(time.time() // period)
    key = f"portal:rl:{scope}:{_address(request)}:{window}"
    if cache.add(key, 1, timeout=period + 1):
        return True
    try:
        count = cache.incr(key)
    except ValueError:  # the key expired between add and incr
        cache.add(key, 1, timeout=period + 1)
        count = 1
    return count <= limit
