from __future__ import annotations

from datetime import timedelta

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from portal.accounts.selectors import membership_for

from . import access, services
from .calendar import feed_ics, feed_owner
from .files import attachment_response, limits_text
from .forms import CaseForm, ComplaintForm, JoinForm, ReplyForm, WithdrawForm
from .models import AccessAction, EventKind, Status
from .selectors import member_case_list, member_timeline

NEEDS_MEMBERSHIP = gettext_lazy("Only members can ask for help. Your account has no membership.")

# How a change of status reads on the member's timeline: what it means for them.
MEMBER_TIMELINE_STATUS = {
    Status.NEW: gettext_lazy("We have your request: an officer will pick it up"),
    Status.ASSIGNED: gettext_lazy("An officer is now on your case"),
    Status.IN_PROGRESS: gettext_lazy("Your officer is working on your case"),
    Status.WAITING_MEMBER: gettext_lazy("We are waiting for your reply"),
    Status.LEGAL: gettext_lazy("Your case is referred for legal assistance"),
    Status.CLOSED: gettext_lazy("Your case is closed"),
}
MEMBER_TIMELINE_KIND = {
    EventKind.SUBMITTED: gettext_lazy("You sent your request"),
    EventKind.ASSIGNED: gettext_lazy("An officer is now on your case"),
    EventKind.ATTACHMENT: gettext_lazy("A file was added"),
    EventKind.ESCALATED: gettext_lazy("Your case is referred for legal assistance"),
    EventKind.WITHDRAWN: gettext_lazy("You withdrew your request"),
    EventKind.COMPLAINT: gettext_lazy("You complained about how your case is handled"),
    EventKind.COMPLAINT_RESPONSE: gettext_lazy("A casework manager answered your complaint"),
    EventKind.COMPLAINT_CLOSED: gettext_lazy("Your complaint is closed"),
}

# What a member reads for each stage of their complaint.
MEMBER_COMPLAINT_STAGE = {
    "received": gettext_lazy("Received – a casework manager will acknowledge it"),
    "acknowledged": gettext_lazy("Acknowledged – a casework manager is looking into it"),
    "responded": gettext_lazy("Answered – read the response below"),
    "closed": gettext_lazy("Closed"),
}
MEMBER_COMPLAINT_OUTCOME = {
    "upheld": gettext_lazy("Upheld"),
    "partly_upheld": gettext_lazy("Partly upheld"),
    "not_upheld": gettext_lazy("Not upheld"),
}


def _member_complaints(case) -> list:
    rows = list(access.member_complaints(case))
    for complaint in rows:
        complaint.member_stage = MEMBER_COMPLAINT_STAGE[complaint.stage()]
        complaint.member_outcome = MEMBER_COMPLAINT_OUTCOME.get(complaint.outcome, "")
    return rows


def _member_heading(event) -> str:
    if event.kind == EventKind.MEMBER_MESSAGE:
        return _("You wrote")
    if event.kind == EventKind.OFFICER_MESSAGE:
        name = event.author.get_full_name() if event.author else ""
        if event.case.collective and event.for_member_id is None:
            return (
                _("%(name)s wrote to the whole group") % {"name": name}
                if name
                else _("Your officer wrote to the whole group")
            )
        return _("%(name)s wrote") % {"name": name} if name else _("Your officer wrote")
    if event.kind == EventKind.STATUS and event.new_status in MEMBER_TIMELINE_STATUS:
        return str(MEMBER_TIMELINE_STATUS[event.new_status])
    return str(MEMBER_TIMELINE_KIND.get(event.kind, event.get_kind_display()))


MESSAGES = (EventKind.MEMBER_MESSAGE, EventKind.OFFICER_MESSAGE)
SAME_MOMENT = timedelta(seconds=5)


def _newest_first(timeline: list) -> list:
    """The timeline newest first; a message stays above the status change it caused (a
    reply moves the case on in the same moment), so it is what the member reads first."""
    events = list(reversed(timeline))
    for i in range(1, len(events)):
        j = i
        while (
            j > 0
            and events[j].kind in MESSAGES
            and events[j - 1].kind not in MESSAGES
            and events[j - 1].created_at - events[j].created_at <= SAME_MOMENT
        ):
            events[j - 1], events[j] = events[j], events[j - 1]
            j -= 1
    return events


def _reply_sent_message(case) -> str:
    if case.assigned_to_id:
        return _("Your message is sent to %(name)s, the officer handling your case.") % {
            "name": case.assigned_to.get_full_name()
        }
    return _(
        "Your message is sent. No officer is on your case yet: the officer who takes it "
        "will read it."
    )


