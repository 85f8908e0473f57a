"""The rep's space (/rep/) and the member's "who looked at my membership" (/me/access/).
Thin: every rule is in access.py (who sees what) and services.py (every write)."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpResponse, HttpResponseBadRequest
from django.shortcuts import redirect, render
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from portal.accounts.selectors import membership_for
from portal.communications.notifications import absolute_url
from portal.pdf import html_to_pdf

from . import access, density, selectors, services
from .forms import HeadcountForm, RepMessageForm, VolunteerForm, WorkplaceIssueForm
from .models import RepAccessKind, RepRole, RepStatus

BAD_WORKPLACE = "Choose one of your workplaces."


def _workplace_param(request, workplaces):
    """`?workplace=<id>`: one of the rep's workplaces, None for all; 400 for anything else."""
    raw = request.GET.get("workplace", "")
    if raw == "":
        return None
    if not raw.isdigit() or int(raw) not in {w.pk for w in workplaces}:
        return False
    return int(raw)


@login_required
@require_GET
def home(request):
    workplaces = access.require_rep(request.user)
    chosen = _workplace_param(request, workplaces)
    if chosen is False:
        return render(
            request,
            "reps/home.html",
            {"workplaces": workplaces, "members": [], "error": _(BAD_WORKPLACE)},
            status=400,
        )
    ids = [chosen] if chosen else None
    members = list(access.members_visible_to_rep(request.user, workplace_ids=ids))
    services.rep_access_record_list(viewer=request.user, members=members)
    names = {w.pk: w.name for w in workplaces}
    for m in members:
        m.workplace_name = names.get(m.workplace_id, "")
    roles = list(access.current_roles(request.user).select_related("workplace"))
    context = {
        "workplaces": workplaces,
        "chosen": chosen,
        "members": members,
        "roles": roles,
        "agreed": sum(1 for m in members if m.agreed_rep_contact),
        "rep_messages": _message_rows(request.user),
    }
    return render(request, "reps/home.html", context)


def _message_state(c) -> str:
    from portal.communications.models import Status

    states = {
        Status.DRAFT: _("Returned to you by the office: not sent"),
        Status.AWAITING_APPROVAL: _("Waiting for the regional office's approval"),
        Status.APPROVED: _("Approved, waiting to be sent"),
        Status.SCHEDULED: _("Approved, waiting to be sent"),
        Status.SENDING: _("Being sent"),
        Status.PAUSED: _("Being sent"),
        Status.CANCELLED: _("Not sent"),
    }
    if c.status == Status.SENT:
        return _("Sent to %(count)s colleagues") % {"count": c.recipient_count}
    return states.get(c.status, "")


def _message_rows(user) -> list[dict]:
    return [{"message": c, "state": _message_state(c)} for c in selectors.rep_messages(user)]


@login_required
@require_http_methods(["GET", "POST"])
def message(request):
    """Message my members: to colleagues at one of my workplaces who agreed to rep contact,
    sent once the regional office approves it."""
    workplaces = access.require_rep(request.user)
    status = 200
    if request.method == "POST":
        form = RepMessageForm(request.POST, workplaces=workplaces)
        if form.is_valid():
            c = form.cleaned_data
            try:
                services.rep_message_submit(
                    rep=request.user,
                    workplace_id=c["workplace"],
                    subject=c["subject"],
                    body=c["body"],
                )
            except services.RepRuleError as error:
                form.add_error(error.field, error.message)
            else:
                messages.success(
                    request,
                    _(
                        "Your message is with the regional office. It is sent once they "
                        "approve it: you see its state below."
                    ),
                )
                return redirect("reps:home")
        status = 400
    else:
        form = RepMessageForm(workplaces=workplaces)
    agreed = selectors.rep_contact_counts(request.user)
    rows = [(w.name, agreed.get(w.pk, 0)) for w in workplaces]
    return render(request, "reps/message.html", {"form": form, "agreed": rows}, status=status)


@login_required
@require_GET
def member(request, pk):
    membership = access.get_member_for_rep(request.user, pk)
    services.rep_access_record(viewer=request.user, members=[membership], kind=RepAccessKind.MEMBER)
    workplace = next(
        (w for w in access.rep_workplaces(request.user) if w.pk == membership.workplace_id), None
    )
    return render(request, "reps/member.html", {"member": membership, "workplace": workplace})


def _invite_rows(user):
    rows = []
    for role in access.current_roles(user).select_related("workplace"):
        invite = services.rep_invite_current(role=role)
        rows.append(
            {
                "role": role,
                "url": absolute_url(reverse("accounts:join") + f"?invite={invite.token}"),
            }
        )
    return rows


@login_required
@require_http_methods(["GET", "POST"])
def invite(request):
    access.require_rep(request.user)
    if request.method == "POST":
        role = _own_current_role(request.user, request.POST.get("role"))
        if role is None:
            return HttpResponseBadRequest(_("Choose one of your roles."))
        services.rep_invite_renew(role=role)
        messages.success(
            request,
            _("A new invite link is ready. The old one no longer credits joins to you."),
        )
        return redirect("reps:invite")
    return render(request, "reps/invite.html", {"rows": _invite_rows(request.user)})


def _own_current_role(user, raw) -> RepRole | None:
    if not raw or not str(raw).isdigit():
        return None
    return access.current_roles(user).select_related("workplace").filter(pk=int(raw)).first()


