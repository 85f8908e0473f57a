"""Every write about reps: volunteering, support, the regional office's decision, expiry,
the access record, invite links and the joins credited to them."""

from __future__ import annotations

import secrets
from datetime import date, timedelta

from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from portal.accounts.choices import CommunicationKind, MembershipStatus
from portal.accounts.models import Membership, User, Workplace
from portal.accounts.selectors import has_consent
from portal.communications.notifications import absolute_url, notification_send

from . import access
from .models import (
    ALLOWED_MOVES,
    OPEN_STATUSES,
    Recruitment,
    RepAccess,
    RepAccessKind,
    RepInvite,
    RepKind,
    RepRole,
    RepStatus,
    RepSupport,
    RepTraining,
)

NOT_YOUR_WORKPLACE = _("Choose your own workplace.")
NOT_A_MEMBER = _("Only an active member can volunteer as a rep.")
ALREADY_OPEN = _("You have already volunteered for this role at this workplace.")
BAD_KIND = _("Choose one of the roles listed.")
NOT_YOURS_TO_DECIDE = _("This role is not in your region.")
MOVE_REFUSED = _("A role that is %(status)s cannot be %(move)s.")
ACCREDITATION_REQUIRED = _("Give the date the accreditation runs until, after today.")
CANNOT_SUPPORT = _("You can support only a colleague at your own workplace, once.")

REMINDER_DAYS = (30, 7)


class RepRuleError(Exception):
    """A rule refused the change; `field` names the form field it belongs to, if any."""

    def __init__(self, message, field: str | None = None):
        super().__init__(str(message))
        self.message = message
        self.field = field


def rep_flag_sync(*, membership: Membership) -> bool:
    """Keep `Membership.is_rep` true exactly while the member holds a current role."""
    want = access.holds_current_role(membership)
    if membership.is_rep != want:
        Membership.objects.filter(pk=membership.pk).update(is_rep=want)
        membership.is_rep = want
    return want


def volunteer_workplaces(membership: Membership) -> list[Workplace]:
    """Where a member may volunteer: their own workplace."""
    if membership.workplace_id is None:
        return []
    return [membership.workplace]


@transaction.atomic
def rep_volunteer(*, membership: Membership, workplace_id: int, kind: str) -> RepRole:
    if membership.status != MembershipStatus.ACTIVE:
        raise RepRuleError(NOT_A_MEMBER)
    if workplace_id not in {w.pk for w in volunteer_workplaces(membership)}:
        raise RepRuleError(NOT_YOUR_WORKPLACE, "workplace")
    if kind not in RepKind.values:
        raise RepRuleError(BAD_KIND, "kind")
    try:
        with transaction.atomic():
            return RepRole.objects.create(
                membership=membership, workplace_id=workplace_id, kind=kind
            )
    except IntegrityError:
        raise RepRuleError(ALREADY_OPEN, "kind") from None


def contested(role: RepRole) -> bool:
    """More than one volunteer (or holder) for the same role at the same workplace."""
    return (
        RepRole.objects.filter(
            workplace_id=role.workplace_id,
            kind=role.kind,
            status__in=[RepStatus.VOLUNTEERED, RepStatus.CONFIRMED],
        )
        .exclude(pk=role.pk)
        .exists()
    )


@transaction.atomic
def rep_support(*, role: RepRole, supporter: Membership) -> RepSupport:
    if (
        supporter.status != MembershipStatus.ACTIVE
        or supporter.pk == role.membership_id
        or supporter.workplace_id != role.workplace_id
        or role.status != RepStatus.VOLUNTEERED
    ):
        raise RepRuleError(CANNOT_SUPPORT)
    try:
        with transaction.atomic():
            return RepSupport.objects.create(role=role, supporter=supporter)
    except IntegrityError:
        raise RepRuleError(CANNOT_SUPPORT) from None


def _move(role: RepRole, to: str, move: str) -> None:
    if to not in ALLOWED_MOVES.get(role.status, set()):
        raise RepRuleError(
            MOVE_REFUSED % {"status": role.get_status_display().lower(), "move": move}
        )


def _lock(role: RepRole) -> RepRole:
    return RepRole.objects.select_for_update().select_related("membership__user").get(pk=role.pk)


