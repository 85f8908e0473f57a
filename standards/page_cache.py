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
"""

from __future__ import annotations

import hashlib
import logging
import uuid
from functools import cache as memoize

from django.contrib.messages import get_messages
from django.core.cache import cache
from django.db import transaction
from django.utils import translation

logger = logging.getLogger(__name__)

PAGE_SECONDS = 10 * 60
GENERATION_SECONDS = 2 * PAGE_SECONDS
PREFIX = "standards:page:v1"


@memoize
def _deployment() -> str:
    """Changes with the static files' manifest, so a new release never serves pages that
    name stylesheets it no longer has."""
    from django.contrib.staticfiles.storage import staticfiles_storage

    manifest = getattr(staticfiles_storage, "manifest_hash", "") or ""
    return hashlib.sha256(manifest.encode()).hexdigest()[:12]


def _page_key(slug: str) -> str:
    return f"{PREFIX}:{_deployment()}:{translation.get_language() or ''}:{slug}"


def _generation_key(slug: str) -> str:
    return f"{PREFIX}:generation:{slug}"


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
    try:
        value = cache.get(_page_key(slug))
    except Exception:  # noqa: BLE001 - a cache outage renders the page instead
        logger.warning("standards page cache unavailable", exc_info=True)
        return None
    if isinstance(value, tuple) and len(value) == 2:
        return value[1]
    return None


def generation(slug: str):
    try:
        return cache.get(_generation_key(slug))
    except Exception:  # noqa: BLE001
        return None


def keep(slug: str, *, edition_pk: int, content: bytes, generation_before) -> None:
    """Keep the page unless the document changed while it was being rendered."""
    try:
        if cache.get(_generation_key(slug)) != generation_before:
            return
        cache.set(_page_key(slug), (edition_pk, bytes(content)), PAGE_SECONDS)
    except Exception:  # noqa: BLE001
        logger.warning("standards page cache unavailable", exc_info=True)


def _forget_now(slugs: set[str]) -> None:
    try:
        cache.set_many({_generation_key(s): uuid.uuid4().hex for s in slugs}, GENERATION_SECONDS)
        cache.delete_many([_page_key(s) for s in slugs])
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