@login_required
@require_GET
def invite_qr(request, pk, fmt):
    import segno

    access.require_rep(request.user)
    role = _own_current_role(request.user, pk)
    if role is None or fmt not in ("png", "svg"):
        raise Http404(access.NOT_FOUND)
    invite = services.rep_invite_current(role=role)
    url = absolute_url(reverse("accounts:join") + f"?invite={invite.token}")
    import io

    out = io.BytesIO()
    qr = segno.make(url, error="m")
    if fmt == "png":
        qr.save(out, kind="png", scale=8, border=4)
        content_type = "image/png"
    else:
        qr.save(out, kind="svg", scale=8, border=4, title=_("Invite link to join the union"))
        content_type = "image/svg+xml"
    response = HttpResponse(out.getvalue(), content_type=content_type)
    response["Content-Disposition"] = f'inline; filename="invite-qr.{fmt}"'
    return response


@login_required
@require_http_methods(["GET", "POST"])
def volunteer(request):
    membership = membership_for(request.user)
    if membership is None:
        raise Http404(access.NOT_FOUND)
    workplaces = services.volunteer_workplaces(membership)
    status = 200
    if request.method == "POST":
        form = VolunteerForm(request.POST, workplaces=workplaces)
        if form.is_valid():
            try:
                role = services.rep_volunteer(
                    membership=membership,
                    workplace_id=form.cleaned_data["workplace"],
                    kind=form.cleaned_data["kind"],
                )
            except services.RepRuleError as error:
                form.add_error(error.field, error.message)
            else:
                if services.contested(role):
                    messages.info(
                        request,
                        _(
                            "Thank you for volunteering. Someone else has also volunteered for "
                            "this role: the regional office will run an election."
                        ),
                    )
                else:
                    messages.success(
                        request,
                        _("Thank you for volunteering. The regional office will be in touch."),
                    )
                return redirect("accounts:dashboard")
        status = 400
    else:
        form = VolunteerForm(workplaces=workplaces)
    context = {
        "form": form,
        "workplaces": workplaces,
        "roles": list(selectors.roles_of(membership)),
    }
    return render(request, "reps/volunteer.html", context, status=status)


@login_required
@require_POST
def support(request, pk):
    membership = membership_for(request.user)
    role = RepRole.objects.filter(pk=pk, status=RepStatus.VOLUNTEERED).first()
    if membership is None or role is None or role.workplace_id != membership.workplace_id:
        raise Http404(access.NOT_FOUND)
    try:
        services.rep_support(role=role, supporter=membership)
    except services.RepRuleError as error:
        messages.error(request, error.message)
        return redirect("accounts:dashboard")
    messages.success(request, _("You support your colleague. The regional office will see it."))
    return redirect("accounts:dashboard")


@login_required
@require_GET
def letter(request, pk):
    role = access.role_for_member(request.user, pk)
    html = render_to_string("reps/letter_pdf.html", {"role": role}, request=request)
    response = HttpResponse(html_to_pdf(html), content_type="application/pdf")
    response["Content-Disposition"] = 'attachment; filename="rep-accreditation.pdf"'
    return response


@login_required
@require_GET
def my_access(request):
    membership = membership_for(request.user)
    if membership is None:
        raise Http404(access.NOT_FOUND)
    looks = selectors.looks_at(request.user)
    return render(request, "reps/my_access.html", {"looks": looks})


@login_required
@require_http_methods(["GET", "POST"])
def issue(request):
    """Raise a workplace issue: a request to the region's casework team."""
    workplaces = access.require_rep(request.user)
    status = 200
    if request.method == "POST":
        form = WorkplaceIssueForm(request.POST, workplaces=workplaces)
        if form.is_valid():
            try:
                c = form.cleaned_data
                case = services.rep_workplace_issue_raise(
                    rep=request.user,
                    workplace_id=c["workplace"],
                    category=c["category"],
                    what_happened=c["what_happened"],
                    desired_outcome=c["desired_outcome"],
                )
            except services.RepRuleError as error:
                form.add_error(error.field, error.message)
            else:
                messages.success(
                    request,
                    _("Your workplace issue is with the regional office as case %(ref)s.")
                    % {"ref": case.reference},
                )
                return redirect(case.get_absolute_url())
        status = 400
    else:
        form = WorkplaceIssueForm(workplaces=workplaces)
    return render(request, "reps/issue.html", {"form": form}, status=status)


@login_required
@require_http_methods(["GET", "POST"])
def density_view(request):
    """Members against headcount by section, over time; the rep enters the headcount."""
    workplaces = access.require_rep(request.user)
    chosen = _workplace_param(request, workplaces)
    status = 200
    if chosen is False:
        return HttpResponseBadRequest(_(BAD_WORKPLACE))
    workplace = next((w for w in workplaces if w.pk == chosen), workplaces[0])
    if request.method == "POST":
        form = HeadcountForm(request.POST, workplaces=workplaces)
        if form.is_valid():
            target = next(w for w in workplaces if w.pk == form.cleaned_data["workplace"])
            density.headcount_save(
                workplace=target,
                counted_on=form.cleaned_data["counted_on"],
                counts=form.counts(),
                by=request.user,
            )
            messages.success(request, _("The headcount is saved."))
            return redirect(f"{reverse('reps:density')}?workplace={target.pk}")
        status = 400
    else:
        from django.utils import timezone

        form = HeadcountForm(
            workplaces=workplaces,
            initial={"workplace": workplace.pk, "counted_on": timezone.localdate()},
        )
    rows = density.density_rows(workplace)
    context = {
        "form": form,
        "workplace": workplace,
        "workplaces": workplaces,
        "rows": rows,
        "chart": density.chart(rows),
    }
    return render(request, "reps/density.html", context, status=status)
