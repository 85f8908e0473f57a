from __future__ import annotations

from allauth.account.adapter import get_adapter
from allauth.account.decorators import reauthentication_required
from allauth.account.internal.flows.signup import complete_signup
from allauth.account.models import EmailAddress
from allauth.core import ratelimit
from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.contrib.auth.hashers import make_password
from django.http import Http404, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_GET, require_http_methods

from portal import ratelimit as portal_ratelimit

from . import services
from .adapter import WELCOME_SESSION_KEY
from .card import card_pdf_bytes, membership_card_for
from .choices import (
    Channel,
    CommunicationKind,
    EmployerKind,
    Hours,
    JobRole,
    Section,
    consent_default,
)
from .contact import UNITED_KINGDOM, mobile_display
from .dashboard import panels_for
from .forms import ContactDetailsForm, EqualityForm, JoinForm, PreferencesForm, ProfileForm
from .invites import INVITE_SESSION_KEY, invite_joined, invite_resolve
from .membership import place_member
from .models import DataExport, Employer, Region, User, Workplace
from .selectors import (
    consent_kinds_for,
    consent_table,
    employers_matching,
    employers_named,
    home_address_missing,
    membership_for,
    workplace_rep_for,
    workplaces_matching,
)

JOIN_SESSION_KEY = "portal.join.pending"
JOIN_EXPIRED = _("Your answers were not kept. Please fill in the form again.")
NO_MEMBERSHIP = _("This account has no membership.")
NO_CARD = _("No membership card.")
NO_EXPORT = _("No such download.")
EXPORT_LIMITED = _(
    "You have asked for several downloads in a few minutes. Wait ten minutes, then try again."
)
INVITE_ACCEPTED = _(
    "A rep at %(workplace)s invited you: we have filled in your employer and workplace "
    "postcode. Check them and change them if they are wrong."
)
INVITE_INVALID = _(
    "This invite link no longer works (it may have been replaced). You can still join: "
    "fill in the form as usual."
)
WORKPLACE_SEARCH_LIMITED = _(
    "Too many workplace searches came from here in a short time. Wait a minute, then try "
    "again, or type your workplace's name."
)
EMPLOYER_SEARCH_LIMITED = _(
    "Too many employer searches came from here in a short time. Wait a minute, then try "
    "again, or type your employer's full name."
)


def _pending_from_form(form: JoinForm) -> dict:
    c = form.cleaned_data
    employer = c["employer_obj"]
    return {
        "first_name": c["first_name"],
        "last_name": c["last_name"],
        "email": c["email"],
        "password_hash": make_password(c["password1"]),
        "employer": (
            {"id": employer.pk}
            if isinstance(employer, Employer)
            else {"name": employer.name, "kind": employer.kind, "town": employer.town}
        ),
        "employer_label": employer.label if isinstance(employer, Employer) else employer.name,
        "employer_kind": "" if isinstance(employer, Employer) else employer.kind,
        "employer_town": "" if isinstance(employer, Employer) else employer.town,
        "job_role": c["job_role"],
        "hours": c["hours"],
        "workplace_postcode": c["workplace_postcode"],
        "nation": c["nation"],
        "region_id": c["region_obj"].pk,
        "rep_contact": bool(c.get("rep_contact")),
        "workplace_choice": _workplace_spec(c.get("workplace_obj")),
        "workplace": c.get("workplace_obj").label if c.get("workplace_obj") else "",
    }


def _workplace_spec(workplace: Workplace | services.NewWorkplace | None) -> dict | None:
    if workplace is None:
        return None
    if isinstance(workplace, Workplace):
        return {"id": workplace.pk}
    return {"name": workplace.name}


def _workplace_from_pending(
    pending: dict, employer: Employer | services.NewEmployer
) -> Workplace | services.NewWorkplace | None:
    """The workplace chosen at join, checked again against the employer (the choice may
    have waited in the session while an officer changed the list)."""
    spec = pending.get("workplace_choice")
    if not spec:
        return None
    if "id" in spec:
        if not isinstance(employer, Employer):
            return None
        return Workplace.objects.filter(pk=spec["id"], employer=employer, verified=True).first()
    return services.NewWorkplace(name=spec["name"])


def _employer_from_pending(pending: dict) -> Employer | services.NewEmployer | None:
    spec = pending["employer"]
    if "id" in spec:
        return Employer.objects.filter(pk=spec["id"]).first()
    return services.NewEmployer(name=spec["name"], kind=spec["kind"], town=spec["town"])


