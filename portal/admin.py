"""The admin's own machinery, narrowed: the one place that decides what a changelist's query
string may ask, which models hold confidential data, and what "view on site" may resolve.

Django's defaults answer questions the access modules refuse: `lookup_allowed` lets any
lookup through one relation pass (`/admin/accounts/user/?cases__isnull=False` lists every
member with a case), and `/admin/r/<content type>/<id>/` resolves any object for any staff
account. Here:

- every `ModelAdmin` registered on the portal's site gets `StrictLookupsMixin` (explicitly,
  by inheriting `PortalModelAdmin`, or added by `PortalAdminSite.register` for admin
  classes that come from libraries): a changelist answers only the query parameters its own
  `list_filter` and `date_hierarchy` produce; anything else is a 400
  (`DisallowedModelAdminLookup`) and nothing is filtered;
- `CONFIDENTIAL_MODELS` lists the models whose rows only their own access function may
  reveal; a system check (`portal.E001`/`E002`) refuses any declared filter, search field,
  ordering or date hierarchy of another model's admin that walks into one of them;
- "view on site" answers only for objects the asker can see in that model's admin, and only
  where the admin opts in (`view_on_site = True`); everything else (hidden or missing) is
  the same 404.
"""

from __future__ import annotations

from django.contrib import admin
from django.contrib.admin import widgets
from django.contrib.admin.apps import AdminConfig
from django.contrib.admin.exceptions import DisallowedModelAdminLookup
from django.core import checks
from django.core.exceptions import FieldDoesNotExist, ValidationError
from django.core.paginator import Paginator
from django.db.models.constants import LOOKUP_SEP
from django.http import Http404, HttpResponseRedirect
from django.urls import path
from django.utils.functional import cached_property

from portal import admin_sidebar

# Models whose rows reveal something about a person that only their own access function may
# decide (who has a case, what it says, who answered a consultation, equality answers, who
# was sent a case notice). No other model's admin may filter, search or order through them.
CONFIDENTIAL_MODELS = frozenset(
    {
        "casework.case",
        "casework.caseevent",
        "casework.caseattachment",
        "casework.caseaccess",
        # An officer's follow-ups (their words about a case), the reminders of a case's
        # tribunal limit, and the secret of an officer's calendar feed.
        "casework.followup",
        "casework.tribunalreminder",
        "casework.calendarfeed",
        # Who is on a collective case, and which cases are linked.
        "casework.casemember",
        "casework.caselink",
        "casework.complaint",
        "accounts.equalitymonitoring",
        "accounts.contactdetails",
        "accounts.contactdetailschange",
        "accounts.recordaccess",
        "accounts.dataexport",
        "consultations.response",
        "consultations.answer",
        "communications.delivery",
        # A member's reduced rates (their leave, studies, unemployment), life events,
        # resignations and the history of their membership.
        "membership.reduction",
        "membership.lifeevent",
        "membership.resignation",
        "membership.membershipchange",
        # Which rep looked at which member, and reps' invite links (their token joins
        # people on the rep's credit).
        "reps.repaccess",
        "reps.repinvite",
        # Who was in a ballot's audience and who voted (never how: ballots/models.py).
        "ballots.elector",
        "ballots.participation",
        # A member's own CPD record: what they did, their reflections and evidence files.
        "cpd.cpdentry",
        "cpd.cpdevidence",
        # Who booked which event, and the dietary and access needs they gave.
        "events.booking",
        "events.bookingneeds",
    }
)

# The query parameters a declared field filter may produce, whatever its kind (boolean,
# choices, date, all values, empty): Django's FieldListFilter classes use only these.
FIELD_FILTER_SUFFIXES = ("exact", "isnull", "gte", "lt", "isempty")
DATE_HIERARCHY_SUFFIXES = ("year", "month", "day")

NOT_FOUND = "Not found."


def model_label(model) -> str:
    return f"{model._meta.app_label}.{model._meta.model_name}"


