"""The member pays arrears (or a one-off amount) by card: thin views over `card`."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from portal.accounts.member_views import membership_or_tell

from . import card
from .arrears import arrears_for
from .collections import money
from .models import CardPayment, CardPaymentStatus
from .pay_forms import PayForm


@login_required
@require_http_methods(["GET", "POST"])
def pay(request):
    membership = membership_or_tell(request)
    if membership is None:
        return redirect("accounts:dashboard")
    arrears = arrears_for(membership)
    provider = card.card_provider()
    context = {"membership": membership, "arrears": arrears, "demo": provider.is_demo}
    status = 200
    if request.method == "POST":
        form = PayForm(request.POST, arrears_pence=arrears.total_pence)
        if form.is_valid():
            try:
                payment = card.card_payment_start(
                    actor=request.user, membership=membership, amount_pence=form.amount_pence
                )
            except card.CardError as error:
                form.add_error(None, error.message)
            else:
                if payment.redirect_url:
                    return redirect(payment.redirect_url)
                return redirect("subscriptions:pay_confirm", intent_id=payment.intent_id)
        status = 400
    else:
        form = PayForm(arrears_pence=arrears.total_pence)
    context["form"] = form
    return render(request, "subscriptions/pay.html", context, status=status)


@login_required
@require_http_methods(["GET", "POST"])
def pay_confirm(request, intent_id):
    """The demo provider's own "card page": no card details, one button."""
    membership = membership_or_tell(request)
    if membership is None:
        return redirect("accounts:dashboard")
    payment = CardPayment.objects.filter(intent_id=intent_id, membership=membership).first()
    if payment is None or payment.provider != "demo":
        raise Http404
    if payment.status != CardPaymentStatus.CREATED:
        messages.info(request, _("This payment is already complete."))
        return redirect("membership:subscription")
    if request.method == "POST":
        if "cancel" in request.POST:
            messages.info(request, _("Nothing was paid."))
            return redirect("subscriptions:pay")
        payment = card.card_payment_complete(intent_id=intent_id, actor=request.user)
        if payment.status == CardPaymentStatus.SUCCEEDED:
            messages.success(
                request,
                _("Thank you: your payment of %(amount)s is recorded.")
                % {"amount": money(payment.amount_pence)},
            )
        else:
            messages.error(request, _("The payment did not go through: nothing was taken."))
        return redirect("membership:subscription")
    return render(
        request,
        "subscriptions/pay_confirm.html",
        {"membership": membership, "payment": payment, "amount": payment.amount_pence / 100},
    )
