from allauth.usersessions.models import UserSession
from django import forms
from django.contrib import admin, messages
from django.contrib.admin.utils import unquote
from django.contrib.auth.admin import GroupAdmin as DjangoGroupAdmin
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin
from django.contrib.auth.forms import UserChangeForm
from django.contrib.auth.models import Group
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpResponseRedirect
from django.shortcuts import get_object_or_404
from django.template.loader import render_to_string
from django.urls import path, reverse
from django.views.decorators.http import require_POST

from portal.admin import CappedPaginationMixin, PortalModelAdmin, ReadOnlyAdmin, ReadOnlyInline

from . import services
from .choices import MembershipStatus
from .contact import country_name, mobile_display
from .employer_panels import employer_panels
from .forms import ContactDetailsForm
from .models import (
    ConsentEvent,
    ConsentState,
    ContactDetails,
    ContactDetailsChange,
    DataExport,
    Employer,
    EqualityMonitoring,
    Membership,
    RecordAccess,
    RecordPart,
    Region,
    RoleChange,
    RoleGrant,
    RoleGrantStatus,
    User,
)
from .selectors import members_matching

# Fields of a person's access: read-only on one's own record, for everyone.
OWN_ACCESS_FIELDS = [
    "is_active",
    "is_staff",
    "is_superuser",
    "groups",
    "user_permissions",
    "regions",
]
# Only a superuser changes these (and superuser status only to remove it).
SUPERUSER_FIELDS = ["is_superuser", "user_permissions"]
M2M_ACCESS_FIELDS = ("groups", "user_permissions", "regions")


class RecordsAccessMixin:
    """Opening a member's record in the admin is recorded (`RecordAccess`) and shown to the
    member in their data export."""

    record_part = RecordPart.USER

    def record_owner(self, obj):
        return obj.user

    def change_view(self, request, object_id, form_url="", extra_context=None):
        if request.method == "GET":
            obj = self.get_object(request, unquote(object_id))
            if obj is not None and self.has_view_or_change_permission(request, obj):
                owner = self.record_owner(obj)
                if owner is not None:
                    services.record_access_log(
                        user=owner, viewer=request.user, part=self.record_part, request=request
                    )
        return super().change_view(request, object_id, form_url, extra_context)


class MembershipInline(admin.StackedInline):
    model = Membership
    fk_name = "user"
    can_delete = False
    extra = 0
    max_num = 1
    autocomplete_fields = ["employer"]
    readonly_fields = ["number", "section", "fee_band", "status", "status_changed_at"]
    fields = [
        "number",
        "status",
        "status_changed_at",
        "joined_on",
        "employer",
        "job_role",
        "hours",
        "section",
        "fee_band",
        "workplace_postcode",
        "nation",
        "region",
        "is_rep",
    ]


class ConsentInline(ReadOnlyInline):
    model = ConsentState
    extra = 0
    can_delete = False
    fields = ["kind", "channel", "granted", "changed_at"]
    readonly_fields = fields


class RoleChangeInline(ReadOnlyInline):
    """The user's access history, written by the database; nobody can edit it."""

    model = RoleChange
    fk_name = "user"
    extra = 0
    can_delete = False
    verbose_name = "access change"
    verbose_name_plural = "history of roles, permissions, regions and status"
    fields = ["at", "field", "old_value", "new_value", "actor"]
    readonly_fields = fields
    ordering = ["-at", "-pk"]

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("actor")


class RoleGrantInline(ReadOnlyInline):
    model = RoleGrant
    fk_name = "user"
    extra = 0
    can_delete = False
    verbose_name_plural = "role grants"
    fields = ["group", "status", "requested_by", "requested_at", "decided_by", "decided_at"]
    readonly_fields = fields

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("group", "requested_by", "decided_by")


class UserAccessForm(UserChangeForm):
    """The user form asks the service whether the access it sets is allowed, so that the
    refusal shows on the page rather than after saving."""

    actor = None  # set by UserAdmin.get_form

    def clean(self):
        cleaned = super().clean()
        if self.actor is None:
            return cleaned
        flags = {
            flag: cleaned[flag] if flag in cleaned else getattr(self.instance, flag)
            for flag in (*services.ACCESS_FLAGS, "email")
        }
        m2m = {
            name: cleaned.get(name) if name in self.fields else None for name in M2M_ACCESS_FIELDS
        }
        problem = services.user_access_problem(
            actor=self.actor, user=self.instance, flags=flags, **m2m
        )
        if problem:
            raise forms.ValidationError(problem)
        return cleaned