def is_confidential(model) -> bool:
    return model_label(model) in CONFIDENTIAL_MODELS


def models_on_path(model, field_path: str) -> list:
    """The models a lookup path walks through after `model` (transforms and lookups at the
    end are ignored)."""
    walked = []
    for part in field_path.lstrip("=^@").split(LOOKUP_SEP):
        try:
            field = model._meta.get_field(part)
        except FieldDoesNotExist:
            break
        if not getattr(field, "path_infos", None):
            break
        model = field.path_infos[-1].to_opts.model
        walked.append(model)
    return walked


class StrictLookupsMixin:
    """Only the lookups this admin declares."""

    def allowed_lookups(self, request) -> set[str]:
        allowed: set[str] = set()
        for item in self.get_list_filter(request):
            if isinstance(item, type) and issubclass(item, admin.SimpleListFilter):
                allowed.add(item.parameter_name)
                continue
            field_path = item[0] if isinstance(item, (list, tuple)) else item
            if not isinstance(field_path, str):
                field_path = field_path.name
            allowed.update(f"{field_path}{LOOKUP_SEP}{s}" for s in FIELD_FILTER_SUFFIXES)
            field = admin.utils.get_fields_from_path(self.model, field_path)[-1]
            target = getattr(field, "target_field", None)
            if field.is_relation and target is not None:
                allowed.add(f"{field_path}{LOOKUP_SEP}{target.name}{LOOKUP_SEP}exact")
        if self.date_hierarchy:
            allowed.update(f"{self.date_hierarchy}{LOOKUP_SEP}{s}" for s in DATE_HIERARCHY_SUFFIXES)
        return allowed

    def lookup_allowed(self, lookup, value, request=None):
        # Raw-id popups carry the relation's own limit_choices_to: allowed as Django does.
        for fk_lookup in self.model._meta.related_fkey_lookups:
            if callable(fk_lookup):
                fk_lookup = fk_lookup()
            if (lookup, value) in widgets.url_params_from_lookup_dict(fk_lookup).items():
                return True
        return lookup in self.allowed_lookups(request)


def one_related(field_name: str, title: str):
    """A declared filter for the list of one related object, as links from another page
    use it (`?<field>__id__exact=<pk>`): the object is looked up through the related
    model's admin, so a row the asker may not see filters to nothing and names nothing."""

    class OneRelatedFilter(admin.SimpleListFilter):
        parameter_name = f"{field_name}{LOOKUP_SEP}id{LOOKUP_SEP}exact"

        def __init__(self, request, params, model, model_admin):
            self.title = title
            self.related_model = model._meta.get_field(field_name).related_model
            self.related_admin = model_admin.admin_site._registry.get(self.related_model)
            super().__init__(request, params, model, model_admin)

        def chosen(self, request):
            value = self.value()
            if not value or not str(value).isdigit() or self.related_admin is None:
                return None
            return self.related_admin.get_queryset(request).filter(pk=int(value)).first()

        def lookups(self, request, model_admin):
            obj = self.chosen(request)
            return [(str(obj.pk), str(obj))] if obj is not None else [(self.value(), "—")]

        def has_output(self):
            return self.value() is not None

        def queryset(self, request, queryset):
            if self.value() is None:
                return queryset
            obj = self.chosen(request)
            if obj is None:
                return queryset.none()
            return queryset.filter(**{f"{field_name}_id": obj.pk})

    OneRelatedFilter.__name__ = f"{field_name.title()}Filter"
    return OneRelatedFilter


class PortalModelAdmin(StrictLookupsMixin, admin.ModelAdmin):
    """The base of every admin in the portal: only declared lookups, no facet counts, and
    "view on site" off unless the admin turns it on for a page that follows its rule."""

    show_facets = admin.ShowFacets.NEVER
    view_on_site = False


class ReadOnlyMixin:
    """Nothing added, changed or deleted through the admin: records that services, members
    or the database write (access records, history, declarations)."""

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


