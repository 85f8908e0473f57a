"""Every write about what a member pays and how their membership changes: the fee schedule
and its notices, life events, reduced rates and their evidence, resigning and rejoining.
Views, the admin, tasks and commands all come through here; each write records its history
(`MembershipChange`) in the same transaction."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import Decimal

from django.conf import settings
from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from casework.workdays import add_working_days
from portal.accounts.choices import Hours, MembershipStatus, Section
from portal.accounts.models import Employer, Membership, Region, User
from portal.communications.notifications import absolute_url, notification_send

from . import hooks, rules, selectors
from .models import (
    ChangeSource,
    FeeRate,
    LifeEvent,
    LifeEventKind,
    MembershipChange,
    RateNotice,
    Reduction,
    ReductionStatus,
    Resignation,
    Subscription,
)
from .rules import FULL_TIME_HOURS, Quote, ReductionKind

# -- errors: constants, so that tests assert against the words people read --------------

EFFECTIVE_TOO_EARLY = _(
    "The date can be at most %(days)s days in the past (on or after %(earliest)s). For an "
    "older change, ask the membership team."
)
EFFECTIVE_TOO_LATE = _("The date can be at most a year ahead (on or before %(latest)s).")
ENDS_BEFORE_START = _("The end date must be on or after the start date.")
END_REQUIRED = _("Enter the date it ends.")
TOO_LONG = _(
    "The rules allow this reduced rate for up to %(months)s months: the latest end date is "
    "%(latest)s."
)
HOURS_RANGE = _("Enter your contracted hours a week, between 1 and 60.")
NOTHING_CHANGES = _("This is what we already have for you: nothing would change.")
NOTHING_TO_RETURN_FROM = _("We have no leave or career break for you to return from.")
ALREADY_REDUCED = _("You already have this reduced rate for these dates.")
NOT_ACTIVE = _("Only an active membership can record a change.")
ALREADY_RESIGNED = _("You have already resigned: your membership ends on %(date)s.")
ALREADY_ENDED = _("Your membership has already ended.")
NOT_RESIGNED = _("Your membership is active: there is nothing to rejoin.")
DECIDE_NOT_PENDING = "This request has already been decided."
DECIDE_OWN_REQUEST = (
    "You asked for or changed this reduced rate: another membership officer must decide it."
)
DECIDE_FOR_YOU = "This reduced rate is for you: another membership officer must decide it."
DECIDE_NO_PERMISSION = "You do not have permission to decide reduced rates."
REFUSE_NEEDS_REASON = "Give the reason for refusing: the member is told it."
EDIT_NOT_PENDING = "Only a request that is still waiting can be changed."
RATE_TOO_SOON = (
    "Members must be told at least %(days)s working days before a new rate applies: the "
    "earliest date is %(earliest)s."
)
RATE_ALREADY_APPLIES = "This rate already applies or members have been told of it: add a new one."
RATE_NEGATIVE = "A rate cannot be below zero."


class MembershipRuleError(Exception):
    """A rule of the rule book was broken; `field` names the form field it belongs to."""

    def __init__(self, message, field: str | None = None):
        super().__init__(str(message))
        self.message = str(message)
        self.field = field


def _today(today: date | None) -> date:
    return today or timezone.localdate()


def _history(
    *, membership, actor, source, field_name, old, new, effective_on=None
) -> MembershipChange:
    return MembershipChange.objects.create(
        membership=membership,
        actor=actor if actor is not None and actor.pk else None,
        source=source,
        field=field_name,
        old_value=str(old if old is not None else "")[:200],
        new_value=str(new if new is not None else "")[:200],
        effective_on=effective_on,
    )


_NAMED = {"employer_id": Employer, "region_id": Region}


def membership_record_field_changes(*, membership, before: dict, actor, source: str) -> int:
    """One history row for each field of `before` whose value changed (the listener accounts
    calls after a profile or admin save, and what this app's own writes use)."""
    count = 0
    for name, old in before.items():
        new = getattr(membership, name)
        if str(old) != str(new):
            if name in _NAMED:  # the employer's or region's name, not its id
                model = _NAMED[name]
                names = {o.pk: str(o) for o in model.objects.filter(pk__in=[old, new])}
                old, new = names.get(old, old), names.get(new, new)
            _history(
                membership=membership,
                actor=actor,
                source=source,
                field_name=name.removesuffix("_id"),
                old=old,
                new=new,
                effective_on=timezone.localdate(),
            )
            count += 1
    if source == ChangeSource.PROFILE and "fee_band" in before:
        _flag_profile_change(membership=membership, before=before, actor=actor)
    return count


def _flag_profile_change(*, membership, before: dict, actor) -> None:
    """A member who lowers their band on "My details" (a new role or hours) is recorded as
    a life event, flagged for the membership officers, like one made at /me/changes/."""
    from portal.accounts.membership import derive_section

    if before["fee_band"] == membership.fee_band:
        return
    rates = selectors.monthly_rates()
    old, new = rates[before["fee_band"]], rates[membership.fee_band]
    if new >= old or actor is None or actor.pk != membership.user_id:
        return
    LifeEvent.objects.create(
        membership=membership,
        kind=LifeEventKind.MOVING,
        effective_on=timezone.localdate(),
        before={
            "section": derive_section(before["job_role"]),
            "band": before["fee_band"],
            "amount": str(old),
            "reduction": "",
            "frequency": "monthly",
        },
        after={
            "section": membership.section,
            "band": membership.fee_band,
            "amount": str(new),
            "reduction": "",
            "frequency": "monthly",
        },
        recorded_by=actor,
        applied_at=timezone.now(),
        flagged=True,
        flag_reason=(
            f"The member changed their role or hours on My details, lowering their band "
            f"from £{old} to £{new} a month."
        )[:200],
    )


# -- the fee schedule ----------------------------------------------------------------------


def rate_earliest_date(today: date | None = None) -> date:
    """The first day a new rate may apply: after the Direct Debit scheme's advance notice
    (`MEMBERSHIP_RATE_NOTICE_WORKING_DAYS`, working days in England)."""
    days = settings.MEMBERSHIP_RATE_NOTICE_WORKING_DAYS
    return add_working_days(_today(today), days, "england") + timedelta(days=1)


def fee_rate_problem(
    *, amount, effective_from: date, existing: FeeRate | None = None, today: date | None = None
) -> tuple[str, str] | None:
    """(field, message) if this rate cannot be saved, else None."""
    today = _today(today)
    if existing is not None and existing.pk:
        stored = FeeRate.objects.get(pk=existing.pk)
        if stored.effective_from <= today or stored.notices_sent_at is not None:
            return None, RATE_ALREADY_APPLIES
    if amount is not None and Decimal(amount) < 0:
        return "amount", RATE_NEGATIVE
    earliest = rate_earliest_date(today)
    if effective_from and effective_from < earliest:
        return "effective_from", RATE_TOO_SOON % {
            "days": settings.MEMBERSHIP_RATE_NOTICE_WORKING_DAYS,
            "earliest": earliest.strftime("%-d %B %Y"),
        }
    return None


@transaction.atomic
def fee_rate_save(*, actor: User, rate: FeeRate, today: date | None = None) -> FeeRate:
    problem = fee_rate_problem(
        amount=rate.amount, effective_from=rate.effective_from, existing=rate, today=today
    )
    if problem:
        raise MembershipRuleError(problem[1], problem[0])
    if not rate.pk:
        rate.created_by = actor
    rate.save()
    return rate


@transaction.atomic
def fee_rates_change_bulk(
    *, actor: User, rates, percent: Decimal, effective_from: date, today: date | None = None
) -> list[FeeRate]:
    """A new rate for each band and frequency of `rates`, `percent` up (or down) from the
    rate in force on the day, from `effective_from`. Members are told by the notice task."""
    problem = fee_rate_problem(amount=None, effective_from=effective_from, today=today)
    if problem:
        raise MembershipRuleError(problem[1], problem[0])
    pairs = sorted({(r.band, r.frequency) for r in rates})
    made = []
    for band, frequency in pairs:
        current = selectors.rates_on(effective_from, frequency)[band]
        amount = (current * (100 + Decimal(percent)) / 100).quantize(rules.PENNY)
        if amount < 0:
            raise MembershipRuleError(RATE_NEGATIVE, "percent")
        rate, _ = FeeRate.objects.update_or_create(
            band=band,
            frequency=frequency,
            effective_from=effective_from,
            defaults={"amount": amount, "created_by": actor, "notices_sent_at": None},
        )
        made.append(rate)
    return made


def rate_notices_due(today: date | None = None):
    """Schedule entries whose members must be told now: not yet told, applying within
    `MEMBERSHIP_RATE_NOTICE_LEAD_DAYS`."""
    today = _today(today)
    horizon = today + timedelta(days=settings.MEMBERSHIP_RATE_NOTICE_LEAD_DAYS)
    return FeeRate.objects.filter(
        notices_sent_at=None, effective_from__gt=today, effective_from__lte=horizon
    ).order_by("effective_from", "pk")


def rate_notices_send(*, today: date | None = None) -> int:
    """Tell each member whose rate a coming schedule entry changes, once (a service notice
    through communications). Safe to run again: a member already told is skipped."""
    today = _today(today)
    sent = 0
    for rate in rate_notices_due(today):
        day = rate.effective_from
        for membership in selectors.memberships_due_for_rate(rate).iterator(chunk_size=500):
            with transaction.atomic():
                notice, created = RateNotice.objects.get_or_create(
                    membership=membership, fee_rate=rate
                )
                if not created:
                    continue
                outlook = selectors.outlook_for(membership)
                before = selectors.quote_on(membership, day - timedelta(days=1), outlook=outlook)
                after = selectors.quote_on(membership, day, outlook=outlook)
                if before.amount == after.amount:
                    continue  # recorded as considered; nothing to tell (e.g. a free rate)
                notification_send(
                    user=membership.user,
                    kind="subscription_rate_change",
                    context={
                        "date": day.strftime("%-d %B %Y"),
                        "url": absolute_url(reverse("membership:subscription")),
                    },
                )
                sent += 1
        FeeRate.objects.filter(pk=rate.pk).update(notices_sent_at=timezone.now())
    return sent


# -- life events -------------------------------------------------------------------------


@dataclass
class Plan:
    """What a life event would change, worked out before anything is saved."""

    kind: str
    effective_on: date
    sets: dict = field(default_factory=dict)
    reduction_kind: str = ""
    reduction_starts: date | None = None
    reduction_ends: date | None = None
    reduction_detail: str = ""
    evidence_note: str = ""
    ends_reduction: Reduction | None = None  # returning: the leave or break that ends
    before: Quote | None = None
    after: Quote | None = None
    before_section: str = ""
    after_section: str = ""

    @property
    def needs_evidence(self) -> bool:
        return bool(self.reduction_kind) and rules.REDUCED_RATES[self.reduction_kind].needs_evidence

    @property
    def evidence(self) -> str:
        return str(rules.REDUCED_RATES[self.reduction_kind].evidence) if self.needs_evidence else ""

    @property
    def before_section_label(self) -> str:
        return str(Section(self.before_section).label)

    @property
    def after_section_label(self) -> str:
        return str(Section(self.after_section).label)

    @property
    def lowers_rate(self) -> bool:
        return self.after.amount < self.before.amount

    @property
    def raises_rate(self) -> bool:
        return self.after.amount > self.before.amount


def _check_dates(effective_on: date, today: date, field_name="effective_on") -> None:
    earliest = today - timedelta(days=settings.MEMBERSHIP_BACKDATE_DAYS)
    if effective_on < earliest:
        raise MembershipRuleError(
            EFFECTIVE_TOO_EARLY
            % {
                "days": settings.MEMBERSHIP_BACKDATE_DAYS,
                "earliest": earliest.strftime("%-d %B %Y"),
            },
            field_name,
        )
    latest = today + timedelta(days=366)
    if effective_on > latest:
        raise MembershipRuleError(
            EFFECTIVE_TOO_LATE % {"latest": latest.strftime("%-d %B %Y")}, field_name
        )


def _check_end(kind: str, starts_on: date, ends_on: date | None) -> None:
    rule = rules.REDUCED_RATES[kind]
    if ends_on is None:
        if rule.needs_end_date:
            raise MembershipRuleError(END_REQUIRED, "ends_on")
        return
    if ends_on < starts_on:
        raise MembershipRuleError(ENDS_BEFORE_START, "ends_on")
    latest = rules.longest_end(kind, starts_on)
    if latest is not None and ends_on > latest:
        raise MembershipRuleError(
            TOO_LONG % {"months": rule.max_months, "latest": latest.strftime("%-d %B %Y")},
            "ends_on",
        )


REDUCTION_FOR_EVENT = {
    LifeEventKind.LEAVE: ReductionKind.PARENTAL_LEAVE,
    LifeEventKind.RETIRING: ReductionKind.RETIRED,
    LifeEventKind.LEAVING: ReductionKind.UNEMPLOYED,
    LifeEventKind.CAREER_BREAK: ReductionKind.CAREER_BREAK,
    LifeEventKind.STUDENT: ReductionKind.STUDENT,
    LifeEventKind.ECT: ReductionKind.ECT,
}
RETURN_FROM = (ReductionKind.PARENTAL_LEAVE, ReductionKind.CAREER_BREAK)


def _simulated(outlook, plan: Plan):
    """The outlook as it would be after the plan."""
    reductions = [r for r in outlook.reductions if r is not plan.ends_reduction]
    if plan.ends_reduction is not None:
        ended = plan.ends_reduction
        new_end = plan.effective_on - timedelta(days=1)
        if new_end >= ended.starts_on:
            reductions.append(
                Reduction(
                    kind=ended.kind,
                    status=ended.status,
                    starts_on=ended.starts_on,
                    ends_on=new_end,
                )
            )
    if plan.reduction_kind:
        reductions.append(
            Reduction(
                kind=plan.reduction_kind,
                status=ReductionStatus.APPROVED,  # as it would be, once approved
                starts_on=plan.reduction_starts,
                ends_on=plan.reduction_ends,
            )
        )
    return selectors.Outlook(outlook.membership, outlook.subscription, reductions, [])


def life_event_plan(
    *, membership: Membership, kind: str, data: dict, today: date | None = None
) -> Plan:
    """Work out a life event: dates checked against the rules, section, band and rate
    before and after. Raises MembershipRuleError; saves nothing."""
    today = _today(today)
    kind = LifeEventKind(kind)
    if membership.status != MembershipStatus.ACTIVE:
        raise MembershipRuleError(NOT_ACTIVE)
    effective_on = data["effective_on"]
    _check_dates(effective_on, today)
    plan = Plan(kind=kind, effective_on=effective_on)
    outlook = selectors.outlook_for(membership)
    # Pending (not yet applied) events stay in the outlook: this one comes after them.
    current = selectors.terms_on(outlook, effective_on)

    if kind == LifeEventKind.HOURS:
        hours = data.get("contracted_hours")
        if hours is None or not (Decimal(1) <= Decimal(hours) <= Decimal(60)):
            raise MembershipRuleError(HOURS_RANGE, "contracted_hours")
        hours = Decimal(hours).quantize(Decimal("0.1"))
        if hours >= FULL_TIME_HOURS:
            plan.sets = {"hours": Hours.FULL_TIME, "contracted_hours": None}
        else:
            plan.sets = {"hours": Hours.PART_TIME, "contracted_hours": str(hours)}
        same_hours = current.hours == plan.sets["hours"]
        same_contract = str(current.contracted_hours or "") == str(
            plan.sets["contracted_hours"] or ""
        )
        if same_hours and same_contract:
            raise MembershipRuleError(NOTHING_CHANGES, "contracted_hours")
    elif kind == LifeEventKind.MOVING:
        employer = data["employer"]
        plan.sets = {
            "employer_id": employer.pk if isinstance(employer, Employer) else None,
            "job_role": data["job_role"],
            "workplace_postcode": data["workplace_postcode"],
            "nation": data["nation"],
            "region_id": data["region_id"],
        }
        if plan.sets["employer_id"] is None:
            plan.sets["new_employer"] = {
                "name": employer.name,
                "kind": employer.kind,
                "town": employer.town,
            }
        workplace = data.get("workplace")
        if workplace is not None:
            # The workplace chosen by name (accounts' WorkplaceForm): one of the employer's
            # by id, or a new one by name; left out, the postcode decides as before.
            plan.sets["workplace_choice"] = (
                {"id": workplace.pk} if getattr(workplace, "pk", None) else {"name": workplace.name}
            )
        unchanged = (
            plan.sets["employer_id"] == membership.employer_id
            and (workplace is None or getattr(workplace, "pk", None) == membership.workplace_id)
            and data["job_role"] == current.job_role
            and data["workplace_postcode"] == membership.workplace_postcode
            and data["region_id"] == membership.region_id
        )
        if unchanged:
            raise MembershipRuleError(NOTHING_CHANGES, "job_role")
    elif kind == LifeEventKind.RETURNING:
        ending = selectors.active_reduction(outlook, effective_on, RETURN_FROM)
        if ending is None:
            raise MembershipRuleError(NOTHING_TO_RETURN_FROM, "effective_on")
        plan.ends_reduction = ending
    else:
        reduction = REDUCTION_FOR_EVENT[kind]
        ends_on = data.get("ends_on")
        if reduction == ReductionKind.ECT and ends_on is None:
            ends_on = rules.longest_end(reduction, effective_on)
        _check_end(reduction, effective_on, ends_on)
        overlapping = [
            r
            for r in outlook.reductions
            if r.kind == reduction
            and r.status in (ReductionStatus.APPROVED, ReductionStatus.PENDING)
            and (r.ends_on is None or r.ends_on >= effective_on)
            and (ends_on is None or r.starts_on <= ends_on)
        ]
        if overlapping:
            raise MembershipRuleError(ALREADY_REDUCED, "effective_on")
        plan.reduction_kind = reduction
        plan.reduction_starts, plan.reduction_ends = effective_on, ends_on
        plan.reduction_detail = data.get("leave_kind", "") or ""
        plan.evidence_note = (data.get("evidence_note") or "")[:300]

    plan.before = selectors.quote_terms(current, effective_on)
    after_terms = selectors.terms_on(
        _simulated(outlook, plan), effective_on, extra_sets=_sets_after(outlook, plan)
    )
    plan.after = selectors.quote_terms(after_terms, effective_on)
    plan.before_section, plan.after_section = current.section, after_terms.section
    return plan


def _sets_after(outlook, plan: Plan) -> dict:
    """Pending events' settings up to the plan's date, then the plan's own."""
    sets: dict = {}
    for event in outlook.pending_events:
        if event.effective_on <= plan.effective_on:
            sets.update(event.sets)
    sets.update(plan.sets)
    return sets


def _quote_json(q: Quote, section: str) -> dict:
    return {
        "section": section,
        "band": q.band,
        "amount": str(q.amount),
        "reduction": q.reduction,
        "frequency": q.frequency,
    }


def _flag_reason(plan: Plan, actor: User, membership: Membership) -> str:
    """Why the membership officers should look: a member lowering their own rate."""
    if actor.pk != membership.user_id or not plan.lowers_rate or plan.needs_evidence:
        return ""
    return (
        f"The member lowered their own rate from £{plan.before.amount} to "
        f"£{plan.after.amount} ({LifeEventKind(plan.kind).label})."
    )[:200]


@transaction.atomic
def life_event_record(
    *, actor: User, membership: Membership, plan: Plan, today: date | None = None
) -> LifeEvent:
    """Save a planned life event: its reduced rate (waiting for an officer when it needs
    evidence), the history, and the change itself at once when its date has come (the
    daily task applies later ones on their day)."""
    today = _today(today)
    membership = Membership.objects.select_for_update().get(pk=membership.pk)
    # Checked again inside the lock, so that a double submit changes nothing twice.
    plan = life_event_plan(
        membership=membership, kind=plan.kind, data=_plan_data(plan), today=today
    )
    reason = _flag_reason(plan, actor, membership)
    reduction = None
    if plan.reduction_kind:
        reduction = Reduction.objects.create(
            membership=membership,
            kind=plan.reduction_kind,
            status=ReductionStatus.PENDING if plan.needs_evidence else ReductionStatus.APPROVED,
            starts_on=plan.reduction_starts,
            ends_on=plan.reduction_ends,
            detail=plan.reduction_detail,
            evidence_note=plan.evidence_note,
            requested_by=actor,
        )
        _history(
            membership=membership,
            actor=actor,
            source=ChangeSource.REDUCTION,
            field_name="reduction",
            old="",
            new=_reduction_text(reduction),
            effective_on=plan.reduction_starts,
        )
    if plan.ends_reduction is not None:
        ending = Reduction.objects.select_for_update().get(pk=plan.ends_reduction.pk)
        old = _reduction_text(ending)
        new_end = plan.effective_on - timedelta(days=1)
        if new_end < ending.starts_on:
            ending.status = ReductionStatus.CANCELLED
            ending.save(update_fields=["status"])
        else:
            ending.ends_on = new_end
            ending.save(update_fields=["ends_on"])
        _history(
            membership=membership,
            actor=actor,
            source=ChangeSource.LIFE_EVENT,
            field_name="reduction",
            old=old,
            new=_reduction_text(ending),
            effective_on=plan.effective_on,
        )
    event = LifeEvent.objects.create(
        membership=membership,
        kind=plan.kind,
        effective_on=plan.effective_on,
        sets=plan.sets,
        before=_quote_json(plan.before, plan.before_section),
        after=_quote_json(plan.after, plan.after_section),
        reduction=reduction,
        recorded_by=actor,
        flagged=bool(reason),
        flag_reason=reason,
    )
    if not plan.needs_evidence and plan.after.amount != plan.before.amount:
        _history(
            membership=membership,
            actor=actor,
            source=ChangeSource.LIFE_EVENT,
            field_name="rate",
            old=f"£{plan.before.amount}",
            new=f"£{plan.after.amount}",
            effective_on=plan.effective_on,
        )
    if not plan.sets:
        event.applied_at = timezone.now()  # its effect is the reduction's dates
        event.save(update_fields=["applied_at"])
    elif plan.effective_on <= today:
        _apply_event(event, actor=actor)
    return event


def _plan_data(plan: Plan) -> dict:
    data: dict = {"effective_on": plan.effective_on}
    if plan.kind == LifeEventKind.HOURS:
        hours = plan.sets.get("contracted_hours")
        data["contracted_hours"] = Decimal(hours) if hours else FULL_TIME_HOURS
    elif plan.kind == LifeEventKind.MOVING:
        from portal.accounts.services import NewEmployer

        employer = (
            Employer.objects.get(pk=plan.sets["employer_id"])
            if plan.sets.get("employer_id")
            else NewEmployer(**plan.sets["new_employer"])
        )
        data.update(
            employer=employer,
            job_role=plan.sets["job_role"],
            workplace_postcode=plan.sets["workplace_postcode"],
            nation=plan.sets["nation"],
            region_id=plan.sets["region_id"],
            workplace=_workplace_from_choice(plan.sets.get("workplace_choice")),
        )
    else:
        data.update(
            ends_on=plan.reduction_ends if plan.kind != LifeEventKind.ECT else None,
            leave_kind=plan.reduction_detail,
            evidence_note=plan.evidence_note,
        )
    return data


def _reduction_text(r: Reduction) -> str:
    dates = f"from {r.starts_on:%Y-%m-%d}" + (f" to {r.ends_on:%Y-%m-%d}" if r.ends_on else "")
    return f"{ReductionKind(r.kind).label} {dates} ({r.get_status_display()})"


def _workplace_from_choice(choice: dict | None):
    from portal.accounts.models import Workplace
    from portal.accounts.services import NewWorkplace

    if not choice:
        return None
    if "id" in choice:
        return Workplace.objects.filter(pk=choice["id"]).first()
    return NewWorkplace(name=choice["name"])


def _apply_event(event: LifeEvent, *, actor: User | None) -> None:
    """Put an event's settings on the membership; each changed field in the history."""
    from portal.accounts.membership import derive_fee_band, derive_section
    from portal.accounts.services import NewEmployer, employer_get_or_create, workplace_choose

    membership = Membership.objects.select_for_update().get(pk=event.membership_id)
    sub, _ = Subscription.objects.select_for_update().get_or_create(membership=membership)
    sets = dict(event.sets)
    tracked = ["job_role", "hours", "section", "fee_band"]
    if "new_employer" in sets:
        employer = employer_get_or_create(employer=NewEmployer(**sets.pop("new_employer")))
        sets["employer_id"] = employer.pk
    before = {name: getattr(membership, name) for name in tracked}
    for name in ("employer_id", "workplace_postcode", "nation", "region_id"):
        if name in sets:
            before[name] = getattr(membership, name)
            setattr(membership, name, sets[name])
    if "job_role" in sets:
        membership.job_role = sets["job_role"]
    if "hours" in sets:
        membership.hours = sets["hours"]
    if "employer_id" in sets or "workplace_postcode" in sets or "workplace_choice" in sets:
        membership.workplace = workplace_choose(
            employer=Employer.objects.get(pk=membership.employer_id),
            workplace=_workplace_from_choice(sets.get("workplace_choice")),
            postcode=membership.workplace_postcode,
        )
    membership.section = derive_section(membership.job_role)
    membership.fee_band = derive_fee_band(membership.job_role, membership.hours)
    membership.save()
    membership_record_field_changes(
        membership=membership, before=before, actor=actor, source=ChangeSource.LIFE_EVENT
    )
    if "contracted_hours" in sets:
        old = sub.contracted_hours
        value = sets["contracted_hours"]
        sub.contracted_hours = Decimal(value) if value else None
        sub.save()
        if str(old or "") != str(sub.contracted_hours or ""):
            _history(
                membership=membership,
                actor=actor,
                source=ChangeSource.LIFE_EVENT,
                field_name="contracted_hours",
                old=old or "",
                new=sub.contracted_hours or "",
                effective_on=event.effective_on,
            )
    LifeEvent.objects.filter(pk=event.pk).update(applied_at=timezone.now())


def life_events_apply_due(*, today: date | None = None) -> int:
    """Apply every life event whose day has come (the daily task; safe to run again)."""
    today = _today(today)
    applied = 0
    due = LifeEvent.objects.filter(applied_at=None, effective_on__lte=today).order_by(
        "effective_on", "pk"
    )
    for pk in due.values_list("pk", flat=True):
        with transaction.atomic():
            event = LifeEvent.objects.select_for_update().filter(pk=pk, applied_at=None).first()
            if event is None:
                continue
            _apply_event(event, actor=None)
            applied += 1
    return applied


@transaction.atomic
def life_event_review(*, actor: User, event: LifeEvent) -> bool:
    """A membership officer has looked at a flagged change."""
    if actor.pk == event.membership.user_id:
        raise MembershipRuleError(DECIDE_FOR_YOU)
    updated = LifeEvent.objects.filter(pk=event.pk, flagged=True, reviewed_at=None).update(
        reviewed_by=actor, reviewed_at=timezone.now()
    )
    return bool(updated)


# -- reduced rates waiting for evidence --------------------------------------------------


def reduction_decide_problem(*, actor: User, reduction: Reduction) -> str | None:
    """Two people: the officer who decides is not the member, not who asked, and not anyone
    who changed the request (so "edit it, then approve it yourself" is refused too)."""
    if not actor.has_perm("membership.decide_reduction"):
        return DECIDE_NO_PERMISSION
    if reduction.status != ReductionStatus.PENDING:
        return DECIDE_NOT_PENDING
    if actor.pk == reduction.membership.user_id:
        return DECIDE_FOR_YOU
    if actor.pk == reduction.requested_by_id or reduction.editors.filter(pk=actor.pk).exists():
        return DECIDE_OWN_REQUEST
    return None


@transaction.atomic
def reduction_decide(
    *, actor: User, reduction: Reduction, approve: bool, reason: str = ""
) -> Reduction:
    reduction = (
        Reduction.objects.select_for_update().select_related("membership").get(pk=reduction.pk)
    )
    problem = reduction_decide_problem(actor=actor, reduction=reduction)
    if problem:
        raise MembershipRuleError(problem)
    reason = " ".join((reason or "").split())[:300]
    if not approve and not reason:
        raise MembershipRuleError(REFUSE_NEEDS_REASON, "reason")
    membership = reduction.membership
    outlook = selectors.outlook_for(membership)
    day = max(reduction.starts_on, timezone.localdate())
    before = selectors.quote_on(membership, day, outlook=outlook)
    old = _reduction_text(reduction)
    reduction.status = ReductionStatus.APPROVED if approve else ReductionStatus.REFUSED
    reduction.decided_by, reduction.decided_at = actor, timezone.now()
    reduction.decision_reason = reason
    reduction.save(update_fields=["status", "decided_by", "decided_at", "decision_reason"])
    _history(
        membership=membership,
        actor=actor,
        source=ChangeSource.REDUCTION,
        field_name="reduction",
        old=old,
        new=_reduction_text(reduction),
        effective_on=reduction.starts_on,
    )
    if approve:
        after = selectors.quote_on(membership, day)
        if after.amount != before.amount:
            _history(
                membership=membership,
                actor=actor,
                source=ChangeSource.REDUCTION,
                field_name="rate",
                old=f"£{before.amount}",
                new=f"£{after.amount}",
                effective_on=reduction.starts_on,
            )
    notification_send(
        user=membership.user,
        kind="subscription_reduction_decided",
        context={"url": absolute_url(reverse("membership:subscription"))},
    )
    return reduction


@transaction.atomic
def reduction_edit(
    *, actor: User, reduction: Reduction, starts_on: date, ends_on: date | None
) -> Reduction:
    """An officer corrects a waiting request's dates; they may no longer decide it."""
    reduction = Reduction.objects.select_for_update().get(pk=reduction.pk)
    if reduction.status != ReductionStatus.PENDING:
        raise MembershipRuleError(EDIT_NOT_PENDING)
    _check_end(reduction.kind, starts_on, ends_on)
    old = _reduction_text(reduction)
    reduction.starts_on, reduction.ends_on = starts_on, ends_on
    reduction.save(update_fields=["starts_on", "ends_on"])
    reduction.editors.add(actor)
    _history(
        membership=reduction.membership,
        actor=actor,
        source=ChangeSource.STAFF,
        field_name="reduction",
        old=old,
        new=_reduction_text(reduction),
        effective_on=starts_on,
    )
    return reduction


# -- resigning and rejoining ---------------------------------------------------------------


def resignation_date(today: date | None = None) -> date:
    return _today(today) + timedelta(days=settings.MEMBERSHIP_RESIGNATION_NOTICE_DAYS)


def resign_problem(membership: Membership) -> str | None:
    open_one = selectors.open_resignation(membership)
    if open_one is not None:
        return ALREADY_RESIGNED % {"date": open_one.effective_on.strftime("%-d %B %Y")}
    if membership.status in (MembershipStatus.RESIGNED, MembershipStatus.LAPSED):
        return ALREADY_ENDED
    return None


@transaction.atomic
def membership_resign(
    *, actor: User, membership: Membership, reason: str = "", today: date | None = None
) -> Resignation:
    """Notice of resignation; the membership is resigned on the effective day (at once when
    the rule book's notice is zero days)."""
    today = _today(today)
    membership = Membership.objects.select_for_update().get(pk=membership.pk)
    problem = resign_problem(membership)
    if problem:
        raise MembershipRuleError(problem)
    resignation = Resignation.objects.create(
        membership=membership,
        reason=reason or "",
        given_on=today,
        effective_on=resignation_date(today),
        recorded_by=actor,
    )
    _history(
        membership=membership,
        actor=actor,
        source=ChangeSource.RESIGNATION,
        field_name="resignation",
        old="",
        new=f"notice given, effective {resignation.effective_on:%Y-%m-%d}",
        effective_on=resignation.effective_on,
    )
    hooks.resignation_event("notice", resignation=resignation, actor=actor)
    if resignation.effective_on <= today:
        _apply_resignation(resignation, actor=actor)
    notification_send(
        user=membership.user,
        kind="membership_resignation",
        context={
            "date": resignation.effective_on.strftime("%-d %B %Y"),
            "url": absolute_url(reverse("membership:resign")),
        },
    )
    return resignation


def _set_status(membership: Membership, status: str, *, actor, source: str, effective_on) -> None:
    """A new status for a locked membership, and its row in the history."""
    old = membership.status
    membership.status = status
    membership.status_changed_at = timezone.now()
    membership.save(update_fields=["status", "status_changed_at"])
    _history(
        membership=membership,
        actor=actor,
        source=source,
        field_name="status",
        old=old,
        new=membership.status,
        effective_on=effective_on,
    )


def _apply_resignation(resignation: Resignation, *, actor: User | None) -> None:
    membership = Membership.objects.select_for_update().get(pk=resignation.membership_id)
    _set_status(
        membership,
        MembershipStatus.RESIGNED,
        actor=actor,
        source=ChangeSource.RESIGNATION,
        effective_on=resignation.effective_on,
    )
    Resignation.objects.filter(pk=resignation.pk).update(applied_at=timezone.now())
    hooks.resignation_event("applied", resignation=resignation, actor=actor)


def resignations_apply_due(*, today: date | None = None) -> int:
    today = _today(today)
    applied = 0
    due = Resignation.objects.filter(
        applied_at=None, withdrawn_at=None, effective_on__lte=today
    ).values_list("pk", flat=True)
    for pk in list(due):
        with transaction.atomic():
            r = Resignation.objects.select_for_update().filter(pk=pk, applied_at=None).first()
            if r is None or r.withdrawn_at is not None:
                continue
            _apply_resignation(r, actor=None)
            applied += 1
    return applied


@transaction.atomic
def resignation_withdraw(*, actor: User, membership: Membership) -> bool:
    """A member who gave notice changes their mind before the day."""
    resignation = (
        Resignation.objects.select_for_update()
        .filter(membership=membership, applied_at=None, withdrawn_at=None)
        .first()
    )
    if resignation is None:
        return False
    resignation.withdrawn_at = timezone.now()
    resignation.save(update_fields=["withdrawn_at"])
    _history(
        membership=membership,
        actor=actor,
        source=ChangeSource.RESIGNATION,
        field_name="resignation",
        old=f"notice given, effective {resignation.effective_on:%Y-%m-%d}",
        new="withdrawn",
    )
    hooks.resignation_event("withdrawn", resignation=resignation, actor=actor)
    return True


@transaction.atomic
def membership_lapse_for_arrears(
    *, membership: Membership, actor: User | None = None, months: int = 0, effective_on=None
) -> bool:
    """The rule book lapses a membership after its unpaid months (subscriptions' daily
    arrears run calls this). Only an active membership lapses; the history says why.
    Returns whether it lapsed now."""
    membership = Membership.objects.select_for_update().get(pk=membership.pk)
    if membership.status != MembershipStatus.ACTIVE:
        return False
    on = effective_on or timezone.localdate()
    _set_status(
        membership,
        MembershipStatus.LAPSED,
        actor=actor,
        source=ChangeSource.PAYMENT if actor is None else ChangeSource.STAFF,
        effective_on=on,
    )
    _history(
        membership=membership,
        actor=actor,
        source=ChangeSource.PAYMENT,
        field_name="arrears",
        old="",
        new=f"lapsed for non-payment: {months} months unpaid",
        effective_on=on,
    )
    return True


@transaction.atomic
def membership_rejoin(*, actor: User, membership: Membership) -> Membership:
    """A resigned or lapsed member joins again: the same number, the history kept."""
    membership = Membership.objects.select_for_update().get(pk=membership.pk)
    if membership.status not in (MembershipStatus.RESIGNED, MembershipStatus.LAPSED):
        raise MembershipRuleError(NOT_RESIGNED)
    _set_status(
        membership,
        MembershipStatus.ACTIVE,
        actor=actor,
        source=ChangeSource.REJOINING,
        effective_on=timezone.localdate(),
    )
    return membership


def memberships_run_due(*, today: date | None = None) -> dict[str, int]:
    """The daily work: life events and resignations whose day has come, and the notices of
    coming rate changes. Every part is safe to run again."""
    return {
        "life_events": life_events_apply_due(today=today),
        "resignations": resignations_apply_due(today=today),
        "rate_notices": rate_notices_send(today=today),
    }
