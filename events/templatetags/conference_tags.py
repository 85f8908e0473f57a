"""The conference panel on an event's page: the agenda, motions, and (for an elected
delegate only) the voting-delegate registration."""

from django import template

from events.conference_selectors import panel_for

register = template.Library()


@register.inclusion_tag("events/_conference_panel.html", takes_context=True)
def conference_panel(context, event):
    request = context.get("request")
    user = getattr(request, "user", None)
    return {"panel": panel_for(event, user) if user is not None else None, "request": request}