class ReadOnlyAdmin(ReadOnlyMixin, PortalModelAdmin):
    pass


class ReadOnlyInline(ReadOnlyMixin, admin.TabularInline):
    pass


def _sets_itself(admin_class, attribute: str) -> bool:
    """Whether a class below Django's ModelAdmin chose `attribute` on purpose."""
    for klass in admin_class.__mro__:
        if klass is admin.ModelAdmin:
            return False
        if attribute in vars(klass):
            return True
    return False


def strict(admin_class):
    """`admin_class` with the portal's rules, whoever wrote it (a library's admin, or one of
    ours that forgot the base)."""
    if issubclass(admin_class, PortalModelAdmin):
        return admin_class
    defaults = {"show_facets": admin.ShowFacets.NEVER}
    if not _sets_itself(admin_class, "view_on_site"):
        defaults["view_on_site"] = False
    return type(admin_class.__name__, (StrictLookupsMixin, admin_class), defaults)


class CappedPaginator(Paginator):
    """Counts no further than the person can page: up to `ahead` pages past the one asked
    for (and at least `floor` rows). A list's cost then follows the page asked for, not the
    size of the table (500,000 members, 100,000 cases); past the cap the list says "more
    than" (the `pagination.html` of the model's admin templates: `cl.paginator.capped`)."""

    floor = 1000
    ahead = 10

    def __init__(self, object_list, per_page, *, page=1, **kwargs):
        super().__init__(object_list, per_page, **kwargs)
        self.cap = max(self.floor, (page + self.ahead) * per_page)

    @cached_property
    def count(self):
        # Unordered: which rows are counted up to the cap does not matter, and without the
        # list's order the planner may count a search's matches from its own index rather
        # than walk the list's order past every row that does not match.
        return self.object_list.order_by()[: self.cap + 1].count()

    @property
    def capped(self) -> bool:
        return self.count > self.cap


class CappedPaginationMixin:
    """A ModelAdmin whose list counts with CappedPaginator (or its `capped_paginator`)."""

    capped_paginator = CappedPaginator

    def get_paginator(self, request, queryset, per_page, orphans=0, allow_empty_first_page=True):
        page = request.GET.get("p", "1")
        return self.capped_paginator(
            queryset,
            per_page,
            page=int(page) if page.isdigit() else 1,
            orphans=orphans,
            allow_empty_first_page=allow_empty_first_page,
        )


