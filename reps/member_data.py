"""Reps' part of the member's dashboard, of their data export, and of the join form's
invite links."""

from __future__ import annotations

from portal.accounts.dashboard import register_panel
from portal.accounts.exports import register
from portal.accounts.invites import JoinInvite, register_invites
from portal.accounts.selectors import membership_for

from . import selectors, services
from .models import RepAccess, RepRole


@register_panel("rep_space", order=15, template="reps/panel.html")
def rep_panel(user):
    """One query: the member's own offers and the colleagues at their workplace waiting for
    support. Whether they are a rep is `Membership.is_rep` (kept in step with their roles)."""
    membership = membership_for(user)
    if membership is None:
        return None
    waiting = selectors.volunteers_at_workplace(membership)
    return {
        "is_rep": membership.is_rep,
        "volunteers": [r for r in waiting if r.membership_id != membership.pk],
        "pending": [r for r in waiting if r.membership_id == membership.pk],
    }


@register_panel("who_looked", order=90, template="reps/access_panel.html")
def access_panel(user):
    # No query: the page itself (/me/access/) reads the record.
    return {} if membership_for(user) is not None else None


@register("rep_roles")
def export_rep_roles(user):
    return [
        {
            "role": r.get_kind_display(),
            "workplace": r.workplace.name,
            "status": r.get_status_display(),
            "elected_on": r.elected_on.isoformat() if r.elected_on else None,
            "accredited_until": r.accredited_until.isoformat() if r.accredited_until else None,
        }
        for r in RepRole.objects.filter(membership__user=user).select_related("workplace")
    ]


@register("rep_looks_at_my_membership")
def export_rep_looks(user):
    return [
        {
            "at": a.at.isoformat(),
            "rep": a.viewer.get_full_name() if a.viewer else None,
            "workplace": a.workplace.name if a.workplace else None,
            "what": a.get_kind_display(),
        }
        for a in RepAccess.objects.filter(member=user).select_related("viewer", "workplace")
    ]


def _resolve(token: str) -> JoinInvite | None:
    invite = services.invite_live(token)
    if invite is None:
        return None
    workplace = invite.role.workplace
    return JoinInvite(employer=workplace.employer, workplace=workplace)


def _joined(token, membership):
    return services.recruitment_record(token=token, membership=membership)


register_invites(resolve=_resolve, joined=_joined)
