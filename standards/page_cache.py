"""The rendered page of a document's current edition, kept in the shared cache (Redis) for
anonymous readers.

What an anonymous reader sees of /standards/<slug>/ is the same for everyone: published text,
nothing personal, no form and no CSRF token. So the whole HTML body is kept under a key
naming the document (and this deployment's static files and language) together with the
edition it shows, and served with one cache GET before any query runs. Everything around
the body (security headers, CSP, Vary: Cookie) is still added by the middleware on every
response; the portal's CSP uses no nonces, so nothing in the kept body is per-request.

Only anonymous visitors without pending messages are served from, or fill, the cache;
logged-in people (whose header shows their own menu, and publishers who may see previews)
always get a fresh page.

Any change to a document, its editions, their standards, examples or kept PDF (publishing,
superseding, withdrawing, the PDF's size appearing) deletes the document's page when the
change commits (`signals` below). A page rendered from data read before such a commit is
not kept: the miss path reads the document's generation token before rendering and keeps
the page only if the token is unchanged after. Pages also expire after `PAGE_SECONDS`.

Each process also keeps the pages it served in memory (`_Local`), so that a popular page
costs no round trip to Redis at all. That copy is only used while the process is
subscribed to the Redis channel on which every `forget` is announced: a listener thread
drops a document's copy the moment its forget arrives (well within a millisecond of the
commit) and drops every copy whenever its subscription is lost. The copy also expires
after `LOCAL_SECONDS`.
"""

from __future__ import annotations

import contextlib
import hashlib
import logging
import os
import threading
import time
import uuid
from functools import cache as memoize

from django.conf import settings
from django.contrib.messages import get_messages
from django.core.cache import cache
from django.db import transaction
from django.utils import translation

logger = logging.getLogger(__name__)

PAGE_SECONDS = 10 * 60
GENERATION_SECONDS = 2 * PAGE_SECONDS
PREFIX = "standards:page:v1"
LOCAL_SECONDS = 60
LOCAL_MAX_PAGES = 500


@memoize
def _deployment() -> str:
    """Changes with the static files' manifest, so a new release never serves pages that
    name stylesheets it no longer has."""
    from django.contrib.staticfiles.storage import staticfiles_storage

    manifest = getattr(staticfiles_storage, "manifest_hash", "") or ""
    return hashlib.sha256(manifest.encode()).hexdigest()[:12]


def _page_key(slug: str, language: str | None = None) -> str:
    language = language or translation.get_language() or ""
    return f"{PREFIX}:{_deployment()}:{language}:{slug}"


def _page_keys(slug: str) -> list[str]:
    """The page's key in every language (an English and a Welsh page per edition)."""
    from django.conf import settings

    return [_page_key(slug, code) for code, _name in settings.LANGUAGES]


def _generation_key(slug: str) -> str:
    return f"{PREFIX}:generation:{slug}"


def _redis_url() -> str | None:
    config = settings.CACHES.get("default", {})
    if "redis" not in config.get("BACKEND", "").lower():
        return None
    location = config.get("LOCATION")
    return location if isinstance(location, str) else None


def _channel() -> str:
    return cache.make_key(f"{PREFIX}:forget")


