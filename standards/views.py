"""Public pages: the list, a document's current edition, earlier editions and the PDFs.
Anyone may read what is published; publishers also preview drafts."""

from __future__ import annotations

import hashlib

from django.core.cache import cache
from django.core.paginator import EmptyPage, Paginator
from django.http import Http404, HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils import translation
from django.utils.cache import get_conditional_response, patch_cache_control
from django.utils.http import http_date
from django.utils.translation import gettext as _
from django.views.decorators.http import require_safe

from portal.middleware import staff_mfa_required

from . import page_cache, selectors, services
from .forms import SearchForm
from .models import EditionPDF
from .pdf import edition_pdf_bytes

# Browsers and proxies may keep a PDF this long, then revalidate with its ETag. The
# current-edition address changes content on publication, so it is kept for less time.
EDITION_PDF_MAX_AGE = 60 * 60
CURRENT_PDF_MAX_AGE = 5 * 60
# A Welsh PDF is kept in the cache for a day (and made again when the edition changes
# state: superseded editions carry the notice on every page).
WELSH_PDF_SECONDS = 24 * 60 * 60


# Results per page of the list: the page costs the same however many documents there are.
LIST_PAGE_SIZE = 20


@require_safe
def document_list(request):
    form = SearchForm(request.GET or None)
    status = 200
    page = None
    # Anonymous visitors' list and searches are kept in each process's memory (page_cache):
    # a popular search costs no query. Refused input is answered afresh every time.
    refused = form.is_bound and not form.is_valid()
    shared = not refused and page_cache.cacheable(request)
    if shared:
        key = page_cache.list_key(request)
        content = page_cache.get_list(key)
        if content is not None:
            return HttpResponse(content)
        epoch = page_cache.list_epoch()
    if refused:
        status = 400
    else:
        data = form.cleaned_data if form.is_bound else {}
        editions = selectors.published_editions(
            q=data.get("q", ""),
            audience=data.get("audience", ""),
            nation=data.get("nation", ""),
        )
        paginator = Paginator(editions, LIST_PAGE_SIZE, allow_empty_first_page=True)
        try:
            page = paginator.page(data.get("page") or 1)
        except EmptyPage:
            raise Http404(_("There is no page with that number.")) from None
    searched = form.is_bound and any(request.GET.get(k) for k in ("q", "audience", "nation"))
    # The page links keep the search and filters.
    query = request.GET.copy()
    query.pop("page", None)
    response = render(
        request,
        "standards/list.html",
        {
            "form": form,
            "page": page,
            "page_numbers": (
                page.paginator.get_elided_page_range(page.number, on_each_side=2, on_ends=1)
                if page
                else []
            ),
            "editions": page.object_list if page else [],
            "searched": searched,
            "query": query.urlencode(),
            # Each item's addresses are this plus its slug: one reverse() for the page.
            "list_url": reverse("standards:list"),
        },
        status=status,
    )
    if shared and response.status_code == 200:
        page_cache.keep_list(key, response.content, epoch)
    return response


def _render_edition(request, edition):
    history = selectors.edition_history(edition=edition, user=request.user)
    current = edition.document.current_edition
    return render(
        request,
        "standards/detail.html",
        {
            "edition": edition,
            "document": edition.document,
            "standards": edition.standards.all(),
            "history": history,
            "current": current,
            "is_current": current is not None and current.pk == edition.pk,
            "preview": not edition.is_public,
            "can_preview": selectors.can_preview(request.user),
            "pdf": selectors.edition_pdf_meta(edition) if edition.is_public else None,
        },
    )


@staff_mfa_required  # publishers preview drafts here
@require_safe
def document_detail(request, slug):
    # Anonymous readers share one kept page per document (see page_cache): one cache GET.
    shared = page_cache.cacheable(request)
    if shared:
        content = page_cache.get(slug)
        if content is not None:
            return HttpResponse(content)
        generation = page_cache.generation(slug)
    edition = selectors.edition_for_reader(slug=slug, user=request.user)
    response = _render_edition(request, edition)
    if shared and edition.is_public and response.status_code == 200:
        page_cache.keep(
            slug, edition_pk=edition.pk, content=response.content, generation_before=generation
        )
    return response


@staff_mfa_required  # publishers preview drafts here
@require_safe
def edition_detail(request, slug, number):
    edition = selectors.edition_for_reader(slug=slug, number=number, user=request.user)
    return _render_edition(request, edition)


def _filename(edition, language_suffix: str = "") -> str:
    suffix = "-superseded" if edition.is_superseded else ""
    suffix = suffix if edition.is_public else "-draft-preview"
    return f"{edition.document.slug}-edition-{edition.number}{language_suffix}{suffix}.pdf"


def _serve_pdf(request, edition, *, max_age: int) -> HttpResponse:
    if not edition.is_public:
        # A publisher's preview: rendered each time, never kept or cached.
        response = HttpResponse(
            edition_pdf_bytes(edition, preview=True), content_type="application/pdf"
        )
        response["Content-Disposition"] = f'inline; filename="{_filename(edition)}"'
        response["Cache-Control"] = "no-store, private"
        return response
    if translation.get_language() == "cy":
        return _serve_welsh_pdf(request, edition, max_age=max_age)
    meta = selectors.edition_pdf_meta(edition)
    if meta is None or meta.superseded != edition.is_superseded:
        # Not rendered yet (the task has not run, or was lost): render it now, once.
        meta = services.edition_pdf_render(edition=edition)
    etag = f'"{meta.sha256}"'
    last_modified = int(meta.rendered_at.timestamp())
    not_modified = get_conditional_response(request, etag=etag, last_modified=last_modified)
    if not_modified is None:
        content = EditionPDF.objects.values_list("content", flat=True).get(pk=meta.pk)
        response = HttpResponse(bytes(content), content_type="application/pdf")
        response["Content-Disposition"] = f'inline; filename="{_filename(edition)}"'
    else:
        response = not_modified
    response["ETag"] = etag
    response["Last-Modified"] = http_date(last_modified)
    patch_cache_control(response, public=True, max_age=max_age)
    return response


def _serve_welsh_pdf(request, edition, *, max_age: int) -> HttpResponse:
    """The Welsh PDF of a published edition (its Welsh text, English where a Welsh field is
    empty; `lang="cy"` in its metadata, tagged like the English one), rendered once per
    state of the edition and kept in the cache."""
    key = f"standards:pdf:cy:{edition.pk}:{int(edition.is_superseded)}"
    content = cache.get(key)
    if content is None:
        content = edition_pdf_bytes(edition)
        cache.set(key, content, WELSH_PDF_SECONDS)
    etag = f'"{hashlib.sha256(content).hexdigest()}"'
    not_modified = get_conditional_response(request, etag=etag)
    if not_modified is None:
        response = HttpResponse(content, content_type="application/pdf")
        response["Content-Disposition"] = f'inline; filename="{_filename(edition, "-cy")}"'
    else:
        response = not_modified
    response["ETag"] = etag
    patch_cache_control(response, public=True, max_age=max_age)
    return response


@staff_mfa_required  # publishers preview drafts here
@require_safe
def document_pdf(request, slug):
    edition = selectors.edition_for_reader(slug=slug, user=request.user)
    max_age = CURRENT_PDF_MAX_AGE if edition.is_public else 0
    return _serve_pdf(request, edition, max_age=max_age)


@staff_mfa_required  # publishers preview drafts here
@require_safe
def edition_pdf(request, slug, number):
    edition = selectors.edition_for_reader(slug=slug, number=number, user=request.user)
    return _serve_pdf(request, edition, max_age=EDITION_PDF_MAX_AGE)
