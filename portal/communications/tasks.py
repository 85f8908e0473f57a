from __future__ import annotations

import contextlib

from celery import shared_task
from django.core.mail import EmailMultiAlternatives
from django.template import TemplateDoesNotExist
from django.template.loader import render_to_string

from portal.accounts.models import User


@shared_task(acks_late=True, autoretry_for=(OSError,), retry_backoff=True, max_retries=5)
def send_notification(user_id: int, kind: str, context: dict) -> None:
    user = User.objects.filter(pk=user_id, is_active=True).first()
    if user is None:
        return
    ctx = {**context, "user": user}
    base = f"communications/notifications/{kind}"
    subject = " ".join(render_to_string(f"{base}_subject.txt", ctx).split())
    body = render_to_string(f"{base}_body.txt", ctx)
    message = EmailMultiAlternatives(subject=subject, body=body, to=[user.email])
    with contextlib.suppress(TemplateDoesNotExist):
        message.attach_alternative(render_to_string(f"{base}_body.html", ctx), "text/html")
    message.send()
