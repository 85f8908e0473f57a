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

The list and its searches (/standards/?q=…) are kept for anonymous visitors in each
process's memory alone (`get_list`, `keep_list`), under the language and the whole query
string, and all of them are dropped at any document's change.
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
from urllib.parse import urlparse

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
# Pages of the list and its searches, kept apart so that many different searches never
# push the documents' pages out. Marked by a key segment no slug can hold.
LIST_MARK = "=list="
LOCAL_MAX_LISTS = 200


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
    # Redis's channels are one for the whole server whatever the database number: the
    # number is in the name, so deployments (or test runs) on one server sharing a key
    # prefix do not drop each other's copies.
    database = urlparse(_redis_url() or "").path.strip("/") or "0"
    return cache.make_key(f"{PREFIX}:forget:db{database}")


class _Local:
    """This process's copies of kept pages, trusted only while subscribed to forgets."""

    def __init__(self):
        self.pid = os.getpid()
        self.lock = threading.Lock()
        self.pages: dict[str, tuple[float, bytes]] = {}
        self.lists: dict[str, tuple[float, bytes]] = {}
        self.epoch = 0  # counts drops: a copy read from Redis before a drop is not kept
        self.subscribed = threading.Event()
        self.url = _redis_url()
        self.publisher = None
        if self.url:
            threading.Thread(
                target=self._listen, name="standards-page-forgets", daemon=True
            ).start()

    def _store(self, key: str) -> tuple[dict[str, tuple[float, bytes]], int]:
        if LIST_MARK in key:
            return self.lists, LOCAL_MAX_LISTS
        return self.pages, LOCAL_MAX_PAGES

    def get(self, key: str) -> bytes | None:
        if not self.subscribed.is_set():
            return None
        entry = self._store(key)[0].get(key)
        if entry is None or entry[0] < time.monotonic():
            return None
        return entry[1]

    def put(self, key: str, content: bytes, epoch: int) -> None:
        with self.lock:
            if not self.subscribed.is_set() or epoch != self.epoch:
                return
            store, most = self._store(key)
            if len(store) >= most:
                store.clear()
            store[key] = (time.monotonic() + LOCAL_SECONDS, content)

    def drop(self, slug: str | None) -> None:
        with self.lock:
            self.epoch += 1
            # Any change to any document may change the list and what a search finds.
            self.lists.clear()
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


def list_key(request) -> str:
    """The list page as asked for: everything it shows follows from the language and the
    query string (the form shows what was typed, the page links carry every parameter)."""
    query = sorted((k, v) for k, values in request.GET.lists() for v in values)
    digest = hashlib.sha256(repr(query).encode()).hexdigest()
    return f"{PREFIX}:{_deployment()}:{translation.get_language() or ''}:{LIST_MARK}{digest}"


def get_list(key: str) -> bytes | None:
    """The list page, from this process's memory only.

    Searches are as many as visitors can type: they are never written to the shared cache,
    where they would push out what matters; each process keeps at most LOCAL_MAX_LISTS for
    LOCAL_SECONDS, and drops them all at any document's change (announced on the channel
    like every forget), so a popular search costs no query at all."""
    return _the_local().get(key)


def list_epoch() -> int:
    """Read before rendering a list page: `keep_list` keeps it only if no change arrived
    meanwhile."""
    return _the_local().epoch


def keep_list(key: str, content: bytes, epoch: int) -> None:
    _the_local().put(key, bytes(content), epoch)


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
