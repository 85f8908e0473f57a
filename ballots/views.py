"""Member pages: my ballots, one ballot (vote once; results after the close), its results as
PDF and CSV, the list of counted receipts, and a rep's proposal for their workplace."""

from __future__ import annotations

import csv
import io

from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.template.loader import render_to_string
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods

from portal.accounts.selectors import membership_for
from portal.middleware import staff_mfa_required
from portal.pdf import html_to_pdf

from . import access, selectors, services
from .forms import ProposalForm, ReceiptCheckForm, VoteForm
from .models import Phase


@login_required
@require_GET
def ballot_list(request):
    lists = selectors.ballots_for_member(request.user)
    membership = membership_for(request.user)
    can_propose = bool(membership and membership.is_rep and membership.workplace_id)
    return render(request, "ballots/list.html", {"lists": lists, "can_propose": can_propose})


@login_required
@staff_mfa_required
@require_http_methods(["GET", "POST"])
def ballot_detail(request, pk):
    ballot = access.get_ballot_page_for(request.user, pk)
    if ballot.phase() == Phase.CLOSED:
        if request.method == "POST":
            return _page(request, ballot, status=400, error=str(services.NOT_OPEN))
        return render(
            request,
            "ballots/results.html",
            {
                "ballot": ballot,
                "results": selectors.ballot_results(ballot),
                "voted": selectors.has_voted(request.user, ballot),
            },
        )
    if request.method == "GET":
        return _page(request, ballot)
    form = VoteForm(request.POST, ballot=ballot)
    if not form.is_valid():
        return _page(request, ballot, form=form, status=400)
    try:
        voted = services.ballot_vote(
            ballot_id=ballot.pk, user=request.user, option_id=form.cleaned_data["choice"]
        )
    except services.BallotError as error:
        if error.field:
            form.add_error(error.field, error.message)
            return _page(request, ballot, form=form, status=400)
        return _page(request, ballot, status=400, error=error.message)
    # Post, redirect, get: the receipt travels to the page that shows it in a signed cookie
    # of the voter's own browser (never in the session, the database or a log), and that page
    # shows it once and removes it. A reload or the back button does not post the vote again.
    response = redirect("ballots:voted", pk=ballot.pk)
    response.set_signed_cookie(
        _receipt_cookie(ballot),
        voted.receipt,
        salt=_receipt_salt(request.user, ballot),
        max_age=RECEIPT_COOKIE_SECONDS,
        path="/",
        secure=settings.SESSION_COOKIE_SECURE,
        httponly=True,
        samesite="Strict",
    )
    return response


# How long the receipt waits in the browser for the page that shows it.
RECEIPT_COOKIE_SECONDS = 600


def _receipt_cookie(ballot) -> str:
    return f"ballot_receipt_{ballot.pk}"


def _receipt_salt(user, ballot) -> str:
    # Another account in the same browser cannot read this voter's receipt.
    return f"ballots.receipt.{ballot.pk}.{user.pk}"


@login_required
@staff_mfa_required
@require_GET
def ballot_voted(request, pk):
    """The receipt, once, just after the vote. Without the cookie (a reload, another device,
    too late) the ballot page says that the member voted and when."""
    ballot = access.get_ballot_page_for(request.user, pk)
    name = _receipt_cookie(ballot)
    receipt = request.get_signed_cookie(
        name, None, salt=_receipt_salt(request.user, ballot), max_age=RECEIPT_COOKIE_SECONDS
    )
    if receipt is None:
        response = redirect("ballots:detail", pk=ballot.pk)
    else:
        response = render(request, "ballots/voted.html", {"ballot": ballot, "receipt": receipt})
    if name in request.COOKIES:
        response.delete_cookie(name, path="/", samesite="Strict")
    return response


def _page(request, ballot, *, form=None, status=200, error=None):
    participation = selectors.has_voted(request.user, ballot)
    phase = ballot.phase()
    if form is None and participation is None and phase == Phase.OPEN:
        form = VoteForm(ballot=ballot)
    return render(
        request,
        "ballots/detail.html",
        {
            "ballot": ballot,
            "form": form if participation is None and phase == Phase.OPEN else None,
            "participation": participation,
            "phase": phase,
            "error": error,
        },
        status=status,
    )


@login_required
@staff_mfa_required
@require_GET
def results_csv(request, pk):
    ballot = access.get_results_for(request.user, pk)
    results = selectors.ballot_results(ballot)
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow([_("Ballot"), ballot.question])
    writer.writerow([_("Closed"), timezone.localtime(ballot.closes_at).strftime("%Y-%m-%d %H:%M")])
    writer.writerow([_("Electorate"), results.electorate])
    writer.writerow([_("Turnout"), results.turnout, results.turnout_percent])
    writer.writerow([])
    writer.writerow([_("Group"), _("Voters"), *[c.label for c in results.options]])
    writer.writerow([_("All voters"), results.turnout, *[c.votes for c in results.options]])
    suppressed = _("fewer than %(n)d") % {"n": results.min_group}
    rows = list(results.workplaces) + ([results.others] if results.others else [])
    for row in rows:
        writer.writerow(
            [
                row.label,
                row.voters
                if row.voters is not None
                else _("fewer than %(n)d") % {"n": results.min_workplace},
                *[c.votes if c.votes is not None else suppressed for c in row.cells],
            ]
        )
    response = HttpResponse(out.getvalue(), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="ballot-{ballot.pk}-results.csv"'
    return response


@login_required
@staff_mfa_required
@require_GET
def results_pdf(request, pk):
    ballot = access.get_results_for(request.user, pk)
    html = render_to_string(
        "ballots/results_pdf.html",
        {
            "ballot": ballot,
            "results": selectors.ballot_results(ballot),
            "generated_at": timezone.now(),
        },
    )
    response = HttpResponse(html_to_pdf(html), content_type="application/pdf")
    response["Content-Disposition"] = f'attachment; filename="ballot-{ballot.pk}-results.pdf"'
    return response


@login_required
@staff_mfa_required
@require_GET
def receipts(request, pk):
    ballot = access.get_results_for(request.user, pk)
    codes = list(selectors.receipt_codes(ballot))
    form = ReceiptCheckForm(request.GET if "code" in request.GET else None)
    found = None
    status = 200
    if form.is_bound:
        if form.is_valid():
            found = form.cleaned_data["code"] in set(codes)
        else:
            status = 400
    return render(
        request,
        "ballots/receipts.html",
        {
            "ballot": ballot,
            "codes": codes,
            "form": form,
            "found": found,
            "turnout": selectors.participation_count(ballot),
        },
        status=status,
    )


@login_required
@require_http_methods(["GET", "POST"])
def propose(request):
    membership = membership_for(request.user)
    if not (membership and membership.is_rep and membership.workplace_id):
        raise Http404(access.NOT_FOUND)
    workplace = membership.workplace
    form = ProposalForm(request.POST or None)
    status = 200
    if request.method == "POST":
        status = 400
        if form.is_valid():
            data = form.cleaned_data
            try:
                ballot = services.ballot_propose(
                    membership=membership,
                    kind=data["kind"],
                    question=data["question"],
                    options=data["options"],
                    opens_at=data["opens_at"],
                    closes_at=data["closes_at"],
                )
            except services.BallotError as error:
                field = error.field if error.field in form.fields else None
                form.add_error(field, error.message)
            else:
                return render(request, "ballots/proposed.html", {"ballot": ballot})
    return render(
        request, "ballots/propose.html", {"form": form, "workplace": workplace}, status=status
    )