@require_http_methods(["GET", "POST"])
def join(request):
    if request.user.is_authenticated:
        messages.info(request, _("You are already logged in."))
        return redirect("accounts:dashboard")
    pending = request.session.get(JOIN_SESSION_KEY)
    if request.method == "POST":
        form = JoinForm(request.POST)
        if form.is_valid():
            request.session[JOIN_SESSION_KEY] = _pending_from_form(form)
            return redirect("accounts:join_confirm")
        status = 400
    else:
        initial = {}
        if pending:
            initial = {k: v for k, v in pending.items() if k != "password_hash"}
            initial["employer"] = pending.get("employer_label", "")
            initial["region"] = pending.get("region_id")
        status = 200
        if "invite" in request.GET:
            invite = invite_resolve(request.GET["invite"])
            if invite is None:
                request.session.pop(INVITE_SESSION_KEY, None)
                messages.warning(request, INVITE_INVALID)
            else:
                request.session[INVITE_SESSION_KEY] = request.GET["invite"]
                initial["employer"] = invite.employer.label
                initial["workplace_postcode"] = invite.workplace.postcode
                initial["workplace"] = invite.workplace.label
                messages.info(request, INVITE_ACCEPTED % {"workplace": invite.workplace.name})
        form = JoinForm(initial=initial)
    return render(request, "accounts/join.html", {"form": form}, status=status)


@require_http_methods(["GET", "POST"])
def join_confirm(request):
    pending = request.session.get(JOIN_SESSION_KEY)
    if not pending:
        messages.warning(request, JOIN_EXPIRED)
        return redirect("accounts:join")
    placement = place_member(job_role=pending["job_role"], hours=pending["hours"])
    region = Region.objects.filter(pk=pending["region_id"]).first()
    employer = _employer_from_pending(pending)
    if region is None or employer is None:
        request.session.pop(JOIN_SESSION_KEY, None)
        messages.warning(request, JOIN_EXPIRED)
        return redirect("accounts:join")
    if request.method == "POST":
        if not ratelimit.consume(request, action="signup"):
            return render(request, "429.html", status=429)
        email = pending["email"]
        if (
            EmailAddress.objects.filter(email__iexact=email).exists()
            or User.objects.filter(email__iexact=email).exists()
        ):
            # Say nothing different: the address's owner is told by email instead.
            get_adapter(request).send_account_already_exists_mail(email)
        else:
            membership = services.member_join(
                email=email,
                password_hash=pending["password_hash"],
                first_name=pending["first_name"],
                last_name=pending["last_name"],
                employer=employer,
                job_role=pending["job_role"],
                hours=pending["hours"],
                workplace_postcode=pending["workplace_postcode"],
                nation=pending["nation"],
                region_id=region.pk,
                rep_contact=bool(pending.get("rep_contact")),
                workplace=_workplace_from_pending(pending, employer),
            )
            invite_joined(request.session.pop(INVITE_SESSION_KEY, ""), membership)
            request.session.pop(JOIN_SESSION_KEY, None)
            request.session["portal.join.sent_to"] = email
            # allauth's own signup ending: it sends the link and remembers, in this browser's
            # session, who is joining, so that opening the link here signs them in
            # (ACCOUNT_LOGIN_ON_EMAIL_CONFIRMATION) and lands on the dashboard.
            return complete_signup(
                request, user=membership.user, redirect_url=reverse("accounts:dashboard")
            )
        request.session.pop(JOIN_SESSION_KEY, None)
        request.session["portal.join.sent_to"] = email
        return redirect("accounts:join_check_email")
    context = {
        "pending": pending,
        "placement": placement,
        "region": region,
        "employer_label": employer.label,
        "employer_is_new": not isinstance(employer, Employer),
        "workplace_label": pending.get("workplace", ""),
        "employer_kind_label": EmployerKind(employer.kind).label,
        "job_role_label": JobRole(pending["job_role"]).label,
        "hours_label": Hours(pending["hours"]).label,
    }
    return render(request, "accounts/join_confirm.html", context)


@require_GET
def join_check_email(request):
    email = request.session.get("portal.join.sent_to")
    return render(
        request,
        "accounts/join_check_email.html",
        {"email": email, "join_url": reverse("accounts:join")},
    )


@require_GET
def employer_search(request):
    """Employers for the join and profile forms' search box (JSON; public: names only,
    verified employers only; limited per address)."""
    per_minute = settings.EMPLOYER_SEARCH_PER_MINUTE
    if not portal_ratelimit.allow(request, scope="employer-search", limit=per_minute):
        response = JsonResponse({"results": [], "error": str(EMPLOYER_SEARCH_LIMITED)}, status=429)
        response["Retry-After"] = "60"
        return response
    query = request.GET.get("q", "")[:100]
    employers = employers_matching(query, user=request.user)
    results = [{"label": e.label, "kind": e.get_kind_display()} for e in employers]
    return JsonResponse({"results": results})


