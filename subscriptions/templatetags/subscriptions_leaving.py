"""`{% final_collection_notice membership %}`: the resigning member's final collection,
on the resign page and its confirmation."""

from django import template

from subscriptions.leaving import final_collection_for

register = template.Library()


@register.inclusion_tag("subscriptions/_final_collection.html")
def final_collection_notice(membership):
    return {"final": final_collection_for(membership) if membership else None}
