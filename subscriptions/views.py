"""The member's Direct Debit pages: set up or change bank details, and the annual statement.
Thin: each finds the member's own membership (from the logged-in user: no ids in URLs),
validates, asks one service, and answers (400 with the form and its errors on bad input)."""

from __future__ import annotations

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods

from portal.accounts.choices import MembershipStatus
from portal.accounts.member_views import membership_or_tell
from portal.accounts.selectors import membership_for

from . import mandates
from . import statement as statements
from .forms import DirectDebitForm

NOTHING_PAID = "Nothing was paid in that tax year."


@login_required
@require_http_methods(["GET", "POST"])
def direct_debit(request):
    membership = membership_or_tell(request)
    if membership is None:
        return redirect("accounts:dashboard")
    ended = membership.status in (MembershipStatus.RESIGNED, MembershipStatus.LAPSED)
    today = timezone.localdate()
    context = {
        "membership": membership,
        "ended": ended,
        "current": mandates.live_mandate(membership),
        "first_collection_on": mandates.first_collection_date(today),
        "sun": settings.BACS_SERVICE_USER_NUMBER,
        "statement_name": settings.BACS_SERVICE_USER_NAME,
    }
    status = 200
    if request.method == "POST" and not ended:
        form = DirectDebitForm(request.POST)
        if form.is_valid():
            try:
                mandate = mandates.mandate_set_up(
                    actor=request.user,
                    membership=membership,
                    account_holder=form.cleaned_data["account_holder"],
                    sort_code=form.cleaned_data["sort_code"],
                    account_number=form.cleaned_data["account_number"],
                    today=today,
                )
            except mandates.MandateError as error:
                form.add_error(error.field, error.message)
            else:
                messages.success(
                    request,
                    _(
                        "Your Direct Debit is set up from the account ending %(last2)s. "
                        "Its reference is %(reference)s; the first collection is on "
                        "%(date)s. We have sent you an email to confirm it."
                    )
                    % {
                        "last2": mandate.account_last2,
                        "reference": mandate.reference,
                        "date": mandate.first_collection_on.strftime("%-d %B %Y"),
                    },
                )
                return redirect("membership:subscription")
        status = 400
    elif request.method == "POST":
        status = 400
        form = None
    else:
        form = DirectDebitForm()
    context["form"] = form if not ended else None
    return render(request, "subscriptions/direct_debit.html", context, status=status)


@login_required
@require_GET
def statement(request, year: str):
    membership = membership_for(request.user)
    if membership is None:
        raise Http404(NOTHING_PAID)
    try:
        start = statements.statement_year(year)
    except statements.StatementYearInvalid:
        return render(
            request, "subscriptions/statement_bad_year.html", {"year": year[:10]}, status=400
        )
    pdf = statements.statement_pdf(membership, start)
    if pdf is None:
        raise Http404(NOTHING_PAID)
    response = HttpResponse(pdf, content_type="application/pdf")
    response["Content-Disposition"] = (
        f'attachment; filename="subscriptions-{start}-{(start + 1) % 100:02d}.pdf"'
    )
    return response