def _details(form: CaseForm) -> services.CaseDetails:
    c = form.cleaned_data
    return services.CaseDetails(
        category=c["category"],
        employer=c.get("employer_obj"),
        what_happened=c.get("what_happened", ""),
        desired_outcome=c.get("desired_outcome", ""),
        problem_started_on=c.get("problem_started_on"),
        hearing_date=c.get("hearing_date"),
        colleagues_affected=c.get("colleagues_affected", False),
        other_party_name=c.get("other_party_name", ""),
        other_party_number=c.get("other_party_number", ""),
        files=c.get("attachments") or [],
    )


@login_required
@require_GET
def case_list(request):
    # The last thing the member can see happen: internal work does not show as an update
    # (see selectors.member_case_list).
    cases = member_case_list(request.user)
    invitations = access.pending_invitations(request.user)
    return render(request, "casework/list.html", {"cases": cases, "invitations": invitations})


def _case_form_page(request, case=None):
    membership = membership_for(request.user)
    if membership is None:
        messages.info(request, NEEDS_MEMBERSHIP)
        return redirect("accounts:dashboard")
    submitting = request.POST.get("action", "submit") != "draft"
    if request.method == "POST":
        form = CaseForm(
            request.POST,
            request.FILES,
            submitting=submitting,
            own_employer_id=membership.employer_id,
        )
        if case is not None:
            form.already_on_case = case.attachments.count()
        if form.is_valid():
            details = _details(form)
            if submitting:
                case = services.case_submit(member=request.user, details=details, case=case)
                return redirect("casework:submitted", reference=case.reference)
            case = services.case_save_draft(member=request.user, details=details, case=case)
            messages.success(
                request, _("Your draft is saved. Only you can see it until you send it.")
            )
            return redirect("casework:detail", reference=case.pk)
        status = 400
    else:
        if case is None:
            initial = {"employer": membership.employer.label}
        else:
            initial = {
                "category": case.category,
                "employer": case.employer.label if case.employer else "",
                "what_happened": case.what_happened,
                "desired_outcome": case.desired_outcome,
                "problem_started_on": case.problem_started_on,
                "hearing_date": case.hearing_date,
                "colleagues_affected": case.colleagues_affected,
                "other_party_name": case.other_party_name,
                # The number the member gave: without it, saving the draft again would
                # drop the conflict-of-interest block on the other party.
                "other_party_number": _membership_number(case.other_party),
            }
        form = CaseForm(initial=initial)
        status = 200
    context = {"form": form, "case": case, "limits": limits_text()}
    return render(request, "casework/new.html", context, status=status)


def _membership_number(user) -> str:
    membership = getattr(user, "membership", None) if user is not None else None
    return membership.number if membership is not None else ""


@login_required
@require_http_methods(["GET", "POST"])
def case_new(request):
    return _case_form_page(request)


@login_required
@require_http_methods(["GET", "POST"])
def case_edit_draft(request, reference):
    case = access.get_case_for_member(request.user, reference)
    if case.status != Status.DRAFT:
        raise Http404(access.NOT_FOUND)
    if request.method == "POST" and request.POST.get("action") == "delete":
        services.case_delete_draft(case=case, member=request.user)
        messages.success(request, _("Your draft is deleted."))
        return redirect("casework:list")
    return _case_form_page(request, case)


@login_required
@require_GET
def case_submitted(request, reference):
    case = access.get_case_for_member(request.user, reference)
    return render(request, "casework/submitted.html", {"case": case})


def _merged_redirect(request, reference):
    target = access.merged_target_for_member(request.user, reference)
    if target is not None:
        return redirect("casework:detail", reference=target.reference)
    return None


