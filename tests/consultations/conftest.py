"""Builders for consultations in tests: a consultation with one question of each type,
members inside and outside its audience."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from consultations.models import (
    Consultation,
    ConsultingBody,
    Question,
    QuestionKind,
    QuestionSection,
)
from portal.accounts.choices import EmployerKind, JobRole
from tests.factories import EmployerFactory, MembershipFactory, region

_counter = {"n": 0}


def make_consultation(*, phase: str = "open", questions: bool = True, **fields) -> Consultation:
    """A consultation in the given phase: draft, scheduled, open, closed or outcome."""
    now = timezone.now()
    _counter["n"] += 1
    defaults = {
        "title": f"School improvement consultation {_counter['n']}",
        "slug": f"consultation-{_counter['n']}",
        "summary": "What members think about **school improvement** funding.",
        "background": "The background, in Markdown.",
        "consulting_body": ConsultingBody.DFE,
        "opens_at": now - timedelta(days=2),
        "closes_at": now + timedelta(days=10),
        "published_at": now - timedelta(days=3),
    }
    if phase == "draft":
        defaults["published_at"] = None
    elif phase == "scheduled":
        defaults["opens_at"] = now + timedelta(days=1)
    elif phase in ("closed", "outcome"):
        defaults["opens_at"] = now - timedelta(days=20)
        defaults["closes_at"] = now - timedelta(days=1)
        if phase == "outcome":
            defaults["outcome"] = "We told the Department what members said."
            defaults["outcome_published_at"] = now
    defaults.update(fields)
    consultation = Consultation.objects.create(**defaults)
    if questions:
        add_questions(consultation)
    return consultation


def add_questions(consultation: Consultation) -> dict[str, Question]:
    """One question of each type, in two sections, with a condition: Q3 shows if Q2 is Yes."""
    first = QuestionSection.objects.create(consultation=consultation, title="Your work", order=0)
    second = QuestionSection.objects.create(consultation=consultation, title="Funding", order=1)
    q = {}

    def add(key, section, kind, text, **extra):
        q[key] = Question.objects.create(
            consultation=consultation,
            section=section,
            order=len(q) + 1,
            kind=kind,
            text=text,
            **extra,
        )

    add(
        "role",
        first,
        QuestionKind.SINGLE_CHOICE,
        "Which best describes you?",
        required=True,
        options="Teacher\nLeader\nAdviser",
    )
    add("support", first, QuestionKind.YES_NO, "Have you had support?", required=True)
    add(
        "useful",
        first,
        QuestionKind.SCALE,
        "How useful was it?",
        required=True,
        scale_min_label="Not useful",
        scale_max_label="Very useful",
        condition_question=q["support"],
        condition_value="Yes",
    )
    add(
        "kinds",
        second,
        QuestionKind.MULTIPLE_CHOICE,
        "Which kinds of support help?",
        options="Mentoring\nData\nPeer review",
    )
    add("one_line", second, QuestionKind.SHORT_TEXT, "One thing to change?")
    add("story", second, QuestionKind.LONG_TEXT, "Tell us more", help_text="Examples help.")
    return q


def qs(consultation: Consultation) -> dict[str, Question]:
    keys = ["role", "support", "useful", "kinds", "one_line", "story"]
    ordered = list(consultation.questions.order_by("order"))
    return dict(zip(keys, ordered, strict=False))


def answers_for(q: dict[str, Question], **overrides) -> dict[int, object]:
    """A complete, valid set of answers (as the service takes them)."""
    values = {
        "role": "Teacher",
        "support": "Yes",
        "useful": "4",
        "kinds": ["Mentoring", "Data"],
        "one_line": "More time",
        "story": "A longer story about support.",
    }
    values.update(overrides)
    return {q[k].pk: v for k, v in values.items()}


def post_data(q: dict[str, Question], action: str = "submit", consent="named", **overrides):
    """The same answers as the member's browser would POST them."""
    data = {"action": action, "quote_consent": consent}
    for key, value in answers_for(q, **overrides).items():
        data[f"q{key}"] = value
    return data


@pytest.fixture
def teacher(db):
    """An active member: teacher, London (England), at a school."""
    return MembershipFactory(
        job_role=JobRole.TEACHER,
        employer=EmployerFactory(kind=EmployerKind.SCHOOL),
        region=region("london"),
    )


@pytest.fixture
def consultation(db):
    return make_consultation()
