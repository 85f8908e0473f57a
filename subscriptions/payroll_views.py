"""The member chooses payroll deduction (`/me/subscription/payroll/`). Thin: the form checks
the answers, `checkoff.payroll_set_up` makes the change; bad input answers 400 with the form."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from portal.accounts.choices import MembershipStatus
from portal.accounts.member_views import membership_or_tell

from . import checkoff
from .models import LIVE_MANDATE_STATUSES, Method, PaymentArrangement
from .payroll_forms import PayrollForm


@login_required
@require_http_methods(["GET", "POST"])
def payroll(request):
    membership = membership_or_tell(request)
    if membership is None:
        return redirect("accounts:dashboard")
    arrangement = (
        PaymentArrangement.objects.select_related("payroll_employer")
        .filter(membership=membership)
        .first()
    )
    on_payroll = arrangement is not None and arrangement.method == Method.PAYROLL
    context = {
        "membership": membership,
        "arrangement": arrangement,
        "on_payroll": on_payroll,
        "active": membership.status == MembershipStatus.ACTIVE,
        "live_mandate": membership.mandates.filter(status__in=LIVE_MANDATE_STATUSES).first(),
    }
    form_kwargs = {"own_employer_id": membership.employer_id}
    if request.method == "POST":
        form = PayrollForm(request.POST, **form_kwargs)
        if not context["active"]:
            form.add_error(None, checkoff.NOT_ACTIVE)
        elif form.is_valid():
            try:
                checkoff.payroll_set_up(
                    actor=request.user,
                    membership=membership,
                    employer=form.employer_obj,
                    payroll_number=form.cleaned_data["payroll_number"],
                )
            except checkoff.CheckOffError as error:
                form.add_error(None, error.message)
            else:
                messages.success(
                    request,
                    _(
                        "Your employer will now deduct your subscription from your pay. "
                        "It may take a month for the first deduction to show on your payslip."
                    ),
                )
                return redirect("subscriptions:payroll")
        context["form"] = form
        return render(request, "subscriptions/payroll.html", context, status=400)
    initial = {}
    if on_payroll and arrangement.payroll_employer_id:
        initial = {
            "employer": arrangement.payroll_employer.label,
            "payroll_number": arrangement.payroll_number,
        }
    elif membership.employer_id:
        initial = {"employer": membership.employer.label}
    context["form"] = PayrollForm(initial=initial, **form_kwargs)
    return render(request, "subscriptions/payroll.html", context)