class PortalAdminSite(admin.AdminSite):
    site_header = "Member portal administration"
    site_title = "Member portal admin"
    index_title = "Officers and staff"

    def register(self, model_or_iterable, admin_class=None, **options):
        super().register(model_or_iterable, strict(admin_class or admin.ModelAdmin), **options)

    def get_app_list(self, request, app_label=None):
        # Worked out when a page uses it: the sidebar is kept rendered (portal.admin_sidebar).
        return admin_sidebar.lazy_app_list(
            lambda: super(PortalAdminSite, self).get_app_list(request, app_label)
        )

    def each_context(self, request):
        context = super().each_context(request)
        context["nav_sidebar"] = admin_sidebar.NavSidebar(request, context["available_apps"])
        return context

    def get_urls(self):
        urls = super().get_urls()
        # Pages a ModelAdmin serves at the site's level (/admin/<app>/<page>/) rather than
        # under its model's URL: its `get_site_urls()`, ahead of the catch-all.
        site_level = [
            url
            for model_admin in self._registry.values()
            if hasattr(model_admin, "get_site_urls")
            for url in model_admin.get_site_urls()
        ]
        # The administrators' Service status page (portal/service_status.py).
        status_page = path(
            "service-status/",
            self.admin_view(self.service_status),
            name="service_status",
        )
        urls = [status_page, *site_level, *urls]
        ours = path(
            "r/<path:content_type_id>/<path:object_id>/",
            self.admin_view(self.view_on_site),
            name="view_on_site",
        )
        return [ours if getattr(u, "name", None) == "view_on_site" else u for u in urls]

    def index(self, request, extra_context=None):
        from portal.accounts.roles import is_administrator

        extra = {"show_service_status": is_administrator(request.user), **(extra_context or {})}
        return super().index(request, extra)

    def service_status(self, request):
        from portal.service_status import service_status_view

        return service_status_view(request, self)

    def view_on_site(self, request, content_type_id, object_id):
        """The object's public page, only if the asker may see the object in its admin and
        that admin links to its page; one 404 for hidden and missing alike."""
        from django.contrib.contenttypes.models import ContentType

        try:
            model = ContentType.objects.get_for_id(int(content_type_id)).model_class()
        except (ContentType.DoesNotExist, ValueError, TypeError):
            raise Http404(NOT_FOUND) from None
        model_admin = self._registry.get(model)
        if model_admin is None or not model_admin.view_on_site:
            raise Http404(NOT_FOUND)
        if not model_admin.has_view_or_change_permission(request):
            raise Http404(NOT_FOUND)
        try:
            obj = model_admin.get_queryset(request).filter(pk=object_id).first()
        except (ValueError, TypeError, ValidationError):
            obj = None
        if obj is None or not model_admin.has_view_or_change_permission(request, obj):
            raise Http404(NOT_FOUND)
        if callable(model_admin.view_on_site):
            url = model_admin.view_on_site(obj)
        else:
            url = obj.get_absolute_url() if hasattr(obj, "get_absolute_url") else None
        if not url:
            raise Http404(NOT_FOUND)
        return HttpResponseRedirect(url)


class PortalAdminConfig(AdminConfig):
    default_site = "portal.admin.PortalAdminSite"


# --- The check at start-up -----------------------------------------------------------------


def declared_paths(model_admin) -> list[tuple[str, str]]:
    """(where, lookup path) for every path an admin declares that a request can drive."""
    found = []
    for item in model_admin.list_filter or ():
        if isinstance(item, type):
            continue
        field_path = item[0] if isinstance(item, (list, tuple)) else item
        if isinstance(field_path, str):
            found.append(("list_filter", field_path))
    found += [("search_fields", f) for f in model_admin.search_fields or ()]
    if model_admin.date_hierarchy:
        found.append(("date_hierarchy", model_admin.date_hierarchy))
    for item in model_admin.ordering or ():
        if isinstance(item, str):
            found.append(("ordering", item.lstrip("-")))
    return found


@checks.register(checks.Tags.admin, checks.Tags.security)
def check_admin_confidentiality(app_configs=None, **kwargs):
    errors = []
    site = admin.site
    for model, model_admin in site._registry.items():
        if not isinstance(model_admin, StrictLookupsMixin):
            errors.append(
                checks.Error(
                    f"{type(model_admin).__name__} for {model_label(model)} does not restrict "
                    "its lookups.",
                    hint="Inherit portal.admin.PortalModelAdmin.",
                    obj=type(model_admin),
                    id="portal.E001",
                )
            )
        if is_confidential(model):
            continue  # its own admin narrows it through its access function
        for where, field_path in declared_paths(model_admin):
            reached = [m for m in models_on_path(model, field_path) if is_confidential(m)]
            if reached:
                errors.append(
                    checks.Error(
                        f"{type(model_admin).__name__}.{where} '{field_path}' reaches "
                        f"{model_label(reached[0])}, which only its own access function "
                        "may reveal.",
                        obj=type(model_admin),
                        id="portal.E002",
                    )
                )
    return errors


__all__ = [
    "ReadOnlyAdmin",
    "ReadOnlyInline",
    "one_related",
    "CONFIDENTIAL_MODELS",
    "DisallowedModelAdminLookup",
    "PortalAdminConfig",
    "PortalAdminSite",
    "PortalModelAdmin",
    "StrictLookupsMixin",
]
