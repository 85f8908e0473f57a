"""The organiser's admin: events with their sessions, bookings and the waiting list, the
register taken on the day (a phone page), the badge and attendance list PDF, and
cancelling an event. Every write goes through services.py; what each person sees, through
access.py."""

from __future__ import annotations

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.db.models import Count, Q
from django.http import Http404, HttpResponse, HttpResponseRedirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _

from portal.admin import PortalModelAdmin, ReadOnlyAdmin, one_related

from . import access, selectors, services
from .models import HOLDS_PLACE, Booking, BookingStatus, Event, EventSession
from .pdf import attendance_pdf

CAPACITY_BELOW_HELD = _("%(held)s places are taken: the capacity cannot be lower.")
ONLINE_NEEDS_LINK = _("An online event needs its joining link.")
IN_PERSON_NEEDS_VENUE = _("An event in person needs a venue.")
ENDS_BEFORE_START = _("The event cannot end before it starts.")
CLOSES_BEFORE_OPENS = _("Booking must close after it opens.")
CLOSES_AFTER_START = _("Booking must close before the event starts.")
SESSION_OUTSIDE = _("Each session must fall between the event's start and end.")


class EventForm(forms.ModelForm):
    class Meta:
        model = Event
        fields = [
            "title",
            "slug",
            "kind",
            "summary",
            "description",
            "title_cy",
            "summary_cy",
            "description_cy",
            "organisers",
            "starts_at",
            "ends_at",
            "online",
            "joining_link",
            "venue",
            "address",
            "access_information",
            "nation",
            "audience_section",
            "audience_nation",
            "audience_region",
            "audience_reps_only",
            "capacity",
            "booking_opens_at",
            "booking_closes_at",
            "fee_pence",
            "ask_needs",
        ]

    def clean(self):
        data = super().clean()
        starts, ends = data.get("starts_at"), data.get("ends_at")
        opens, closes = data.get("booking_opens_at"), data.get("booking_closes_at")
        if starts and ends and ends < starts:
            self.add_error("ends_at", ENDS_BEFORE_START)
        if opens and closes and closes <= opens:
            self.add_error("booking_closes_at", CLOSES_BEFORE_OPENS)
        if closes and starts and closes > starts:
            self.add_error("booking_closes_at", CLOSES_AFTER_START)
        if data.get("online") and not data.get("joining_link"):
            self.add_error("joining_link", ONLINE_NEEDS_LINK)
        if not data.get("online") and not data.get("venue"):
            self.add_error("venue", IN_PERSON_NEEDS_VENUE)
        capacity = data.get("capacity")
        if self.instance.pk and capacity:
            held = Booking.objects.filter(event=self.instance, place__isnull=False).count()
            top = (
                Booking.objects.filter(event=self.instance, place__isnull=False)
                .order_by("-place")
                .values_list("place", flat=True)
                .first()
            )
            if capacity < held or (top and capacity < top):
                self.add_error("capacity", CAPACITY_BELOW_HELD % {"held": max(held, top or 0)})
        return data


class SessionFormSet(forms.BaseInlineFormSet):
    def clean(self):
        super().clean()
        starts = self.instance.starts_at
        ends = self.instance.ends_at
        for form in self.forms:
            data = getattr(form, "cleaned_data", None) or {}
            if not data or data.get("DELETE"):
                continue
            s, e = data.get("starts_at"), data.get("ends_at")
            if s and e and (e < s or (starts and s < starts) or (ends and e > ends)):
                raise forms.ValidationError(SESSION_OUTSIDE)


class EventSessionInline(admin.TabularInline):
    model = EventSession
    formset = SessionFormSet
    extra = 0
    fields = ["title", "starts_at", "ends_at", "location"]