@admin.register(User)
class UserAdmin(CappedPaginationMixin, RecordsAccessMixin, PortalModelAdmin, DjangoUserAdmin):
    form = UserAccessForm
    ordering = ["last_name", "first_name"]
    list_display = ["email", "first_name", "last_name", "is_staff", "is_active", "date_joined"]
    list_filter = ["is_staff", "is_superuser", "is_active", "groups"]
    search_fields = ["email", "first_name", "last_name", "=membership__number"]
    filter_horizontal = ["groups", "user_permissions", "regions"]
    readonly_fields = ["last_login", "date_joined"]
    show_full_result_count = False

    def get_search_results(self, request, queryset, search_term):
        # The same fields as search_fields (what the admin's search box says it searches),
        # searched so that each is served by an index (selectors.members_matching).
        return members_matching(queryset, search_term), False

    fieldsets = [
        (None, {"fields": ["email", "password"]}),
        ("Name", {"fields": ["first_name", "last_name"]}),
        ("Officer", {"fields": ["regions"]}),
        (
            "Access",
            {"fields": ["is_active", "is_staff", "is_superuser", "groups", "user_permissions"]},
        ),
        ("Dates", {"fields": ["last_login", "date_joined"]}),
    ]
    add_fieldsets = [
        (
            None,
            {
                "classes": ["wide"],
                "fields": ["email", "first_name", "last_name", "password1", "password2"],
            },
        )
    ]
    inlines = [MembershipInline, ConsentInline, RoleGrantInline, RoleChangeInline]

    def record_owner(self, obj):
        return obj

    def get_readonly_fields(self, request, obj=None):
        fields = list(super().get_readonly_fields(request, obj))
        if not request.user.is_superuser:
            fields += SUPERUSER_FIELDS
        if obj is not None and obj.pk == request.user.pk:
            fields += OWN_ACCESS_FIELDS
        if obj is not None and services.user_credentials_problem(actor=request.user, user=obj):
            fields.append("email")
        return list(dict.fromkeys(fields))

    def user_change_password(self, request, id, form_url=""):
        user = self.get_object(request, unquote(id))
        if user is not None and services.user_credentials_problem(actor=request.user, user=user):
            raise PermissionDenied
        return super().user_change_password(request, id, form_url)

    def get_form(self, request, obj=None, **kwargs):
        form = super().get_form(request, obj, **kwargs)
        if obj is None:
            return form  # the add form sets no access
        return type(form.__name__, (form,), {"actor": request.user})

    def save_model(self, request, obj, form, change):
        m2m = {
            name: form.cleaned_data.get(name) if name in form.fields else None
            for name in M2M_ACCESS_FIELDS
        }
        try:
            result = services.user_save_access(actor=request.user, user=obj, **m2m)
        except services.AccessError as error:
            # The form's clean() asks the same question first; this only answers a race.
            raise PermissionDenied(str(error)) from error
        for grant in result.pending:
            self.message_user(
                request,
                f"{grant.group.name} for this user awaits a second administrator's approval "
                f"(role grant {grant.pk}); they are not in it yet.",
                messages.WARNING,
            )

    def save_related(self, request, form, formsets, change):
        # groups, permissions and regions were saved by the service in save_model
        for formset in formsets:
            self.save_formset(request, form, formset, change=change)