@require_GET
def workplace_search(request):
    """Workplaces of one employer (`employer`, as typed in the employer box) for the
    workplace box (JSON; public: names and postcodes of verified workplaces only, and the
    member's own; limited per address like the employer search)."""
    per_minute = settings.EMPLOYER_SEARCH_PER_MINUTE
    if not portal_ratelimit.allow(request, scope="workplace-search", limit=per_minute):
        response = JsonResponse({"results": [], "error": str(WORKPLACE_SEARCH_LIMITED)}, status=429)
        response["Retry-After"] = "60"
        return response
    membership = membership_for(request.user)
    employers = employers_named(
        request.GET.get("employer", "")[:200],
        own_employer_id=membership.employer_id if membership else None,
    )
    if len(employers) != 1:
        return JsonResponse({"results": []})
    workplaces = workplaces_matching(
        request.GET.get("q", "")[:100], employer=employers[0], user=request.user
    )
    results = [{"label": w.label, "town": w.town} for w in workplaces]
    return JsonResponse({"results": results})


@login_required
@require_GET
def dashboard(request):
    membership = membership_for(request.user)
    context = {
        "welcome": request.session.pop(WELCOME_SESSION_KEY, False),
        "membership": membership,
        "rep": workplace_rep_for(membership) if membership else None,
        "panels": panels_for(request.user),
        "address_missing": home_address_missing(request.user, membership),
    }
    if membership:
        context["placement"] = place_member(job_role=membership.job_role, hours=membership.hours)
    return render(request, "accounts/dashboard.html", context)


@login_required
@require_http_methods(["GET", "POST"])
def profile(request):
    membership = membership_for(request.user)
    if membership is None:
        messages.info(request, NO_MEMBERSHIP)
        return redirect("accounts:dashboard")
    if request.method == "POST":
        form = ProfileForm(
            request.POST,
            own_employer_id=membership.employer_id,
            own_workplace_id=membership.workplace_id,
        )
        if form.is_valid():
            data = form.workplace_data()
            new = place_member(job_role=data["job_role"], hours=data["hours"])
            changes_fee = (new.section, new.fee_band) != (membership.section, membership.fee_band)
            if changes_fee and "back" in request.POST:
                return render(
                    request, "accounts/profile.html", {"form": form, "membership": membership}
                )
            if changes_fee and "confirm" not in request.POST:
                # Before anything is saved: the old and new fee, and from when.
                old = place_member(job_role=membership.job_role, hours=membership.hours)
                context = {
                    "form": form,
                    "membership": membership,
                    "old": old,
                    "new": new,
                    "from_date": timezone.localdate(),
                }
                return render(request, "accounts/profile_confirm.html", context)
            change = services.membership_update_profile(
                membership=membership,
                first_name=form.cleaned_data["first_name"],
                last_name=form.cleaned_data["last_name"],
                **data,
            )
            messages.success(request, _("Your details are saved."))
            membership.refresh_from_db()
            if change.section_changed:
                messages.info(
                    request,
                    _("Your new role puts you in the %(new)s section (you were in %(old)s).")
                    % {
                        "new": membership.get_section_display(),
                        "old": Section(change.old_section).label,
                    },
                )
            if change.band_changed:
                placement = place_member(job_role=membership.job_role, hours=membership.hours)
                messages.info(
                    request,
                    _("Your fee band is now %(band)s: £%(fee)s a month.")
                    % {"band": membership.get_fee_band_display(), "fee": placement.monthly_fee},
                )
            return redirect("accounts:dashboard")
        status = 400
    else:
        form = ProfileForm(
            initial={
                "first_name": request.user.first_name,
                "last_name": request.user.last_name,
                "employer": membership.employer.label,
                "workplace": membership.workplace.label if membership.workplace_id else "",
                "job_role": membership.job_role,
                "hours": membership.hours,
                "workplace_postcode": membership.workplace_postcode,
                "nation": membership.nation,
                "region": membership.region_id,
            }
        )
        status = 200
    return render(
        request, "accounts/profile.html", {"form": form, "membership": membership}, status=status
    )


