"""The rules of answering, as plain functions the form and the services share: who is in a
consultation's audience, which questions a set of answers shows, and what is missing.

Answers are a dict of question id to value: a string for text, single-choice, Yes/No and
scale questions, a list of strings for multiple choice; empty means unanswered.
"""

from __future__ import annotations

from collections.abc import Iterable

from portal.accounts.choices import MembershipStatus
from portal.accounts.models import Membership

from .models import Consultation, Question, QuestionKind

Answers = dict[int, "str | list[str]"]


def is_in_audience(consultation: Consultation, membership: Membership | None) -> bool:
    """Whether a member may answer: an active membership matching every audience condition
    that is set (section, nations, employer type). No condition means all members."""
    if membership is None or membership.status != MembershipStatus.ACTIVE:
        return False
    if consultation.audience_section and membership.section != consultation.audience_section:
        return False
    if consultation.audience_nations and membership.nation not in consultation.audience_nations:
        return False
    return not (
        consultation.audience_employer_kind
        and membership.employer.kind != consultation.audience_employer_kind
    )


def _same(a: str, b: str) -> bool:
    return " ".join(a.split()).casefold() == " ".join(b.split()).casefold()


def is_empty(value) -> bool:
    if value is None:
        return True
    if isinstance(value, str):
        return value.strip() == ""
    if isinstance(value, list | tuple):
        return len(value) == 0
    return False


def condition_met(question: Question, answers: Answers) -> bool:
    answer = answers.get(question.condition_question_id)
    if is_empty(answer):
        return False
    values = answer if isinstance(answer, list) else [answer]
    return any(_same(str(v), question.condition_value) for v in values)


def visible_question_ids(questions: Iterable[Question], answers: Answers) -> set[int]:
    """Questions the answers show, in order: a conditional question shows when the question
    it depends on is itself shown and was answered with the condition's value."""
    visible: set[int] = set()
    for question in questions:
        if question.condition_question_id is None or (
            question.condition_question_id in visible and condition_met(question, answers)
        ):
            visible.add(question.pk)
    return visible


def keep_visible(questions: list[Question], answers: Answers) -> Answers:
    """The answers without those to hidden questions (which are never saved)."""
    visible = visible_question_ids(questions, answers)
    return {qid: value for qid, value in answers.items() if qid in visible}


def missing_required(questions: list[Question], answers: Answers) -> list[Question]:
    visible = visible_question_ids(questions, answers)
    return [q for q in questions if q.required and q.pk in visible and is_empty(answers.get(q.pk))]


def invalid_value(question: Question, value) -> bool:
    """Whether a value could not have come from the question's own form field."""
    if is_empty(value):
        return False
    if question.kind == QuestionKind.MULTIPLE_CHOICE:
        return not isinstance(value, list) or any(v not in question.option_list for v in value)
    if not isinstance(value, str):
        return True
    if question.is_text:
        return "\x00" in value
    return value not in question.option_list
