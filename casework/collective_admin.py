"""The officers' page for a case's collective side: its members (invited, joined, declined,
removed), the workplace's reps, linked cases and merging a duplicate. Thin: each form is
one service call (casework.services), each case reached through casework.access."""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpResponseRedirect
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils.html import format_html, format_html_join

from portal.accounts.models import Membership

from . import access, services
from .models import Case, CaseMember

ACTIONS = ("collective", "add_member", "rep", "remove", "link", "merge")
UNKNOWN_ACTION = "Choose what to do."
STATE_WORDS = {
    "invited": "invited, not answered yet (sees nothing)",
    "joined": "joined",
    "declined": "declined",
    "removed": "removed",
    "rep": "workplace rep (sees the group updates)",
}


class CollectiveForm(forms.Form):
    summary = forms.CharField(
        label="Collective summary",
        max_length=5000,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text="What every member on the case reads about it. Never the lead member's "
        "own account.",
    )


class AddMemberForm(forms.Form):
    who = forms.CharField(
        label="Membership number or email",
        max_length=254,
        help_text="Only members at the case's employer, unless you give the reason below.",
    )
    override_note = forms.CharField(
        label="Override note (member not at the employer)", max_length=300, required=False
    )


class RepForm(forms.Form):
    rep = forms.ModelChoiceField(queryset=Membership.objects.none(), label="Workplace rep")

    def __init__(self, *args, case: Case, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["rep"].queryset = (
            Membership.objects.filter(employer_id=case.employer_id, is_rep=True)
            .exclude(user_id=case.member_id)
            .select_related("user")
        )
        self.fields["rep"].label_from_instance = lambda m: f"{m.user.get_full_name()} ({m.number})"


class RemoveForm(forms.Form):
    place = forms.IntegerField(widget=forms.HiddenInput)


class LinkForm(forms.Form):
    reference = forms.CharField(label="Reference of the related case", max_length=20)


class MergeForm(forms.Form):
    reference = forms.CharField(
        label="Reference of the duplicate to merge into this case",
        max_length=20,
        help_text="Its timeline, files and members move here; it is closed and its member is told.",
    )


def _forms(case, data=None, action=""):
    def bound(name):
        return data if action == name else None

    return {
        "collective": CollectiveForm(
            bound("collective"), initial={"summary": case.collective_summary}, prefix="c"
        ),
        "add_member": AddMemberForm(bound("add_member"), prefix="m"),
        "rep": RepForm(bound("rep"), case=case, prefix="r"),
        "link": LinkForm(bound("link"), prefix="l"),
        "merge": MergeForm(bound("merge"), prefix="g"),
        "remove": RemoveForm(bound("remove")),
    }


def _do(action: str, form, case: Case, request):
    user = request.user
    c = form.cleaned_data if form is not None else {}
    if action == "collective":
        services.case_make_collective(case=case, by=user, summary=c["summary"])
        return "The case is collective."
    if action == "add_member":
        place = services.case_add_member(
            case=case,
            by=user,
            member=services.member_find(c["who"]),
            override_note=c["override_note"],
        )
        return f"{place.member.get_full_name()} is invited; they see the case once they agree."
    if action == "rep":
        place = services.case_involve_rep(case=case, by=user, rep=c["rep"].user)
        return f"{place.member.get_full_name()} is involved as the workplace rep."
    if action == "remove":
        place = CaseMember.objects.filter(case=case, pk=c["place"]).first()
        if place is None:
            raise ValidationError(services.NOT_ON_THE_CASE)
        services.case_remove_member(case=case, by=user, place=place)
        return f"{place.member.get_full_name()} is removed from the case."
    if action == "link":
        services.case_link(case=case, reference=c["reference"], by=user)
        return "The cases are linked."
    if action == "merge":
        source = (
            access.cases_visible_to(user).filter(reference=c["reference"].strip().upper()).first()
        )
        if source is None:
            raise ValidationError(services.NO_SUCH_CASE_TO_LINK)
        services.case_merge(source=source, target=case, by=user)
        return f"{source.reference} is merged into this case."
    raise ValidationError(UNKNOWN_ACTION)


def collective_view(model_admin, request, object_id):
    case = access.get_case_for_officer(request.user, object_id)
    action = request.POST.get("action", "") if request.method == "POST" else ""
    forms_ = _forms(case, request.POST if action else None, action)
    status = 200
    if request.method == "POST":
        form = forms_.get(action)
        if action not in ACTIONS:
            messages.error(request, UNKNOWN_ACTION)
            status = 400
        elif form is not None and not form.is_valid():
            if action == "remove":  # a hidden field: nothing on the page to show it at
                messages.error(request, services.NOT_ON_THE_CASE)
            status = 400
        else:
            try:
                done = _do(action, form, case, request)
            except (ValidationError, PermissionDenied) as error:
                words = getattr(error, "messages", None) or [access.NOT_FOUND]
                if form is not None and action != "remove":
                    form.add_error(None, " ".join(words))
                else:
                    messages.error(request, " ".join(words))
                status = 400
            else:
                messages.success(request, done)
                return HttpResponseRedirect(request.path)
    context = {
        **model_admin.admin_site.each_context(request),
        "title": f"Collective and linked cases: {case.reference}",
        "opts": model_admin.model._meta,
        "original": case,
        "case": case,
        "forms": forms_,
        "places": list(access.case_members_state(case)),
        "candidates": services.case_member_candidates(case)[:50] if case.collective else [],
        "links": collective_panel(case, request.user),
        "change_url": reverse("admin:casework_case_change", args=[case.pk]),
    }
    return TemplateResponse(request, "admin/casework/case/collective.html", context, status=status)


def collective_panel(case: Case, viewer) -> str:
    """The read-only panel of the case change page: members with where they stand, linked
    cases and merges, naming only cases the viewer may see."""
    parts = []
    if case.collective:
        places = list(access.case_members_state(case))
        joined = sum(1 for p in places if p.state == "joined")
        parts.append(
            format_html(
                "<p>Collective case: {} member(s) joined, {} on the case in all.</p>",
                joined + (1 if case.member_id else 0),
                len(places) + (1 if case.member_id else 0),
            )
        )
        if places:
            rows = [(p.member.get_full_name(), STATE_WORDS[p.state]) for p in places]
            parts.append(
                format_html(
                    '<ul class="case-members">{}</ul>',
                    format_html_join("", "<li>{}: {}</li>", rows),
                )
            )
    linked, hidden = access.linked_cases(viewer, case)
    for label, cases in (("Linked cases", linked),):
        if cases:
            parts.append(
                format_html(
                    "<p>{}: {}</p>",
                    label,
                    format_html_join(
                        ", ",
                        '<a href="{}">{}</a>',
                        (
                            (reverse("admin:casework_case_change", args=[c.pk]), c.reference)
                            for c in cases
                        ),
                    ),
                )
            )
    if hidden:
        parts.append(format_html("<p>{} linked case(s) you cannot see.</p>", hidden))
    visible = access.cases_visible_to(viewer)
    if case.merged_into_id:
        target = visible.filter(pk=case.merged_into_id).first()
        if target is not None:
            parts.append(
                format_html(
                    '<p>Merged into <a href="{}">{}</a>.</p>',
                    reverse("admin:casework_case_change", args=[target.pk]),
                    target.reference,
                )
            )
        else:
            parts.append(format_html("<p>{}</p>", "Merged into a case you cannot see."))
    sources = list(visible.filter(merged_into=case).only("pk", "reference"))
    if sources:
        parts.append(
            format_html(
                "<p>Merged from: {}</p>",
                format_html_join(
                    ", ",
                    '<a href="{}">{}</a>',
                    (
                        (reverse("admin:casework_case_change", args=[s.pk]), s.reference)
                        for s in sources
                    ),
                ),
            )
        )
    parts.append(
        format_html(
            '<p><a href="{}">Members, reps, links and merging</a></p>',
            reverse("admin:casework_case_collective", args=[case.pk]),
        )
    )
    return format_html_join("", "{}", ((p,) for p in parts))
