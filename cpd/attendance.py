"""What events tell the CPD record: the courses a member attended, with their hours and
learning outcomes, and the certificate of each."""

from __future__ import annotations


def attended_items(user) -> list:
    return []


def get_attended_for(user, booking_id):
    from django.http import Http404

    from .access import NOT_FOUND

    raise Http404(NOT_FOUND)