class _Local:
    """This process's copies of kept pages, trusted only while subscribed to forgets."""

    def __init__(self):
        self.pid = os.getpid()
        self.lock = threading.Lock()
        self.pages: dict[str, tuple[float, bytes]] = {}
        self.epoch = 0  # counts drops: a copy read from Redis before a drop is not kept
        self.subscribed = threading.Event()
        self.url = _redis_url()
        self.publisher = None
        if self.url:
            threading.Thread(
                target=self._listen, name="standards-page-forgets", daemon=True
            ).start()

    def get(self, key: str) -> bytes | None:
        if not self.subscribed.is_set():
            return None
        entry = self.pages.get(key)
        if entry is None or entry[0] < time.monotonic():
            return None
        return entry[1]

    def put(self, key: str, content: bytes, epoch: int) -> None:
        with self.lock:
            if not self.subscribed.is_set() or epoch != self.epoch:
                return
            if len(self.pages) >= LOCAL_MAX_PAGES:
                self.pages.clear()
            self.pages[key] = (time.monotonic() + LOCAL_SECONDS, content)

    def drop(self, slug: str | None) -> None:
        with self.lock:
            self.epoch += 1
            if slug is None:
                self.pages.clear()
            else:
                for key in [k for k in self.pages if k.rsplit(":", 1)[-1] == slug]:
                    del self.pages[key]

    def announce(self, slugs) -> None:
        if not self.url:
            return
        import redis

        if self.publisher is None:
            self.publisher = redis.Redis.from_url(self.url)
        channel = _channel()
        for slug in slugs:
            self.publisher.publish(channel, slug)

    def _listen(self) -> None:
        import redis

        while True:
            pubsub = None
            try:
                pubsub = redis.Redis.from_url(self.url, health_check_interval=30).pubsub()
                pubsub.subscribe(_channel())
                for message in pubsub.listen():
                    if message["type"] == "subscribe":
                        self.drop(None)  # whatever was kept before is not trusted
                        self.subscribed.set()
                    elif message["type"] == "message":
                        self.drop(message["data"].decode())
            except Exception:  # noqa: BLE001 - reconnect below; copies unused meanwhile
                logger.info("standards page forgets: subscription lost", exc_info=True)
            finally:
                self.subscribed.clear()
                self.drop(None)
                if pubsub is not None:
                    with contextlib.suppress(Exception):
                        pubsub.close()
            time.sleep(1)


_local: _Local | None = None
_local_lock = threading.Lock()


def _the_local() -> _Local:
    global _local
    if _local is None or _local.pid != os.getpid():
        with _local_lock:
            if _local is None or _local.pid != os.getpid():
                _local = _Local()
    return _local


def cacheable(request) -> bool:
    """May this request be answered with, and its page kept as, the shared anonymous page?"""
    if request.method not in ("GET", "HEAD"):
        return False
    user = getattr(request, "user", None)
    if user is None or user.is_authenticated:
        return False
    # A message waiting to be shown (after logging out, say) is shown on a fresh page.
    # len() does not mark messages as read.
    return len(get_messages(request)) == 0


def get(slug: str) -> bytes | None:
    key = _page_key(slug)
    local = _the_local()
    content = local.get(key)
    if content is not None:
        return content
    epoch = local.epoch
    try:
        value = cache.get(key)
    except Exception:  # noqa: BLE001 - a cache outage renders the page instead
        logger.warning("standards page cache unavailable", exc_info=True)
        return None
    if isinstance(value, tuple) and len(value) == 2:
        local.put(key, value[1], epoch)
        return value[1]
    return None


def generation(slug: str):
    try:
        return cache.get(_generation_key(slug))
    except Exception:  # noqa: BLE001
        return None


def keep(slug: str, *, edition_pk: int, content: bytes, generation_before) -> None:
    """Keep the page unless the document changed while it was being rendered."""
    local = _the_local()
    epoch = local.epoch
    try:
        if cache.get(_generation_key(slug)) != generation_before:
            return
        cache.set(_page_key(slug), (edition_pk, bytes(content)), PAGE_SECONDS)
        local.put(_page_key(slug), bytes(content), epoch)
    except Exception:  # noqa: BLE001
        logger.warning("standards page cache unavailable", exc_info=True)


def _forget_now(slugs: set[str]) -> None:
    local = _the_local()
    for slug in slugs:
        local.drop(slug)
    try:
        cache.set_many({_generation_key(s): uuid.uuid4().hex for s in slugs}, GENERATION_SECONDS)
        cache.delete_many([key for s in slugs for key in _page_keys(s)])
        local.announce(slugs)
    except Exception:  # noqa: BLE001
        logger.warning("standards page cache not cleared for %s", sorted(slugs), exc_info=True)


def forget(*slugs: str) -> None:
    """Drop the kept pages of these documents now and again when the transaction commits
    (so that a page rendered meanwhile from the old rows is dropped as well)."""
    wanted = {s for s in slugs if s}
    if not wanted:
        return
    _forget_now(wanted)
    transaction.on_commit(lambda: _forget_now(wanted))


def clear_local() -> None:
    """Drop this process's copies (the test suite does between tests, as it empties Redis)."""
    if _local is not None:
        _local.drop(None)
