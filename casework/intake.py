"""Phone and walk-in intake: an officer finds a member and opens a case for them.

The page is the admin's "Add case" (/admin/casework/case/add/). Finding the member goes
through casework.selectors.members_for_intake (the officer's scope); opening the case
through services.case_open_for_member, after which the case is the member's, seen by the
same access rules as any other from its first save."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpResponseRedirect
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils.translation import gettext as _

from . import access, selectors, services
from .files import limits_text
from .forms import IntakeForm, MemberSearchForm
from .views import _details

MEMBER_NOT_FOUND = "No member found that you can open a case for."


def intake_view(model_admin, request):
    if not access.is_case_officer(request.user):
        raise PermissionDenied
    context = {
        **model_admin.admin_site.each_context(request),
        "opts": model_admin.model._meta,
        "title": _("Open a case for a member"),
        "limits": limits_text(),
    }
    member_id = request.GET.get("member", "")
    if not member_id:
        return _search(request, context)
    membership = selectors.member_for_intake(request.user, member_id)
    if membership is None:
        raise Http404(_(MEMBER_NOT_FOUND))
    member = membership.user
    status = 200
    if request.method == "POST":
        form = IntakeForm(request.POST, request.FILES, own_employer_id=membership.employer_id)
        if form.is_valid():
            try:
                case = services.case_open_for_member(
                    member=member,
                    by=request.user,
                    details=_details(form),
                    channel=form.cleaned_data["channel"],
                    take=form.cleaned_data.get("take", False),
                    request=request,
                )
            except ValidationError as error:
                for field, words in error.message_dict.items():
                    for word in words:
                        form.add_error(field if field in form.fields else None, word)
            else:
                messages.success(
                    request,
                    _("Case %(reference)s is open for %(name)s; they have been told.")
                    % {"reference": case.reference, "name": member.get_full_name()},
                )
                if access.cases_visible_to(request.user).filter(pk=case.pk).exists():
                    return HttpResponseRedirect(
                        reverse("admin:casework_case_change", args=[case.pk])
                    )
                return HttpResponseRedirect(reverse("admin:casework_case_changelist"))
        status = 400
    else:
        form = IntakeForm(initial={"employer": membership.employer.label, "take": True})
    context.update(
        {
            "form": form,
            "membership": membership,
            "member": member,
            "eligibility": services.eligibility_concern(membership, None),
            "search_url": reverse("admin:casework_case_add"),
        }
    )
    return TemplateResponse(request, "admin/casework/case/intake_form.html", context, status=status)


def _search(request, context):
    results, status = None, 200
    if "q" in request.GET:
        form = MemberSearchForm(request.GET)
        if form.is_valid():
            results = list(selectors.members_for_intake(request.user, form.cleaned_data["q"]))
        else:
            status = 400
    else:
        form = MemberSearchForm()
    context.update({"form": form, "results": results})
    return TemplateResponse(
        request, "admin/casework/case/intake_search.html", context, status=status
    )
