"""Reads: who may see which consultation, a member's lists, and the results for staff.

`consultation_for_viewer` is the one access check of the member pages: an unknown slug, a
draft, and a consultation outside the member's audience all give the same 404.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass, field
from itertools import combinations
from typing import Any

from django.db.models import CharField, Count, F, OuterRef, Q, QuerySet, Subquery, Value
from django.db.models.functions import MD5, Cast, Concat
from django.http import Http404
from django.utils import timezone

from portal.accounts.choices import EmployerKind, MembershipStatus, Nation, Section
from portal.accounts.models import Membership, User
from portal.accounts.selectors import membership_for
from portal.db_router import replica_reads

from . import rules
from .models import (
    MIN_GROUP_SIZE,
    Answer,
    Consultation,
    Phase,
    Question,
    QuestionKind,
    QuestionSection,
    Response,
    ResponseStatus,
)

CLOSED_LIST_LIMIT = 20
SEED_BYTES = 16


@dataclass(frozen=True)
class NumberedQuestion:
    number: int
    question: Question


def numbered_questions(consultation: Consultation) -> list[NumberedQuestion]:
    """Questions in the order members see them: by section, then by their own order."""
    questions = list(Question.objects.filter(consultation=consultation).select_related("section"))
    questions.sort(
        key=lambda q: (
            (q.section.order, q.section_id) if q.section_id else (-1, 0),
            q.order,
            q.pk,
        )
    )
    return [NumberedQuestion(i, q) for i, q in enumerate(questions, start=1)]


def can_preview(user) -> bool:
    return bool(
        user.is_authenticated and user.is_staff and user.has_perm("consultations.view_consultation")
    )


def open_q(now=None) -> Q:
    now = now or timezone.now()
    return Q(
        published_at__isnull=False,
        outcome_published_at__isnull=True,
        opens_at__lte=now,
        closes_at__gt=now,
    )


@dataclass
class Viewer:
    """What one person may do with one consultation."""

    consultation: Consultation
    membership: Membership | None
    eligible: bool
    preview: bool  # staff looking at a consultation they could not answer


def has_public_summary(consultation: Consultation, *, now=None) -> bool:
    """An open consultation for all members (no section, nation or employer type set) shows
    its summary to anyone, visitors included, so that people can see what the union asks
    its members. A consultation limited to an audience is invisible outside it."""
    return (
        consultation.phase(now) == Phase.OPEN
        and not consultation.audience_section
        and not consultation.audience_nations
        and not consultation.audience_employer_kind
    )


def consultation_for_viewer(user, slug: str, *, now=None) -> Viewer:
    """One rule for everyone: members of the audience answer; staff preview; anyone else,
    visitor or member (a visitor is outside every audience), sees the public summary of an
    open all-members consultation and gets 404 for every other consultation, the same 404
    as a slug that does not exist."""
    # Its policy areas are read by the page that shows them, not before a form's redirect.
    consultation = Consultation.objects.filter(slug=slug).first()
    if consultation is None:
        raise Http404
    membership = membership_for(user) if user.is_authenticated else None
    eligible = rules.is_in_audience(consultation, membership)
    phase = consultation.phase(now)
    staff = can_preview(user)
    if phase in (Phase.DRAFT, Phase.SCHEDULED):
        if not staff:
            raise Http404
        return Viewer(consultation, membership, eligible, preview=True)
    if eligible:
        return Viewer(consultation, membership, True, preview=False)
    if staff:
        return Viewer(consultation, membership, False, preview=True)
    if has_public_summary(consultation, now=now):
        return Viewer(consultation, membership, False, preview=False)
    raise Http404


@dataclass
class MemberListing:
    consultation: Consultation
    response_status: str | None = None
    submitted_at: Any = None


@dataclass
class MemberLists:
    open: list[MemberListing] = field(default_factory=list)
    closed: list[MemberListing] = field(default_factory=list)


def consultations_for_member(user: User, *, now=None) -> MemberLists:
    """Open consultations the member may answer, and the closed ones they could have, each
    with the state of the member's own response. Three queries, whatever the numbers."""
    now = now or timezone.now()
    membership = membership_for(user)
    lists = MemberLists()
    if membership is None:
        return lists
    candidates = [
        c
        for c in Consultation.objects.filter(published_at__isnull=False, opens_at__lte=now)
        .order_by("closes_at")
        .defer("background", "outcome")
        if rules.is_in_audience(c, membership)
    ]
    responses = {
        r["consultation_id"]: r
        for r in Response.objects.filter(
            user=user, consultation_id__in=[c.pk for c in candidates]
        ).values("consultation_id", "status", "submitted_at")
    }
    for c in candidates:
        r = responses.get(c.pk, {})
        item = MemberListing(c, r.get("status"), r.get("submitted_at"))
        if c.phase(now) == Phase.OPEN:
            lists.open.append(item)
        else:
            lists.closed.append(item)
    lists.closed.sort(key=lambda i: i.consultation.closes_at, reverse=True)
    lists.closed = lists.closed[:CLOSED_LIST_LIMIT]
    return lists