@admin.register(RoleGrant)
class RoleGrantAdmin(ReadOnlyAdmin):
    """Role grants waiting for, or given, a second administrator's approval. Grants cannot
    be added, edited or deleted here: a grant is made from the user's page, and then only
    approved, refused (by another administrator) or cancelled (by the one who asked)."""

    list_display = ["pk", "user", "group", "status", "requested_by", "requested_at", "decided_by"]
    list_filter = ["status", "group"]
    search_fields = ["=user__email"]
    list_select_related = ["user", "group", "requested_by", "decided_by"]
    fields = ["user", "group", "status", "requested_by", "requested_at", "decided_by", "decided_at"]
    readonly_fields = fields
    show_full_result_count = False

    def get_urls(self):
        decide = self.admin_site.admin_view(require_POST(self.decide_view))
        own = [path("<int:object_id>/decide/", decide, name="accounts_rolegrant_decide")]
        return own + super().get_urls()

    def change_view(self, request, object_id, form_url="", extra_context=None):
        grant = self.get_object(request, object_id)
        extra = dict(extra_context or {})
        if grant is not None and grant.status == RoleGrantStatus.PENDING:
            user = request.user
            extra["decide_url"] = reverse("admin:accounts_rolegrant_decide", args=[grant.pk])
            extra["can_decide"] = user.has_perm("accounts.decide_rolegrant") and user.pk not in (
                grant.requested_by_id,
                grant.user_id,
            )
            extra["can_cancel"] = user.pk == grant.requested_by_id
        return super().change_view(request, object_id, form_url, extra)

    def decide_view(self, request, object_id):
        if not self.has_view_permission(request):
            raise PermissionDenied
        grant = get_object_or_404(RoleGrant, pk=object_id)
        decision = request.POST.get("decision")
        try:
            if decision in ("approve", "refuse"):
                services.role_grant_decide(
                    actor=request.user, grant=grant, approve=decision == "approve"
                )
            elif decision == "cancel":
                services.role_grant_cancel(actor=request.user, grant=grant)
            else:
                raise Http404
        except services.AccessError as error:
            self.message_user(request, str(error), messages.ERROR)
        else:
            grant.refresh_from_db()
            self.message_user(
                request, f"Role grant {grant.pk}: {grant.get_status_display()}.", messages.SUCCESS
            )
        return HttpResponseRedirect(reverse("admin:accounts_rolegrant_change", args=[grant.pk]))


@admin.register(RoleChange)
class RoleChangeAdmin(ReadOnlyAdmin):
    """The access history, written by the database; read-only here and in the database."""

    list_display = ["at", "user", "field", "old_value", "new_value", "actor"]
    list_filter = ["field"]
    search_fields = ["=user__email"]
    list_select_related = ["user", "actor"]
    fields = ["at", "user", "field", "old_value", "new_value", "actor"]
    readonly_fields = fields
    show_full_result_count = False


admin.site.unregister(Group)


@admin.register(Group)
class GroupAdmin(PortalModelAdmin, DjangoGroupAdmin):
    """Roles are defined by the migrations (`roles.py`). Only a superuser renames a role or
    changes its permissions: otherwise an administrator could widen a role they hold, or
    make a role that opens confidential data under a harmless name."""

    def get_readonly_fields(self, request, obj=None):
        if request.user.is_superuser:
            return super().get_readonly_fields(request, obj)
        return ["name", "permissions"]

    def has_add_permission(self, request):
        return request.user.is_superuser


@admin.action(description="Mark selected memberships active", permissions=["change"])
def mark_active(modeladmin, request, queryset):
    _set_status(modeladmin, request, queryset, MembershipStatus.ACTIVE)


@admin.action(description="Mark selected memberships lapsed", permissions=["change"])
def mark_lapsed(modeladmin, request, queryset):
    _set_status(modeladmin, request, queryset, MembershipStatus.LAPSED)


@admin.action(description="Mark selected memberships resigned", permissions=["change"])
def mark_resigned(modeladmin, request, queryset):
    _set_status(modeladmin, request, queryset, MembershipStatus.RESIGNED)


def _set_status(modeladmin, request, queryset, status):
    changed = services.membership_set_status_bulk(
        memberships=queryset, status=status, actor=request.user
    )
    modeladmin.message_user(
        request,
        f"{changed} membership(s) marked {MembershipStatus(status).label.lower()}.",
        messages.SUCCESS,
    )