@login_required
@require_http_methods(["GET", "POST"])
def preferences(request):
    membership = membership_for(request.user)
    kinds = consent_kinds_for(membership)
    if request.method == "POST":
        form = PreferencesForm(request.POST, kinds=kinds)
        if form.is_valid():
            services.consent_set(user=request.user, granted=form.granted(), kinds=kinds)
            messages.success(request, _("Your communication preferences are saved."))
            return redirect("accounts:preferences")
        status = 400
    else:
        table = consent_table(request.user)
        initial = {f"{k}__{ch}": consent_default(k, ch) for k in kinds for ch in Channel.values}
        initial.update({f"{k}__{ch}": s.granted for (k, ch), s in table.items()})
        form = PreferencesForm(kinds=kinds, initial=initial)
        status = 200
    table = consent_table(request.user)
    groups = []
    for kind in kinds:
        options = []
        for channel in Channel:
            state = table.get((kind, channel.value))
            options.append(
                {
                    "field": form[f"{kind}__{channel.value}"],
                    "state": state,
                    "default_on": consent_default(kind, channel.value),
                }
            )
        groups.append({"kind": CommunicationKind(kind), "options": options})
    return render(
        request, "accounts/preferences.html", {"form": form, "groups": groups}, status=status
    )


@login_required
@require_http_methods(["GET", "POST"])
def equality(request):
    record = getattr(request.user, "equality", None)
    if request.method == "POST":
        if "delete" in request.POST:
            services.equality_delete(user=request.user)
            messages.success(request, _("Your equality monitoring answers are deleted."))
            return redirect("accounts:equality")
        form = EqualityForm(request.POST, instance=record)
        if form.is_valid():
            data = {name: form.cleaned_data[name] for name in form.Meta.fields}
            services.equality_save(user=request.user, data=data)
            messages.success(request, _("Your equality monitoring answers are saved."))
            return redirect("accounts:equality")
        status = 400
    else:
        form = EqualityForm(instance=record)
        status = 200
    return render(
        request, "accounts/equality.html", {"form": form, "record": record}, status=status
    )


@login_required
@require_http_methods(["GET", "POST"])
def contact_details(request):
    """The member's home address and mobile number."""
    record = getattr(request.user, "contact", None)
    if request.method == "POST":
        form = ContactDetailsForm(request.POST)
        if form.is_valid():
            try:
                changed = services.contact_details_save(
                    actor=request.user, user=request.user, data=form.cleaned_data
                )
            except services.ContactDetailsError as error:
                for name, problem in error.problems.items():
                    form.add_error(name, problem)
            else:
                messages.success(
                    request,
                    _("Your contact details are saved.")
                    if changed
                    else _("Nothing has changed: your contact details are as they were."),
                )
                return redirect("accounts:dashboard")
        status = 400
    else:
        initial = {}
        if record is not None:
            initial = {name: getattr(record, name) for name in ContactDetailsForm.base_fields}
            initial["mobile"] = mobile_display(record.mobile)
        if not initial.get("country"):
            initial["country"] = UNITED_KINGDOM
        form = ContactDetailsForm(initial=initial)
        status = 200
    return render(request, "accounts/contact.html", {"form": form, "record": record}, status=status)


@login_required
@require_GET
def card(request):
    membership = membership_for(request.user)
    if membership is None:
        messages.info(request, NO_MEMBERSHIP)
        return redirect("accounts:dashboard")
    context = {"membership": membership, "card": membership_card_for(membership)}
    return render(request, "accounts/card.html", context)


@login_required
@require_GET
def card_pdf(request):
    membership = membership_for(request.user)
    card = membership_card_for(membership) if membership else None
    if card is None or not card.valid:
        raise Http404(NO_CARD)
    response = HttpResponse(card_pdf_bytes(card), content_type="application/pdf")
    response["Content-Disposition"] = 'attachment; filename="membership-card.pdf"'
    return response


@login_required
@require_http_methods(["GET", "POST"])
def data_export(request):
    """Everything the union holds on the member, as a ZIP: asked for here, prepared (at
    once, or by a task for large accounts), then downloaded once from the link shown."""
    if request.method == "POST":
        scope = f"data-export:{request.user.pk}"
        if not portal_ratelimit.allow(request, scope=scope, limit=5, period=600):
            messages.error(request, EXPORT_LIMITED)
        else:
            services.data_export_request(user=request.user)
        return redirect("accounts:data_export")
    context = {
        "export": services.data_export_current(user=request.user),
        "link_minutes": services.data_export_link_seconds() // 60,
    }
    return render(request, "accounts/data_export.html", context)


@login_required
@reauthentication_required
@require_GET
def data_export_download(request, key):
    try:
        export, content = services.data_export_take(user=request.user, key=key)
    except DataExport.DoesNotExist:
        raise Http404(NO_EXPORT) from None
    except services.DataExportUnavailable:
        return render(request, "accounts/data_export_gone.html", status=410)
    response = HttpResponse(content, content_type="application/zip")
    name = f"my-member-data-{timezone.localdate(export.downloaded_at).isoformat()}.zip"
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    return response


def signup_redirect(request):
    """allauth's own signup page: joining happens at /join/."""
    return redirect(reverse("accounts:join"))
