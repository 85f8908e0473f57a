from __future__ import annotations

import io
from datetime import timedelta

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.db.models import Max, Q
from django.http import FileResponse, Http404
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from portal import crypto
from portal.accounts.selectors import membership_for

from . import access, services
from .files import limits_text
from .forms import CaseForm, ComplaintForm, ReplyForm, WithdrawForm
from .models import AccessAction, CaseAttachment, EventKind, Status
from .selectors import member_case_list, member_timeline

NEEDS_MEMBERSHIP = "Only members can ask for help. Your account has no membership."

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
    # The last thing the member can see happen: internal work does not show as an update.
    cases = member_case_list(request.user).annotate(
        last_update=Max("events__created_at", filter=Q(events__visible_to_member=True))
    )
    return render(request, "casework/list.html", {"cases": cases})


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
            messages.success(request, "Your draft is saved. Only you can see it until you send it.")
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
            }
        form = CaseForm(initial=initial)
        status = 200
    context = {"form": form, "case": case, "limits": limits_text()}
    return render(request, "casework/new.html", context, status=status)


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
        messages.success(request, "Your draft is deleted.")
        return redirect("casework:list")
    return _case_form_page(request, case)


@login_required
@require_GET
def case_submitted(request, reference):
    case = access.get_case_for_member(request.user, reference)
    return render(request, "casework/submitted.html", {"case": case})


@login_required
@require_http_methods(["GET", "POST"])
def case_detail(request, reference):
    case = access.get_case_for_member(request.user, reference)
    if case.status == Status.DRAFT:
        return redirect("casework:edit", reference=case.pk)
    reply_form = ReplyForm()
    status = 200
    if request.method == "POST":
        reply_form = ReplyForm(request.POST, request.FILES)
        reply_form.already_on_case = case.attachments.count()
        if not case.is_open:
            messages.error(request, services.CASE_NOT_OPEN)
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
    timeline = member_timeline(case)
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
        "withdraw_form": WithdrawForm(),
        "complaint_form": ComplaintForm(),
        "complaints": _member_complaints(case),
    }
    return render(request, "casework/detail.html", context, status=status)


@login_required
@require_POST
def case_withdraw(request, reference):
    case = access.get_case_for_member(request.user, reference)
    form = WithdrawForm(request.POST)
    if not form.is_valid():
        messages.error(request, "Your reason is too long.")
        return redirect("casework:detail", reference=case.reference)
    try:
        services.case_withdraw(case=case, member=request.user, reason=form.cleaned_data["reason"])
    except ValidationError as error:
        messages.error(request, error.messages[0])
    else:
        messages.success(
            request, "Your request is withdrawn. You can ask for help again at any time."
        )
    return redirect("casework:detail", reference=case.reference)


@login_required
@require_POST
def case_complaint(request, reference):
    case = access.get_case_for_member(request.user, reference)
    form = ComplaintForm(request.POST)
    if form.is_valid():
        services.case_complain(case=case, member=request.user, body=form.cleaned_data["complaint"])
        messages.success(
            request, "Your complaint is sent to a casework manager, who will contact you."
        )
        return redirect("casework:detail", reference=case.reference)
    messages.error(request, form.errors["complaint"][0])
    return redirect("casework:detail", reference=case.reference)


@login_required
@require_GET
def attachment_download(request, reference, attachment_id):
    case = access.get_case_for_member(request.user, reference)
    attachment = CaseAttachment.objects.filter(
        case=case, pk=attachment_id, shared_with_member=True
    ).first()
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


def attachment_response(attachment: CaseAttachment) -> FileResponse:
    try:
        with attachment.file.open("rb") as handle:
            data = crypto.decrypt_bytes(handle.read())
    except FileNotFoundError:
        raise Http404(access.NOT_FOUND) from None
    response = FileResponse(
        io.BytesIO(data),
        as_attachment=True,
        filename=attachment.name,
        content_type=attachment.content_type,
    )
    response["X-Content-Type-Options"] = "nosniff"
    response["Content-Security-Policy"] = "default-src 'none'; sandbox"
    return response