@admin.register(Membership)
class MembershipAdmin(CappedPaginationMixin, RecordsAccessMixin, PortalModelAdmin):
    record_part = RecordPart.MEMBERSHIP
    list_display = [
        "number",
        "member_name",
        "member_email",
        "section",
        "fee_band",
        "status",
        "region",
        "employer",
        "is_rep",
        "joined_on",
    ]
    list_filter = ["section", "status", "nation", "region", "employer__kind", "is_rep", "hours"]
    search_fields = ["=number", "user__first_name", "user__last_name", "user__email"]
    list_select_related = ["user", "region", "employer"]
    autocomplete_fields = ["employer"]
    raw_id_fields = ["user"]
    readonly_fields = ["number", "section", "fee_band", "status", "status_changed_at"]
    show_full_result_count = False

    def get_search_results(self, request, queryset, search_term):
        return members_matching(queryset, search_term, user="user"), False

    list_per_page = 50
    actions = [mark_active, mark_lapsed, mark_resigned]
    fields = [
        "user",
        "number",
        "status",
        "status_changed_at",
        "joined_on",
        "employer",
        "job_role",
        "hours",
        "section",
        "fee_band",
        "workplace_postcode",
        "nation",
        "region",
        "is_rep",
    ]

    @admin.display(description="name", ordering="user__last_name")
    def member_name(self, obj):
        return obj.user.get_full_name()

    @admin.display(description="email", ordering="user__email")
    def member_email(self, obj):
        return obj.user.email

    def save_model(self, request, obj, form, change):
        services.membership_save_from_admin(membership=obj, actor=request.user)


@admin.register(Employer)
class EmployerAdmin(PortalModelAdmin):
    list_display = ["name", "town", "kind", "verified", "created_at"]
    list_filter = ["kind", "verified"]
    search_fields = ["name", "town"]
    show_full_result_count = False
    change_form_template = "admin/accounts/employer/change_form.html"

    def change_view(self, request, object_id, form_url="", extra_context=None):
        """With the panels other apps give the employer's page (casework: its open cases
        the officer may see), each deciding what this person may see."""
        employer = self.get_object(request, object_id)
        panels = employer_panels(request, employer) if employer is not None else []
        extra_context = {**(extra_context or {}), "employer_panels": panels}
        return super().change_view(request, object_id, form_url, extra_context)


@admin.register(Region)
class RegionAdmin(PortalModelAdmin):
    list_display = ["name", "nation"]
    list_filter = ["nation"]
    search_fields = ["name"]


@admin.register(ConsentEvent)
class ConsentEventAdmin(ReadOnlyAdmin):
    list_display = ["user", "kind", "channel", "granted", "source", "at"]
    list_filter = ["kind", "channel", "granted", "source"]
    search_fields = ["=user__email", "=user__membership__number"]
    list_select_related = ["user"]
    raw_id_fields = ["user"]
    show_full_result_count = False


@admin.register(EqualityMonitoring)
class EqualityMonitoringAdmin(ReadOnlyAdmin):
    """Only visible to people with the equality monitoring permission; read-only, because
    members declare it themselves."""

    list_display = ["user", "ethnicity", "disabled", "sexual_orientation", "trans", "updated_at"]
    # The answers are encrypted at rest, so they are not filterable in SQL.
    list_select_related = ["user"]
    raw_id_fields = ["user"]
    show_full_result_count = False


# allauth's own admin for sessions searches `user__username`, which the portal's user (email
# login) does not have: a search there was a 500. The same list, searchable by what exists.
admin.site.unregister(UserSession)


@admin.register(UserSession)
class UserSessionAdmin(PortalModelAdmin):
    raw_id_fields = ["user"]
    list_display = ["user", "created_at", "last_seen_at", "ip", "user_agent"]
    list_select_related = ["user"]
    search_fields = ["=user__email", "=ip"]
    show_full_result_count = False


class ContactDetailsAdminForm(forms.ModelForm):
    """The officer's form: the same fields and rules as the member's (`ContactDetailsForm`,
    `services.contact_details_clean`)."""

    country = forms.ChoiceField(required=False)

    class Meta:
        model = ContactDetails
        fields = ["user", *ContactDetailsForm.base_fields]
        widgets = {
            name: forms.TextInput(attrs={"class": "vTextField"})
            for name in ContactDetailsForm.base_fields
        }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["country"].choices = ContactDetailsForm().fields["country"].choices
        if self.instance.pk and self.instance.mobile:
            self.initial["mobile"] = mobile_display(self.instance.mobile)

    def clean(self):
        cleaned = super().clean()
        clean, problems = services.contact_details_clean(data=cleaned)
        for name, problem in problems.items():
            if name not in self.errors:
                self.add_error(name, problem)
        if not problems:
            cleaned.update(clean)
        return cleaned