def confirm_problem(*, accredited_until: date | None) -> str | None:
    if accredited_until is None or accredited_until <= timezone.localdate():
        return str(ACCREDITATION_REQUIRED)
    return None


@transaction.atomic
def rep_role_confirm(
    *,
    role: RepRole,
    by: User,
    accredited_until: date | None,
    elected_on: date | None = None,
    election_result: str = "",
) -> RepRole:
    """The regional office confirms a volunteer: the rep's space opens, they are told."""
    if not access.reps_region_scope(by).filter(pk=role.pk).exists():
        raise RepRuleError(NOT_YOURS_TO_DECIDE)
    role = _lock(role)
    _move(role, RepStatus.CONFIRMED, "confirmed")
    problem = confirm_problem(accredited_until=accredited_until)
    if problem:
        raise RepRuleError(problem, "accredited_until")
    now = timezone.now()
    role.status = RepStatus.CONFIRMED
    role.accredited_until = accredited_until
    role.elected_on = elected_on or timezone.localdate()
    role.election_result = election_result[:200]
    role.confirmed_by, role.confirmed_at, role.decided_at = by, now, now
    role.save()
    rep_flag_sync(membership=role.membership)
    notification_send(
        user=role.membership.user,
        kind="membership_rep_confirmed",
        context={"role": str(role.get_kind_display()), "url": absolute_url(reverse("reps:home"))},
    )
    return role


@transaction.atomic
def rep_role_decline(*, role: RepRole, by: User) -> RepRole:
    if not access.reps_region_scope(by).filter(pk=role.pk).exists():
        raise RepRuleError(NOT_YOURS_TO_DECIDE)
    role = _lock(role)
    _move(role, RepStatus.DECLINED, "declined")
    role.status, role.decided_at = RepStatus.DECLINED, timezone.now()
    role.save(update_fields=["status", "decided_at"])
    return role


@transaction.atomic
def rep_role_withdraw(*, role: RepRole, membership: Membership) -> RepRole:
    """The member steps down or withdraws their offer."""
    role = _lock(role)
    if role.membership_id != membership.pk:
        raise RepRuleError(NOT_YOURS_TO_DECIDE)
    _move(role, RepStatus.WITHDRAWN, "withdrawn")
    role.status, role.decided_at = RepStatus.WITHDRAWN, timezone.now()
    role.save(update_fields=["status", "decided_at"])
    RepInvite.objects.filter(role=role, revoked_at__isnull=True).update(revoked_at=timezone.now())
    rep_flag_sync(membership=role.membership)
    return role


def rep_roles_expire_and_remind(*, today: date | None = None) -> dict[str, int]:
    """The daily task: remind reps 30 and 7 days before their accreditation ends (each
    reminder once), then expire the roles that ended (the space closes)."""
    today = today or timezone.localdate()
    sent = {"reminded": 0, "expired": 0}
    for days in REMINDER_DAYS:
        field = f"reminded_{days}_at"
        due = RepRole.objects.filter(
            status=RepStatus.CONFIRMED,
            accredited_until__gte=today,
            accredited_until__lte=today + timedelta(days=days),
            **{f"{field}__isnull": True},
        )
        for pk in due.values_list("pk", flat=True):
            with transaction.atomic():
                role = (
                    RepRole.objects.select_for_update()
                    .select_related("membership__user")
                    .filter(pk=pk, **{f"{field}__isnull": True})
                    .first()
                )
                if role is None:
                    continue
                setattr(role, field, timezone.now())
                if (
                    days == 30
                    and role.reminded_7_at is None
                    and (role.accredited_until - today).days <= 7
                ):
                    role.reminded_7_at = timezone.now()  # one reminder, not two at once
                role.save(update_fields=["reminded_30_at", "reminded_7_at"])
                notification_send(
                    user=role.membership.user,
                    kind="membership_rep_accreditation_ending",
                    context={
                        "role": str(role.get_kind_display()),
                        "until": role.accredited_until.strftime("%-d %B %Y"),
                        "url": absolute_url(reverse("reps:home")),
                    },
                )
                sent["reminded"] += 1
    ended = RepRole.objects.filter(status=RepStatus.CONFIRMED, accredited_until__lt=today)
    for pk in ended.values_list("pk", flat=True):
        with transaction.atomic():
            role = RepRole.objects.select_for_update().select_related("membership").get(pk=pk)
            if role.status != RepStatus.CONFIRMED:
                continue
            role.status, role.decided_at = RepStatus.EXPIRED, timezone.now()
            role.save(update_fields=["status", "decided_at"])
            RepInvite.objects.filter(role=role, revoked_at__isnull=True).update(
                revoked_at=timezone.now()
            )
            rep_flag_sync(membership=role.membership)
            sent["expired"] += 1
    return sent


