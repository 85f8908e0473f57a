from allauth.usersessions.models import UserSession
from django.contrib import admin, messages
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin

from portal.admin import PortalModelAdmin

from . import services
from .choices import MembershipStatus
from .models import (
    ConsentEvent,
    ConsentState,
    Employer,
    EqualityMonitoring,
    Membership,
    Region,
    User,
)


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


class ConsentInline(admin.TabularInline):
    model = ConsentState
    extra = 0
    can_delete = False
    fields = ["kind", "channel", "granted", "changed_at"]
    readonly_fields = fields

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False


@admin.register(User)
class UserAdmin(PortalModelAdmin, DjangoUserAdmin):
    ordering = ["last_name", "first_name"]
    list_display = ["email", "first_name", "last_name", "is_staff", "is_active", "date_joined"]
    list_filter = ["is_staff", "is_superuser", "is_active", "groups"]
    search_fields = ["email", "first_name", "last_name", "=membership__number"]
    filter_horizontal = ["groups", "user_permissions", "regions"]
    readonly_fields = ["last_login", "date_joined"]
    show_full_result_count = False
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
    inlines = [MembershipInline, ConsentInline]


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
    changed = services.membership_set_status_bulk(memberships=queryset, status=status)
    modeladmin.message_user(
        request,
        f"{changed} membership(s) marked {MembershipStatus(status).label.lower()}.",
        messages.SUCCESS,
    )


@admin.register(Membership)
class MembershipAdmin(PortalModelAdmin):
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
        services.membership_save_from_admin(membership=obj)


@admin.register(Employer)
class EmployerAdmin(PortalModelAdmin):
    list_display = ["name", "town", "kind", "verified", "created_at"]
    list_filter = ["kind", "verified"]
    search_fields = ["name", "town"]
    show_full_result_count = False


@admin.register(Region)
class RegionAdmin(PortalModelAdmin):
    list_display = ["name", "nation"]
    list_filter = ["nation"]
    search_fields = ["name"]


@admin.register(ConsentEvent)
class ConsentEventAdmin(PortalModelAdmin):
    list_display = ["user", "kind", "channel", "granted", "source", "at"]
    list_filter = ["kind", "channel", "granted", "source"]
    search_fields = ["=user__email", "=user__membership__number"]
    list_select_related = ["user"]
    raw_id_fields = ["user"]
    show_full_result_count = False

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(EqualityMonitoring)
class EqualityMonitoringAdmin(PortalModelAdmin):
    """Only visible to people with the equality monitoring permission; read-only, because
    members declare it themselves."""

    list_display = ["user", "ethnicity", "disabled", "sexual_orientation", "trans", "updated_at"]
    # The answers are encrypted at rest, so they are not filterable in SQL.
    list_select_related = ["user"]
    raw_id_fields = ["user"]
    show_full_result_count = False

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


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