def consultations_open_to_visitors(*, now=None) -> QuerySet[Consultation]:
    """Open consultations for all members: the ones whose summary is public (see
    `has_public_summary`)."""
    return (
        Consultation.objects.filter(open_q(now))
        .filter(audience_section="", audience_nations=[], audience_employer_kind="")
        .order_by("closes_at")
    )


def member_response(user: User, consultation: Consultation) -> Response | None:
    if not user.is_authenticated:
        return None
    # The answers are read by `response_answers`, only when a page shows them.
    return Response.objects.filter(user=user, consultation=consultation).first()


def response_answers(response: Response | None) -> rules.Answers:
    """A saved response as the answers dict the form and the rules use."""
    answers: rules.Answers = {}
    if response is None:
        return answers
    for a in response.answers.all():
        if a.text:
            answers[a.question_id] = a.text
        elif a.choice:
            existing = answers.get(a.question_id)
            if isinstance(existing, list):
                existing.append(a.choice)
            else:
                answers[a.question_id] = [a.choice]
    return answers


def form_initial(questions: list[NumberedQuestion], answers: rules.Answers) -> dict:
    initial = {}
    for nq in questions:
        q = nq.question
        value = answers.get(q.pk)
        if value is None:
            continue
        if q.kind != QuestionKind.MULTIPLE_CHOICE and isinstance(value, list):
            value = value[0] if value else ""
        initial[f"q{q.pk}"] = value
    return initial


def eligible_memberships(consultation: Consultation) -> QuerySet[Membership]:
    """Active members in the consultation's audience."""
    members = Membership.objects.filter(status=MembershipStatus.ACTIVE)
    if consultation.audience_section:
        members = members.filter(section=consultation.audience_section)
    if consultation.audience_nations:
        members = members.filter(nation__in=consultation.audience_nations)
    if consultation.audience_employer_kind:
        members = members.filter(employer__kind=consultation.audience_employer_kind)
    return members


def members_to_notify(consultation: Consultation) -> QuerySet[User]:
    """Eligible members who have not submitted a response (drafts count as not submitted)."""
    submitted = Response.objects.filter(
        consultation=consultation, status=ResponseStatus.SUBMITTED
    ).values("user_id")
    return (
        User.objects.filter(
            is_active=True, membership__in=eligible_memberships(consultation).values("pk")
        )
        .exclude(pk__in=submitted)
        .order_by("pk")
    )


def questions_locked(consultation: Consultation) -> bool:
    """Questions cannot change once anyone has a response, even a draft."""
    return consultation.pk is not None and consultation.responses.exists()


def open_consultations_for_member(user: User, *, now=None) -> list[MemberListing]:
    """The open consultations the member may answer, each with the state of their own
    response: one query, and only open ones (the closed ones grow with the years)."""
    now = now or timezone.now()
    membership = membership_for(user)
    if membership is None:
        return []
    own = Response.objects.filter(user=user, consultation=OuterRef("pk"))
    consultations = (
        Consultation.objects.filter(open_q(now))
        .order_by("closes_at")
        .only(
            "pk",
            "title",
            "slug",
            "closes_at",
            "audience_section",
            "audience_nations",
            "audience_employer_kind",
        )
        .annotate(
            own_status=Subquery(own.values("status")[:1]),
            own_submitted_at=Subquery(own.values("submitted_at")[:1]),
        )
    )
    return [
        MemberListing(c, c.own_status, c.own_submitted_at)
        for c in consultations
        if rules.is_in_audience(c, membership)
    ]