def rep_access_record(
    *, viewer: User, members: list[Membership], kind: str, workplace_id: int | None = None
) -> None:
    """One row per member seen, in one INSERT."""
    now = timezone.now()
    RepAccess.objects.bulk_create(
        [
            RepAccess(
                member_id=m.user_id,
                viewer=viewer,
                workplace_id=workplace_id if workplace_id is not None else m.workplace_id,
                kind=kind,
                at=now,
            )
            for m in members
        ]
    )


def rep_access_record_list(*, viewer: User, members: list[Membership]) -> None:
    rep_access_record(viewer=viewer, members=members, kind=RepAccessKind.LIST)


ISSUE_CATEGORIES = ("pay", "terms", "restructure", "redundancy", "tupe", "health_safety", "other")


@transaction.atomic
def rep_workplace_issue_raise(
    *, rep: User, workplace_id: int, category: str, what_happened: str, desired_outcome: str
):
    """A rep raises an issue for their workplace: a request to casework, routed to the
    rep's region like any case, marked as affecting colleagues, for the officer to make it
    a collective case (casework/collective_admin.py)."""
    from casework import services as casework_services

    workplace = next((w for w in access.rep_workplaces(rep) if w.pk == workplace_id), None)
    if workplace is None:
        raise RepRuleError(NOT_YOUR_WORKPLACE, "workplace")
    if category not in ISSUE_CATEGORIES:
        raise RepRuleError(BAD_KIND, "category")
    intro = f"Workplace issue at {workplace.name}, raised by the workplace rep for colleagues.\n\n"
    return casework_services.case_submit(
        member=rep,
        details=casework_services.CaseDetails(
            category=category,
            employer=workplace.employer,
            what_happened=intro + what_happened,
            desired_outcome=desired_outcome,
            colleagues_affected=True,
        ),
    )


@transaction.atomic
def rep_message_submit(*, rep: User, workplace_id: int, subject: str, body: str):
    """A rep's message to colleagues at their workplace who agreed to rep contact: a
    communication of the rep-contact kind for that workplace, submitted for approval by a
    regional officer (a caseworker of the rep's region) or a communications officer. It is
    sent only once approved, with the unsubscribe every communication carries; the rep can
    never approve their own (communications' two-person rule)."""
    from portal.communications import services as comms
    from portal.communications.models import Communication, Kind

    workplace = next((w for w in access.rep_workplaces(rep) if w.pk == workplace_id), None)
    if workplace is None:
        raise RepRuleError(NOT_YOUR_WORKPLACE, "workplace")
    message = Communication(
        kind=Kind.REP_CONTACT,
        subject=subject.strip(),
        body=body.strip(),
        workplace=workplace,
        statuses=[MembershipStatus.ACTIVE.value],
    )
    try:
        comms.communication_save(communication=message, by=rep)
        comms.communication_submit(communication=message, by=rep)
    except comms.CommunicationError as error:
        transaction.set_rollback(True)
        raise RepRuleError(str(error), "body") from None
    _tell_regional_approvers(message, rep)
    return message


def _tell_regional_approvers(message, rep: User) -> None:
    """The caseworkers of the rep's region may approve the message (communications officers
    are told by communications itself): each is told it waits, with the link to it among
    the reps' messages in the admin. Nothing of the message's text is in the notice."""
    from portal.accounts.roles import Role

    region_id = Membership.objects.filter(user=rep).values_list("region_id", flat=True).first()
    if region_id is None:
        return
    url = absolute_url(reverse("admin:reps_repmessage_change", args=[message.pk]))
    caseworkers = (
        User.objects.filter(
            is_active=True, is_staff=True, groups__name=Role.CASEWORKER, regions=region_id
        )
        .exclude(pk=rep.pk)
        .distinct()
    )
    for officer in caseworkers:
        notification_send(
            user=officer,
            kind="staff_rep_message_to_approve",
            context={"workplace": message.workplace.name, "url": url},
        )