@admin.register(ContactDetails)
class ContactDetailsAdmin(RecordsAccessMixin, PortalModelAdmin):
    """Members' home addresses and mobiles, for membership officers
    (`accounts.view_contactdetails`, `accounts.change_contactdetails`). Encrypted at rest,
    so not searchable except by the member's email or membership number. Each change goes
    through `services.contact_details_save` and is in the member's history below."""

    form = ContactDetailsAdminForm
    record_part = RecordPart.CONTACT
    list_display = ["user", "member_number", "town_shown", "country_shown", "updated_at"]
    list_select_related = ["user", "user__membership"]
    search_fields = ["=user__email", "=user__membership__number"]
    raw_id_fields = ["user"]
    readonly_fields = ["updated_at", "change_history"]
    show_full_result_count = False
    list_per_page = 50

    def get_readonly_fields(self, request, obj=None):
        fields = list(super().get_readonly_fields(request, obj))
        if obj is not None:
            fields.append("user")  # an address never moves to another person
        return fields

    def get_fields(self, request, obj=None):
        fields = ["user", *ContactDetailsForm.base_fields, "updated_at"]
        return [*fields, "change_history"] if obj is not None else fields

    @admin.display(description="membership number")
    def member_number(self, obj):
        membership = getattr(obj.user, "membership", None)
        return membership.number if membership else "—"

    @admin.display(description="town or city")
    def town_shown(self, obj):
        return obj.town or "—"

    @admin.display(description="country")
    def country_shown(self, obj):
        return country_name(obj.country) if obj.country else "—"

    @admin.display(description="history of changes")
    def change_history(self, obj):
        changes = obj.user.contact_changes.select_related("actor").order_by("-at", "-pk")[:50]
        return render_to_string(
            "admin/accounts/contactdetails/history.html", {"changes": changes, "owner": obj.user}
        )

    def has_delete_permission(self, request, obj=None):
        return False  # emptying the fields is the change, and it is recorded

    def save_model(self, request, obj, form, change):
        data = {name: form.cleaned_data.get(name, "") for name in ContactDetailsForm.base_fields}
        try:
            services.contact_details_save(actor=request.user, user=obj.user, data=data)
        except services.AccessError as error:
            raise PermissionDenied(str(error)) from error
        saved = ContactDetails.objects.get(user=obj.user)
        obj.pk, obj.updated_at = saved.pk, saved.updated_at


@admin.register(ContactDetailsChange)
class ContactDetailsChangeAdmin(ReadOnlyAdmin):
    """Which contact detail of a member changed, who changed it and when."""

    list_display = ["at", "user", "field", "cleared", "by_member", "actor"]
    list_filter = ["field", "by_member"]
    search_fields = ["=user__email", "=user__membership__number"]
    list_select_related = ["user", "actor"]
    fields = ["at", "user", "field", "cleared", "by_member", "actor"]
    readonly_fields = fields
    show_full_result_count = False


@admin.register(RecordAccess)
class RecordAccessAdmin(ReadOnlyAdmin):
    """Who opened a member's record in the admin (members see it in their data export)."""

    list_display = ["at", "user", "part", "viewer", "ip"]
    list_filter = ["part"]
    search_fields = ["=user__email", "=user__membership__number"]
    list_select_related = ["user", "viewer"]
    fields = ["at", "user", "part", "viewer", "ip"]
    readonly_fields = fields
    show_full_result_count = False


@admin.register(DataExport)
class DataExportAdmin(ReadOnlyAdmin):
    """Members' data downloads: when asked for, prepared and downloaded. Never the file or
    its link."""

    list_display = ["requested_at", "user", "status", "ready_at", "downloaded_at", "file_count"]
    list_filter = ["status"]
    search_fields = ["=user__email", "=user__membership__number"]
    list_select_related = ["user"]
    fields = [
        "user",
        "status",
        "requested_at",
        "ready_at",
        "expires_at",
        "downloaded_at",
        "file_count",
        "size",
    ]
    readonly_fields = fields
    show_full_result_count = False