@login_required
@require_http_methods(["GET", "POST"])
def case_detail(request, reference):
    # A merged case's member follows it where it went, if they may see it there.
    moved = _merged_redirect(request, reference)
    if moved is not None:
        return moved
    case = access.get_case_for_member(request.user, reference)
    lead = access.is_lead_member(request.user, case)
    if case.status == Status.DRAFT:
        return redirect("casework:edit", reference=case.pk)
    reply_form = ReplyForm()
    status = 200
    if request.method == "POST":
        reply_form = ReplyForm(request.POST, request.FILES)
        reply_form.already_on_case = case.attachments.count()
        if not case.is_open:
            messages.error(request, _(services.CASE_NOT_OPEN))
            return redirect("casework:detail", reference=case.reference)
        if reply_form.is_valid():
            services.case_member_reply(
                case=case,
                member=request.user,
                body=reply_form.cleaned_data.get("message", ""),
                files=reply_form.cleaned_data.get("attachments") or [],
            )
            services.case_log_access(
                case=case,
                user=request.user,
                action=AccessAction.CHANGE,
                request=request,
                detail="member replied",
            )
            messages.success(request, _reply_sent_message(case))
            return redirect("casework:detail", reference=case.reference)
        status = 400
    services.case_log_access(
        case=case, user=request.user, action=AccessAction.VIEW, request=request, detail="member"
    )
    timeline = member_timeline(case, request.user)
    for event in timeline:
        event.member_heading = _member_heading(event)
    messages_only = [e for e in timeline if e.kind in MESSAGES]
    latest = messages_only[-1] if messages_only else None
    context = {
        "case": case,
        # Newest first: the latest reply is the first thing the member reads.
        "timeline": _newest_first(timeline),
        "new_reply": latest if latest and latest.kind == EventKind.OFFICER_MESSAGE else None,
        "new_reply_from": (latest.author.get_full_name() if latest and latest.author else "")
        or _("your officer"),
        "reply_form": reply_form,
        # On a collective case, a member other than its lead member reads the officer's
        # summary, never the lead member's own account, and cannot withdraw the case.
        "is_lead": lead,
        "withdraw_form": WithdrawForm(),
        "complaint_form": ComplaintForm(),
        "complaints": _member_complaints(case),
    }
    return render(request, "casework/detail.html", context, status=status)


def _lead_members_case(user, reference):
    """Withdrawing or complaining about a case is for its own member (on a collective case:
    its lead member)."""
    case = access.get_case_for_member(user, reference)
    if not access.is_lead_member(user, case):
        access.log_refusal(user, "not the lead member")
        raise Http404(access.NOT_FOUND)
    return case


@login_required
@require_POST
def case_withdraw(request, reference):
    case = _lead_members_case(request.user, reference)
    form = WithdrawForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Your reason is too long."))
        return redirect("casework:detail", reference=case.reference)
    try:
        services.case_withdraw(case=case, member=request.user, reason=form.cleaned_data["reason"])
    except ValidationError as error:
        messages.error(request, _(error.messages[0]))
    else:
        messages.success(
            request, _("Your request is withdrawn. You can ask for help again at any time.")
        )
    return redirect("casework:detail", reference=case.reference)


@login_required
@require_POST
def case_complaint(request, reference):
    case = _lead_members_case(request.user, reference)
    form = ComplaintForm(request.POST)
    if form.is_valid():
        services.case_complain(case=case, member=request.user, body=form.cleaned_data["complaint"])
        messages.success(
            request, _("Your complaint is sent to a casework manager, who will contact you.")
        )
        return redirect("casework:detail", reference=case.reference)
    messages.error(request, form.errors["complaint"][0])
    return redirect("casework:detail", reference=case.reference)


@login_required
@require_GET
def attachment_download(request, reference, attachment_id):
    case = access.get_case_for_member(request.user, reference)
    attachment = (
        access.member_visible_attachments(case, request.user).filter(pk=attachment_id).first()
    )
    if attachment is None:
        access.log_refusal(request.user, "member attachment")
        raise Http404(access.NOT_FOUND)
    services.case_log_access(
        case=case,
        user=request.user,
        action=AccessAction.DOWNLOAD,
        request=request,
        detail=f"file {attachment.pk}",
    )
    return attachment_response(attachment)


@require_GET
def calendar_feed(request, token: str):
    """An officer's deadlines feed: no login, the secret in the URL is the key. An unknown
    or revoked secret is a 404 like any missing page."""
    user = feed_owner(token)
    if user is None:
        raise Http404(access.NOT_FOUND)
    response = HttpResponse(feed_ics(user), content_type="text/calendar; charset=utf-8")
    response["Cache-Control"] = "private, no-store"
    response["X-Robots-Tag"] = "noindex"
    response["Content-Disposition"] = 'inline; filename="deadlines.ics"'
    return response


@login_required
@require_http_methods(["GET", "POST"])
def case_join(request, reference):
    """An invitation to a collective case: what joining means, then yes or no. Nothing of
    the case is shown before the member says yes."""
    place = access.get_invitation_for_member(request.user, reference)
    form = JoinForm(request.POST if request.method == "POST" else None)
    if request.method == "POST":
        if form.is_valid():
            consent = form.cleaned_data["answer"] == "join"
            services.case_member_answer(place=place, member=request.user, consent=consent)
            if consent:
                messages.success(request, _("You have joined the case."))
                return redirect("casework:detail", reference=place.case.reference)
            messages.success(request, _("You have declined. The case is not shown to you."))
            return redirect("casework:list")
        status = 400
    else:
        status = 200
    context = {"case": place.case, "place": place, "form": form}
    return render(request, "casework/join.html", context, status=status)