@admin.register(Event)
class EventAdmin(PortalModelAdmin):
    form = EventForm
    inlines = [EventSessionInline]
    list_display = ["title", "kind", "starts_at", "capacity", "taken", "waiting", "status"]
    list_filter = ["kind", "status", "online"]
    search_fields = ["title", "slug"]
    prepopulated_fields = {"slug": ["title"]}
    autocomplete_fields = []
    filter_horizontal = ["organisers"]
    readonly_fields = ["audience_count", "organiser_links"]
    show_full_result_count = False
    fieldsets = [
        (None, {"fields": ["title", "slug", "kind", "summary", "description", "organisers"]}),
        (
            _("Cymraeg (Welsh)"),
            {
                "fields": ["title_cy", "summary_cy", "description_cy"],
                "description": _("Shown on Welsh pages. Empty: the English is shown."),
            },
        ),
        (
            _("When and where"),
            {
                "fields": [
                    "starts_at",
                    "ends_at",
                    "online",
                    "joining_link",
                    "venue",
                    "address",
                    "access_information",
                    "nation",
                ]
            },
        ),
        (
            _("Audience and booking"),
            {
                "fields": [
                    "audience_section",
                    "audience_nation",
                    "audience_region",
                    "audience_reps_only",
                    "audience_count",
                    "capacity",
                    "booking_opens_at",
                    "booking_closes_at",
                    "fee_pence",
                    "ask_needs",
                ]
            },
        ),
        (
            _("CPD and conference"),
            {"fields": ["cpd_hours", "learning_outcomes", "motions_close_at"]},
        ),
        (_("Bookings"), {"fields": ["organiser_links"]}),
    ]

    def get_queryset(self, request):
        return (
            access.events_admin_queryset(request.user)
            .annotate(
                n_taken=Count("bookings", filter=Q(bookings__status__in=HOLDS_PLACE)),
                n_waiting=Count("bookings", filter=Q(bookings__status=BookingStatus.WAITING)),
            )
            .select_related("audience_region")
        )

    def formfield_for_manytomany(self, db_field, request, **kwargs):
        if db_field.name == "organisers":
            from portal.accounts.models import User
            from portal.accounts.roles import Role

            kwargs["queryset"] = User.objects.filter(
                is_staff=True, groups__name=Role.EVENTS_ORGANISER
            ).order_by("last_name", "first_name")
        return super().formfield_for_manytomany(db_field, request, **kwargs)

    @admin.display(description=_("places taken"), ordering="n_taken")
    def taken(self, obj):
        return obj.n_taken

    @admin.display(description=_("waiting"), ordering="n_waiting")
    def waiting(self, obj):
        return obj.n_waiting

    @admin.display(description=_("members in the audience now"))
    def audience_count(self, obj):
        if obj is None or obj.pk is None:
            return "–"
        return access.audience_members(obj).count()

    @admin.display(description=_("organiser's pages"))
    def organiser_links(self, obj):
        if obj is None or obj.pk is None:
            return "–"
        bookings = reverse("admin:events_booking_changelist") + f"?event__id__exact={obj.pk}"
        return format_html(
            '<a href="{}">{}</a> · <a href="{}">{}</a> · <a href="{}">{}</a> · <a href="{}">{}</a>',
            bookings,
            _("Bookings and waiting list"),
            reverse("admin:events_event_register", args=[obj.pk]),
            _("Register (on the day)"),
            reverse("admin:events_event_pdf", args=[obj.pk]),
            _("Badges and attendance list (PDF)"),
            reverse("admin:events_event_cancel", args=[obj.pk]),
            _("Cancel the event"),
        )

    def has_delete_permission(self, request, obj=None):
        return False  # an event with bookings is cancelled, never deleted

    def save_model(self, request, obj, form, change):
        services.event_save(actor=request.user, event=obj, is_new=not change)

    def save_related(self, request, form, formsets, change):
        super().save_related(request, form, formsets, change)
        if not change:
            services.event_organisers_ensure(actor=request.user, event=form.instance)

    def get_urls(self):
        wrap = self.admin_site.admin_view
        own = [
            path(
                "<int:object_id>/register/",
                wrap(self.register_view),
                name="events_event_register",
            ),
            path("<int:object_id>/attendance.pdf", wrap(self.pdf_view), name="events_event_pdf"),
            path("<int:object_id>/cancel/", wrap(self.cancel_view), name="events_event_cancel"),
        ]
        return own + super().get_urls()

    def _event(self, request, object_id, perm: str) -> Event:
        if not request.user.has_perm(perm):
            raise PermissionDenied
        event = access.events_admin_queryset(request.user).filter(pk=object_id).first()
        if event is None:
            raise Http404
        return event

    def register_view(self, request, object_id):
        event = self._event(request, object_id, "events.change_booking")
        if not access.may_take_register(request.user, event):
            raise Http404
        problem = None
        status = 200
        if request.method == "POST":
            booking_id = request.POST.get("booking", "")
            booking = (
                Booking.objects.filter(event=event, pk=int(booking_id)).first()
                if booking_id.isdigit()
                else None
            )
            if booking is None:
                problem, status = _("Choose someone on this register."), 400
            else:
                try:
                    services.attendance_mark(
                        actor=request.user,
                        booking_id=booking.pk,
                        attended=request.POST.get("attended") != "0",
                    )
                except services.EventRuleError as error:
                    problem, status = error.message, 400
                else:
                    url = reverse("admin:events_event_register", args=[event.pk])
                    return HttpResponseRedirect(f"{url}#booking-{booking.pk}")
        register = selectors.register_for(event)
        context = {
            **self.admin_site.each_context(request),
            "title": _("Register: %(title)s") % {"title": event.title},
            "event": event,
            "register": register,
            "present": sum(1 for b in register if b.status == BookingStatus.ATTENDED),
            "problem": problem,
            "opts": self.model._meta,
        }
        return TemplateResponse(request, "admin/events/register.html", context, status=status)

    def pdf_view(self, request, object_id):
        event = self._event(request, object_id, "events.view_booking")
        if not access.may_take_register(request.user, event):
            raise Http404
        response = HttpResponse(attendance_pdf(event), content_type="application/pdf")
        response["Content-Disposition"] = f'attachment; filename="{event.slug}-attendance.pdf"'
        return response

    def cancel_view(self, request, object_id):
        event = self._event(request, object_id, "events.change_event")
        problem = None
        status = 200
        if request.method == "POST":
            try:
                services.event_cancel(
                    actor=request.user, event_id=event.pk, reason=request.POST.get("reason", "")
                )
            except services.EventRuleError as error:
                problem, status = error.message, 400
            else:
                messages.success(request, _("The event is cancelled; everyone booked is told."))
                return HttpResponseRedirect(reverse("admin:events_event_change", args=[event.pk]))
        context = {
            **self.admin_site.each_context(request),
            "title": _("Cancel %(title)s") % {"title": event.title},
            "event": event,
            "told": Booking.objects.filter(
                event=event, status__in=(*HOLDS_PLACE, BookingStatus.WAITING)
            )
            .exclude(status=BookingStatus.ATTENDED)
            .count(),
            "problem": problem,
            "reason": request.POST.get("reason", "")[:300],
            "opts": self.model._meta,
        }
        return TemplateResponse(request, "admin/events/cancel.html", context, status=status)


@admin.register(Booking)
class BookingAdmin(ReadOnlyAdmin):
    list_display = ["member", "event", "status", "place", "waiting_since", "offer_expires_at"]
    list_filter = ["status", one_related("event", _("event"))]
    list_select_related = ["user", "event"]
    fields = [
        "event",
        "member",
        "status",
        "place",
        "created_at",
        "waiting_since",
        "offered_at",
        "offer_expires_at",
        "booked_at",
        "cancelled_at",
        "attended_at",
        "amount_paid_pence",
    ]
    readonly_fields = fields
    ordering = ["event", "status", "place", "waiting_since", "pk"]
    show_full_result_count = False

    def get_queryset(self, request):
        return access.bookings_admin_queryset(request.user).select_related("user", "event")

    @admin.display(description=_("member"), ordering="user__last_name")
    def member(self, obj):
        return obj.user.get_full_name() or obj.user.email


# The standing orders committee's motions and the conference delegates.
from . import conference_admin  # noqa: E402, F401
