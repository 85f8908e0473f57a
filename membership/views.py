"""The member's pages: what I pay and why, life events, resigning and rejoining. Thin: each
validates, asks one service, and answers (400 with the form and its errors on bad input)."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods

from portal.accounts.choices import MembershipStatus
from portal.accounts.member_views import membership_or_tell

from . import selectors, services
from .forms import RejoinForm, ResignForm, form_for
from .models import LifeEvent, LifeEventKind, MembershipChange, ReductionStatus
from .sections import sections_for

HISTORY_SHOWN = 20


@login_required
@require_GET
def subscription(request):
    membership = membership_or_tell(request)
    if membership is None:
        return redirect("accounts:dashboard")
    today = timezone.localdate()
    outlook = selectors.outlook_for(membership)
    context = {
        "membership": membership,
        "quote": selectors.quote_on(membership, today, outlook=outlook),
        "upcoming": selectors.upcoming_changes(membership, today, outlook=outlook),
        "reductions": [
            r
            for r in outlook.reductions
            if r.status == ReductionStatus.PENDING or (r.ends_on is None or r.ends_on >= today)
        ],
        "resignation": selectors.open_resignation(membership),
        "history": list(
            MembershipChange.objects.filter(membership=membership).select_related("actor")[
                :HISTORY_SHOWN
            ]
        ),
        "sections": sections_for(membership),
        "today": today,
    }
    return render(request, "membership/subscription.html", context)


@login_required
@require_GET
def changes(request):
    membership = membership_or_tell(request)
    if membership is None:
        return redirect("accounts:dashboard")
    events = list(
        LifeEvent.objects.filter(membership=membership).select_related("reduction")[:HISTORY_SHOWN]
    )
    return render(
        request,
        "membership/changes.html",
        {
            "membership": membership,
            "kinds": LifeEventKind,
            "events": events,
            "active": membership.status == MembershipStatus.ACTIVE,
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
def change(request, kind):
    if kind not in LifeEventKind.values:
        raise Http404
    membership = membership_or_tell(request)
    if membership is None:
        return redirect("accounts:dashboard")
    if membership.status != MembershipStatus.ACTIVE:
        messages.info(request, str(services.NOT_ACTIVE))
        return redirect("membership:changes")
    form_class = form_for(kind)
    template = "membership/change.html"
    context = {"membership": membership, "kind": LifeEventKind(kind)}
    if request.method == "POST" and "back" not in request.POST:
        form = form_class(request.POST, kind=kind, membership=membership)
        if form.is_valid():
            if "confirm" not in request.POST:
                # Before anything is saved: what changes, and from when.
                context.update(form=form, plan=form.plan)
                return render(request, "membership/change_confirm.html", context)
            try:
                event = services.life_event_record(
                    actor=request.user, membership=membership, plan=form.plan
                )
            except services.MembershipRuleError as error:
                form.add_error(None, error.message)
            else:
                if event.reduction and event.reduction.status == ReductionStatus.PENDING:
                    messages.success(
                        request,
                        _(
                            "Your change is recorded. A membership officer will check the "
                            "evidence; until then you pay what you pay now."
                        ),
                    )
                else:
                    messages.success(request, _("Your change is recorded."))
                return redirect("membership:subscription")
        context["form"] = form
        return render(request, template, context, status=400)
    # GET, or "Change my answers" from the confirm step: the form as it was filled.
    initial = request.POST.dict() if request.method == "POST" else {}
    initial.pop("csrfmiddlewaretoken", None)
    context["form"] = form_class(initial=initial, kind=kind, membership=membership)
    return render(request, template, context)


@login_required
@require_http_methods(["GET", "POST"])
def resign(request):
    membership = membership_or_tell(request)
    if membership is None:
        return redirect("accounts:dashboard")
    resignation = selectors.open_resignation(membership)
    context = {
        "membership": membership,
        "resignation": resignation,
        "effective_on": services.resignation_date(),
        "notice_days": services.settings.MEMBERSHIP_RESIGNATION_NOTICE_DAYS,
    }
    if request.method == "POST" and "withdraw" in request.POST:
        if services.resignation_withdraw(actor=request.user, membership=membership):
            messages.success(request, _("Your resignation is withdrawn: you stay a member."))
        return redirect("membership:resign")
    if request.method == "POST":
        form = ResignForm(request.POST, membership=membership)
        if form.is_valid():
            try:
                resignation = services.membership_resign(
                    actor=request.user,
                    membership=membership,
                    reason=form.cleaned_data["reason"],
                )
            except services.MembershipRuleError as error:
                form.add_error(None, error.message)
            else:
                messages.success(
                    request,
                    _("Your resignation is recorded: your membership ends on %(date)s.")
                    % {"date": resignation.effective_on.strftime("%-d %B %Y")},
                )
                return redirect("membership:resign")
        context["form"] = form
        return render(request, "membership/resign.html", context, status=400)
    context["form"] = ResignForm(membership=membership)
    return render(request, "membership/resign.html", context)


@login_required
@require_http_methods(["GET", "POST"])
def rejoin(request):
    membership = membership_or_tell(request)
    if membership is None:
        return redirect("accounts:dashboard")
    if membership.status not in (MembershipStatus.RESIGNED, MembershipStatus.LAPSED):
        messages.info(request, str(services.NOT_RESIGNED))
        return redirect("accounts:dashboard")
    if request.method == "POST":
        form = RejoinForm(request.POST)
        if form.is_valid():
            services.membership_rejoin(actor=request.user, membership=membership)
            messages.success(
                request,
                _("Welcome back. Your membership number is still %(number)s.")
                % {"number": membership.number},
            )
            return redirect("accounts:dashboard")
        status = 400
    else:
        form, status = RejoinForm(), 200
    return render(
        request, "membership/rejoin.html", {"membership": membership, "form": form}, status=status
    )
