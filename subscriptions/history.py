"""Every payment and mandate change goes in the member's membership history (membership's
`MembershipChange`, source "payment"), in the same transaction as the change. Values are
words and amounts a member reads: never bank details (at most the last two digits)."""

from __future__ import annotations

from datetime import date

from membership.models import ChangeSource, MembershipChange


def record(
    *,
    membership,
    actor,
    field: str,
    old: str = "",
    new: str = "",
    effective_on: date | None = None,
) -> MembershipChange:
    return MembershipChange.objects.create(
        membership=membership,
        actor=actor,
        source=ChangeSource.PAYMENT,
        field=field,
        old_value=str(old)[:200],
        new_value=str(new)[:200],
        effective_on=effective_on,
    )
