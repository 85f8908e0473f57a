"""The admin's navigation sidebar, kept rendered.

Django works out the whole list of apps and models a staff member may open (a permission
check per model, a URL reversed per link) and renders it into the sidebar of every admin
page: about a tenth of the officers' queue's time. The list changes only when the person's
permissions do, so each process keeps the rendered sidebar for a minute, for the same
person, the same set of permissions, the same language and the same section of the admin
(which model is marked as the current one). A change of role changes the set of
permissions, hence the key: the new sidebar is rendered at once. The sidebar is only
navigation: every page it links to checks its own permissions whatever the sidebar shows.
"""

from __future__ import annotations

import time
from threading import Lock

from django.template.loader import get_template
from django.urls import reverse
from django.utils.functional import SimpleLazyObject
from django.utils.safestring import SafeString
from django.utils.translation import get_language

KEEP_SECONDS = 60
MAX_KEPT = 1000

_kept: dict[tuple, tuple[float, SafeString]] = {}
_lock = Lock()


def lazy_app_list(build):
    """The app list, worked out only if a page uses it (the sidebar, when not kept)."""
    return SimpleLazyObject(build)


class NavSidebar:
    """Renders as the sidebar's HTML: the kept copy, or a fresh one (then kept)."""

    def __init__(self, request, app_list):
        self.request = request
        self.app_list = app_list

    def _key(self) -> tuple:
        user = self.request.user
        # "<app>/<model>" under the admin's own address: every page under one model marks
        # the same model as the current one.
        index = reverse("admin:index")
        path = self.request.path
        path = path[len(index) :] if path.startswith(index) else path
        section = "/".join(path.split("/")[:2])
        permissions = frozenset(user.get_all_permissions()) if user.is_active else frozenset()
        return (user.pk, user.is_superuser, user.is_staff, permissions, get_language(), section)

    def __html__(self) -> SafeString:
        key = self._key()
        now = time.monotonic()
        kept = _kept.get(key)
        if kept is not None and kept[0] > now:
            return kept[1]
        # Rendered by the template engine, which escaped what it put in.
        html = SafeString(  # nosec B703
            get_template("admin/portal_nav_sidebar.html").render(
                {"available_apps": self.app_list, "request": self.request}
            )
        )
        with _lock:
            if len(_kept) >= MAX_KEPT:
                _kept.clear()
            _kept[key] = (now + KEEP_SECONDS, html)
        return html

    __str__ = __html__


def forget() -> None:
    """Drop every kept sidebar of this process (tests)."""
    with _lock:
        _kept.clear()
