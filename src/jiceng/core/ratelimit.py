"""A counter per key in the configured cache: at most `limit` hits per window of `seconds`,
the window starting at the key's first hit.

`cache.add` (create only if missing) and `cache.incr` are single atomic operations in Redis and
Memcached, so processes sharing such a cache count together. LocMemCache is atomic too but
per process (each worker counts alone); the database and file caches implement `incr` as a
read then a write, so there two processes can both count the same number.
"""

from django.core.cache import cache

PREFIX = "ratelimit"


def hit(key, limit, seconds):
    """Count one hit on `key`; True while the window's count is within `limit`."""
    name = f"{PREFIX}:{key}"
    cache.add(name, 0, seconds)
    try:
        count = cache.incr(name)
    except ValueError:  # the window ran out between add and incr: this hit opens the next one
        cache.add(name, 0, seconds)
        count = cache.incr(name)
    return count <= limit


def client_address(request):
    """The address the request came from, as the server saw it (a proxy in front must set
    REMOTE_ADDR from the forwarded header itself; a header the client sends is not trusted)."""
    return request.META.get("REMOTE_ADDR", "") or "unknown"
