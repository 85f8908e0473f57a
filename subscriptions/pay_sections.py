"""The arrears and final-collection section of /me/subscription/ (registered with
membership's sections at start-up)."""

from __future__ import annotations

from membership.sections import register_section

from .arrears import arrears_for
from .card import card_provider
from .leaving import final_collection_for


def arrears_context(membership) -> dict | None:
    arrears = arrears_for(membership)
    final = final_collection_for(membership)
    if not arrears and final is None:
        return None
    return {
        "arrears": arrears,
        "final": final,
        "demo_card": card_provider().is_demo,
    }


register_section(order=50, template="subscriptions/_arrears_section.html")(arrears_context)
