"""What consultations add to the member's own pages: a dashboard panel and their part of
the data export at /me/data/."""

from __future__ import annotations

from portal.accounts.dashboard import register_panel
from portal.accounts.exports import register
from portal.accounts.models import User

from . import selectors
from .models import Answer, Response


@register_panel("consultations", order=40, template="consultations/panel.html")
def consultations_panel(user: User) -> dict | None:
    """Open consultations the member has not answered, and drafts not yet submitted."""
    return selectors.dashboard_items(user)


def _iso(value):
    return value.isoformat() if value else None


@register("consultation_responses")
def export_responses(user: User) -> list[dict]:
    responses = (
        Response.objects.filter(user=user).select_related("consultation").order_by("created_at")
    )
    answers: dict[int, list[Answer]] = {}
    for answer in Answer.objects.filter(response__user=user).select_related("question"):
        answers.setdefault(answer.response_id, []).append(answer)
    out = []
    for response in responses:
        by_question: dict[int, dict] = {}
        for answer in answers.get(response.pk, []):
            item = by_question.setdefault(
                answer.question_id, {"question": answer.question.text, "answer": []}
            )
            item["answer"].append(answer.text or answer.choice)
        out.append(
            {
                "consultation": response.consultation.title,
                "address": response.consultation.get_absolute_url(),
                "status": response.get_status_display(),
                "started_at": _iso(response.created_at),
                "last_changed_at": _iso(response.updated_at),
                "submitted_at": _iso(response.submitted_at),
                "may_quote": response.get_quote_consent_display() or None,
                "answers": [
                    {
                        "question": item["question"],
                        "answer": item["answer"][0] if len(item["answer"]) == 1 else item["answer"],
                    }
                    for item in by_question.values()
                ],
            }
        )
    return out