def dashboard_items(user: User, *, now=None) -> dict | None:
    listings = open_consultations_for_member(user, now=now)
    not_started = [i for i in listings if i.response_status is None]
    drafts = [i for i in listings if i.response_status == ResponseStatus.DRAFT]
    if not not_started and not drafts:
        return None
    return {"not_started": not_started, "drafts": drafts}


# ---------------------------------------------------------------- results for staff

GROUPINGS = {
    "section": ("Section", Section),
    "nation": ("Nation", Nation),
    "employer_kind": ("Employer type", EmployerKind),
}


@dataclass
class OptionResult:
    value: str
    label: str
    count: int | None  # None: not shown (see `consultation_results`)
    percent: float | None


@dataclass
class QuestionResult:
    number: int
    question: Question
    answered: int | None  # None: not shown
    suppressed: bool
    options: list[OptionResult] = field(default_factory=list)


@dataclass
class GroupCount:
    label: str
    count: int | None  # None: not shown


@dataclass
class Results:
    consultation: Consultation
    filters: dict[str, str]
    respondents: int | None  # None: not shown
    suppressed: bool
    questions: list[QuestionResult]
    groups: dict[str, tuple[str, list[GroupCount]]]
    sections: list[QuestionSection]
    drafts: int | None = None  # None: not shown

    @property
    def min_group(self) -> int:
        return MIN_GROUP_SIZE


def submitted_responses(consultation: Consultation, filters: dict[str, str] | None = None):
    return Response.objects.filter(
        consultation=consultation, status=ResponseStatus.SUBMITTED, **(filters or {})
    )


@dataclass
class _Tally:
    """Every count the results could show for one selection of respondents."""

    respondents: int
    answered: dict[int, int]
    choices: dict[tuple[int, str], int]
    groups: dict[tuple[str, str], int]


def _tally(consultation: Consultation, filters: dict[str, str]) -> _Tally:
    base = submitted_responses(consultation, filters)
    answered = dict(
        Answer.objects.filter(response__in=base)
        .values_list("question_id")
        .annotate(n=Count("response_id", distinct=True))
        .order_by()
    )
    choices = {
        (qid, choice): n
        for qid, choice, n in Answer.objects.filter(
            response__in=base, question__consultation=consultation
        )
        .exclude(choice="")
        .values_list("question_id", "choice")
        .annotate(n=Count("response_id", distinct=True))
        .order_by()
    }
    groups = {}
    for name in GROUPINGS:
        for value, n in base.values_list(name).annotate(n=Count("pk")).order_by():
            groups[(name, value)] = n
    return _Tally(base.count(), answered, choices, groups)


def _parent_filters(filters: dict[str, str]) -> list[dict[str, str]]:
    """Every wider selection: the filters with one or more left out, down to everyone."""
    items = sorted(filters.items())
    return [dict(subset) for size in range(len(items)) for subset in combinations(items, size)]


class _Shown:
    """Decides which counts of a selection may be shown. A count is shown only when it is
    at least MIN_GROUP_SIZE and, in every wider selection (the unfiltered whole included),
    the same count minus this one is 0 or at least MIN_GROUP_SIZE: so that comparing two
    selections side by side never reveals a group smaller than that."""

    def __init__(self, tally: _Tally, parents: list[_Tally]):
        self.tally, self.parents = tally, parents

    def ok(self, value: int, in_parent) -> bool:
        if value < MIN_GROUP_SIZE:
            return False
        for parent in self.parents:
            rest = in_parent(parent) - value
            if 0 < rest < MIN_GROUP_SIZE:
                return False
        return True


def _protect_table(cells: list[int], shown: list[bool]) -> list[bool]:
    """Secondary suppression in a table whose cells add up to a shown total: while the hidden
    cells add up to a number between 1 and MIN_GROUP_SIZE - 1 (which the total minus the
    shown cells would reveal), hide the smallest shown cell too."""
    shown = list(shown)
    while True:
        hidden = sum(c for c, s in zip(cells, shown, strict=True) if not s)
        if not any(not s for s in shown) or hidden == 0 or hidden >= MIN_GROUP_SIZE:
            return shown
        candidates = [i for i, s in enumerate(shown) if s]
        if not candidates:
            return shown
        shown[min(candidates, key=lambda i: cells[i])] = False


