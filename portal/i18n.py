"""English and Welsh: the language of a page, the switch between them, and the member's
remembered choice.

- A page's language is in its URL: `/me/` is English, `/cy/me/` Welsh (`i18n_patterns` with
  `prefix_default_language=False` in portal/urls.py, Django's LocaleMiddleware).
- The switch (base.html) links to `/language/<code>/?next=<the same page in that language>`:
  the choice is saved on a signed-in member's account (`User.language`) and in a cookie,
  then the member lands on the same page in the other language.
- A signed-in member who chose Welsh and opens an English page is sent to its Welsh URL
  (GET only); one who chose English via the switch stays on English pages.
- Emails go out in the member's language: `member_language(user)` with
  `translation.override`.
"""

from __future__ import annotations

from functools import lru_cache
from urllib.parse import urlencode

from django.conf import settings
from django.http import Http404, HttpResponseBadRequest, HttpResponseRedirect
from django.urls import resolve, reverse
from django.urls.exceptions import Resolver404
from django.utils import translation
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods, require_POST

ENGLISH = "en-gb"
WELSH = "cy"
LANGUAGE_REFUSED = "Choose English or Cymraeg."
CODES = {code for code, _name in settings.LANGUAGES}
# The language of each language's own name, for `lang` and `hreflang` attributes.
HTML_LANG = {ENGLISH: "en", WELSH: "cy"}
# Pages that are only in English (staff, machines): no switch, no redirect.
_UNPREFIXED = ("/admin/", "/healthz/", "/static/", "/webhooks/", "/language/")


def member_language(user) -> str:
    """The language a member reads their email in (English unless they chose Welsh)."""
    code = getattr(user, "language", "") or ENGLISH
    return code if code in CODES else ENGLISH


def english_path(path: str) -> str:
    """`path` without its /cy prefix (the portal's URLs are the same words in both)."""
    if path == "/cy" or path.startswith(("/cy/", "/cy?")):
        return path[3:] or "/"
    return path


@lru_cache(maxsize=4096)
def _is_translated_path(path: str) -> bool:
    """Whether `path` (no query string) is one of the pages in both languages."""
    english = english_path(path)
    if english.startswith(_UNPREFIXED):
        return False
    try:
        with translation.override(ENGLISH):
            resolve(english)
        with translation.override(WELSH):
            resolve("/cy" + english)
    except Resolver404:
        return False
    return True


def url_in(path: str, language: str) -> str:
    """`path` (with its query string) in `language`."""
    english = english_path(path)
    if language != WELSH:
        return english
    return "/cy" + english


def switch_url(path: str, language: str) -> str:
    """Where the language switch for `language` points from `path`."""
    return reverse("set_language_to", args=[language]) + "?" + urlencode({"next": path})


def alternates(request) -> dict:
    """The context base.html uses for the switch and the `hreflang` alternates."""
    path = request.get_full_path()
    current = translation.get_language() or ENGLISH
    current = WELSH if current == WELSH else ENGLISH
    other = ENGLISH if current == WELSH else WELSH
    translated = _is_translated_path(request.path_info)
    english = url_in(path, ENGLISH) if translated else path
    welsh = url_in(path, WELSH) if translated else None
    root = settings.SITE_URL.rstrip("/")
    return {
        # The page's path in English, for the navigation's "you are here".
        "page_path": english_path(request.path),
        "language_translated": translated,
        "language_other": other,
        "language_other_lang": HTML_LANG[other],
        "language_other_name": "English" if other == ENGLISH else "Cymraeg",
        "language_switch_url": switch_url(url_in(path, other), other) if translated else "",
        "language_home_switch_url": switch_url(url_in("/", other), other),
        "alternate_en": root + english if translated else "",
        "alternate_cy": root + welsh if translated and welsh else "",
    }


def i18n_context(request) -> dict:
    """Template context processor (settings.TEMPLATES)."""
    if request is None:
        return {}
    return alternates(request)


def _remember(request, language: str, target: str) -> HttpResponseRedirect:
    """Save `language` (on the account when signed in, and in a cookie) and go to `target`
    in that language (a page of this site only; the home page otherwise)."""
    if not url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ) or not target.startswith("/"):
        target = url_in("/", language)
    elif _is_translated_path(target.split("?")[0]):
        target = url_in(target, language)
    user = request.user
    if user.is_authenticated and getattr(user, "language", None) != language:
        from portal.accounts.services import user_language_set

        user_language_set(user=user, language=language)
    response = HttpResponseRedirect(target)
    response.set_cookie(
        settings.LANGUAGE_COOKIE_NAME,
        language,
        max_age=settings.LANGUAGE_COOKIE_AGE,
        secure=settings.LANGUAGE_COOKIE_SECURE,
        samesite=settings.LANGUAGE_COOKIE_SAMESITE,
        httponly=True,
    )
    return response


@never_cache
@require_http_methods(["GET", "POST"])
def set_language_to(request, language: str):
    """The switch in every page's header (a link): `language` is in the address."""
    if language not in CODES:
        raise Http404("No such language.")
    return _remember(request, language, request.GET.get("next") or "")


@never_cache
@require_POST
def set_language(request):
    """The preferences page's form: `language` and `next` posted."""
    language = request.POST.get("language", "")
    if language not in CODES:
        return HttpResponseBadRequest(LANGUAGE_REFUSED)
    return _remember(request, language, request.POST.get("next") or "")


class LanguagePreferenceMiddleware:
    """A signed-in member who chose Welsh opening an English page (GET) is sent to the Welsh
    one, and one who chose English opening a Welsh page is sent to the English one. Their
    choice is changed only by the switch or the preferences page."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if request.method == "GET":
            user = getattr(request, "user", None)
            chosen = getattr(user, "language", "") if user is not None else ""
            if chosen and user.is_authenticated:
                current = translation.get_language()
                if (chosen == WELSH) != (current == WELSH) and _is_translated_path(
                    request.path_info
                ):
                    target = url_in(request.get_full_path(), chosen)
                    if target != request.get_full_path():
                        return HttpResponseRedirect(target)
        return self.get_response(request)