def rep_message_approve(*, message, by: User):
    """The regional office approves a rep's message: approved (the two-person rule of
    communications: never by its author or an editor) and sending starts at once."""
    from portal.communications import services as comms

    try:
        comms.communication_approve(communication=message, by=by)
        return comms.communication_start(communication=message)
    except comms.CommunicationError as error:
        raise RepRuleError(str(error)) from None


def rep_message_return(*, message, by: User):
    """Back to the rep, not sent (the rep sees it returned on /rep/)."""
    from portal.communications import services as comms

    try:
        return comms.communication_return_to_draft(communication=message, by=by)
    except comms.CommunicationError as error:
        raise RepRuleError(str(error)) from None


def workplaces_verify(*, ids: list[int]) -> int:
    """An officer has checked these workplaces: the search offers them to everyone."""
    return Workplace.objects.filter(pk__in=ids, verified=False).update(verified=True)


# --- Invite links -------------------------------------------------------------------------


def _new_token() -> str:
    return secrets.token_urlsafe(24)


@transaction.atomic
def rep_invite_current(*, role: RepRole) -> RepInvite:
    """The role's live invite link, made on first use."""
    RepRole.objects.select_for_update().get(pk=role.pk)
    invite = RepInvite.objects.filter(role=role, revoked_at__isnull=True).first()
    if invite is None:
        invite = RepInvite.objects.create(role=role, token=_new_token())
    return invite


@transaction.atomic
def rep_invite_renew(*, role: RepRole) -> RepInvite:
    """Revoke the role's link (anyone holding it joins without the credit) and make another."""
    RepRole.objects.select_for_update().get(pk=role.pk)
    RepInvite.objects.filter(role=role, revoked_at__isnull=True).update(revoked_at=timezone.now())
    return RepInvite.objects.create(role=role, token=_new_token())


def invite_live(token: str) -> RepInvite | None:
    """A live invite: not revoked, and its rep still holds the role."""
    token = (token or "")[:64]
    if not token:
        return None
    invite = (
        RepInvite.objects.filter(token=token, revoked_at__isnull=True)
        .select_related("role__workplace__employer", "role__membership__user")
        .first()
    )
    if invite is None:
        return None
    if not access.current_roles(invite.role.membership.user).filter(pk=invite.role_id).exists():
        return None
    return invite


@transaction.atomic
def recruitment_record(*, token: str, membership: Membership) -> Recruitment | None:
    """A member joined through an invite: put them on its workplace (when they named the
    same employer), credit the workplace and the rep, and tell the rep (the new member's
    name only if they agreed to contact from their rep)."""
    invite = invite_live(token)
    if invite is None:
        return None
    workplace = invite.role.workplace
    if membership.employer_id == workplace.employer_id and membership.workplace_id != workplace.pk:
        membership.workplace = workplace
        membership.save(update_fields=["workplace"])
    elif membership.employer_id != workplace.employer_id:
        return None
    rep_user = invite.role.membership.user
    recruitment, created = Recruitment.objects.get_or_create(
        membership=membership,
        defaults={"invite": invite, "workplace": workplace, "rep": rep_user},
    )
    if created:
        agreed = has_consent(membership.user, CommunicationKind.REP_CONTACT)
        context = {
            "workplace": workplace.name,
            "url": absolute_url(reverse("reps:home")),
            "name": membership.user.get_full_name() if agreed else "",
        }
        notification_send(user=rep_user, kind="membership_rep_recruit_joined", context=context)
    return recruitment


def rep_training_from_event(*, booking, attended: bool) -> None:
    """Rep training the union runs, attended (marked on the event's register): on the
    training record of a member who holds or has offered a rep role; undone with the
    register. Other kinds of event, and members who are not reps, change nothing."""
    if booking.event.kind != "rep_training":
        return
    membership = Membership.objects.filter(user_id=booking.user_id).first()
    if membership is None:
        return
    if not attended:
        RepTraining.objects.filter(from_booking_id=booking.pk).delete()
        return
    if not membership.rep_roles.filter(status__in=OPEN_STATUSES).exists():
        return
    RepTraining.objects.get_or_create(
        from_booking_id=booking.pk,
        defaults={
            "membership": membership,
            "title": booking.event.title[:200],
            "completed_on": timezone.localdate(booking.event.ends_at),
        },
    )