def consultation_results(
    consultation: Consultation, *, filters: dict[str, str] | None = None
) -> Results:
    """See _consultation_results; read from the replica when there is one (results are
    counted from submitted responses, a few seconds' lag changes nothing)."""
    with replica_reads():
        return _consultation_results(consultation, filters=filters)


def _consultation_results(
    consultation: Consultation, *, filters: dict[str, str] | None = None
) -> Results:
    """Counts and percentages of every choice, Yes/No and scale question, among submitted
    responses in the selection. No count under MIN_GROUP_SIZE is shown, nor one whose
    difference from the same count in a wider selection (the unfiltered whole included) is
    under it; a selection whose number of respondents cannot be shown shows nothing. A fixed
    number of queries (four per selection compared: at most eight selections)."""
    filters = filters or {}
    numbered = numbered_questions(consultation)
    tally = _tally(consultation, filters)
    shown = _Shown(tally, [_tally(consultation, p) for p in _parent_filters(filters)])
    respondents_ok = shown.ok(tally.respondents, lambda t: t.respondents)
    suppressed = not respondents_ok
    results = []
    for nq in numbered:
        q = nq.question
        n = tally.answered.get(q.pk, 0)
        answered_ok = respondents_ok and shown.ok(n, lambda t, q=q: t.answered.get(q.pk, 0))
        item = QuestionResult(nq.number, q, n if answered_ok else None, not answered_ok)
        if q.is_counted and answered_ok:
            values = q.option_list + [
                v for (qid, v) in tally.choices if qid == q.pk and v not in q.option_list
            ]
            cells = [tally.choices.get((q.pk, v), 0) for v in values]
            ok = [
                shown.ok(c, lambda t, q=q, v=v: t.choices.get((q.pk, v), 0))
                for c, v in zip(cells, values, strict=True)
            ]
            if q.kind != QuestionKind.MULTIPLE_CHOICE:
                ok = _protect_table(cells, ok)
            item.options = [
                OptionResult(
                    v,
                    q.option_label(v),
                    c if good else None,
                    round(100 * c / n, 1) if good else None,
                )
                for v, c, good in zip(values, cells, ok, strict=True)
            ]
        results.append(item)
    groups = {}
    for name, (label, choices) in GROUPINGS.items():
        present = [c for c in choices if tally.groups.get((name, c.value))]
        cells = [tally.groups[(name, c.value)] for c in present]
        ok = [
            respondents_ok
            and shown.ok(n, lambda t, name=name, c=c: t.groups.get((name, c.value), 0))
            for n, c in zip(cells, present, strict=True)
        ]
        ok = _protect_table(cells, ok)
        groups[name] = (
            label,
            [
                GroupCount(c.label, n if good else None)
                for c, n, good in zip(present, cells, ok, strict=True)
            ],
        )
    drafts = Response.objects.filter(consultation=consultation, status=ResponseStatus.DRAFT).count()
    return Results(
        consultation,
        filters,
        tally.respondents if respondents_ok else None,
        suppressed,
        results,
        groups,
        list(consultation.sections.all()),
        drafts if drafts >= MIN_GROUP_SIZE else None,
    )


def text_answers(
    consultation: Consultation,
    question: Question,
    *,
    filters: dict[str, str] | None = None,
    tag: str = "",
    seed: str = "",
) -> QuerySet[Answer]:
    """Free-text answers to one question among submitted responses. In an anonymous
    consultation they come shuffled by `seed` (a new random one for each visit, kept only
    across its pages), so that their order says nothing about who or when and is not the
    same from one look to the next."""
    answers = (
        Answer.objects.filter(
            question=question,
            response__consultation=consultation,
            response__status=ResponseStatus.SUBMITTED,
            **{f"response__{k}": v for k, v in (filters or {}).items()},
        )
        .exclude(text="")
        .annotate(quote_consent=F("response__quote_consent"))
        .prefetch_related("tags")
    )
    if tag:
        answers = answers.filter(tags__name=tag)
    if consultation.anonymous:
        shuffle = MD5(Concat(Value(seed or new_shuffle_seed()), Cast("id", CharField())))
        return answers.only("id", "text", "question_id").order_by(shuffle, "id")
    return answers.select_related("response__user").order_by("response__submitted_at", "id")


def new_shuffle_seed() -> str:
    return secrets.token_hex(SEED_BYTES)
