"""Writes: members' responses, the consultation's lifecycle, analysts' tags, invitations and
reminders. Views, the admin and tasks all come through here."""

from __future__ import annotations

import logging
from datetime import timedelta

from django.db import transaction
from django.utils import timezone, translation
from django.utils.formats import date_format
from django.utils.translation import gettext_noop

from portal.accounts.models import User
from portal.accounts.selectors import membership_for
from portal.communications.notifications import absolute_url, notification_send
from portal.tasks import enqueue_on_commit

from . import rules, selectors
from .models import (
    AnalystTag,
    Answer,
    Consultation,
    ConsultationEvent,
    Phase,
    Question,
    QuestionKind,
    QuoteConsent,
    Response,
    ResponseStatus,
)

logger = logging.getLogger(__name__)

NOT_ELIGIBLE = gettext_noop("This consultation is not open to you.")
NOT_OPEN = gettext_noop("This consultation is not open for answers yet.")
CLOSED = gettext_noop("This consultation has closed: answers can no longer be saved or changed.")
INVALID_ANSWER = gettext_noop("One of the answers is not a possible answer to its question.")
INVALID_CONSENT = gettext_noop("Choose one of the options about quoting your answers.")
CONSENT_REQUIRED = gettext_noop("Tell us whether we may quote your answers.")
MISSING_ANSWERS = gettext_noop("Answer every required question to submit your response.")
QUESTIONS_LOCKED = (
    "The questions cannot be changed: members have already started answering this "
    "consultation, and changing a question would change what they answered."
)
ANONYMITY_LOCKED = (
    "Whether answers are anonymous cannot be changed once members have started answering."
)
OPEN_ONLY_DRAFT = "Only a draft can be opened."
OPEN_NEEDS_QUESTIONS = "Add at least one question before opening the consultation."
OPEN_CHOICES_NEED_OPTIONS = "Question {number} needs at least two options."
OPEN_BAD_CONDITION = (
    "Question {number} depends on a question that is not earlier in this consultation, "
    "or on an answer that question cannot have."
)
OPEN_BAD_DATES = "The closing time must be after the opening time and still to come."
CLOSE_ONLY_OPEN = "Only an open consultation can be closed."
OUTCOME_NEEDS_CLOSED = "The outcome can be published once the consultation has closed."
OUTCOME_NEEDS_TEXT = "Write what the union submitted before publishing the outcome."
SUBMIT_ONLY_DRAFT = "Only a draft that is not already in review can be submitted for review."
OPEN_NEEDS_REVIEW = "Submit the consultation for review first: another publisher then opens it."
OPEN_SELF_APPROVAL = (
    "You created, changed or submitted this consultation, so another publisher must check "
    "and open it."
)
NO_APPROVER = "Only a publisher can approve and open a consultation or publish its outcome."
PUBLISHED_FROZEN = (
    "This consultation is published: what members read cannot change. Only its closing time "
    "and its outcome can."
)
QUESTIONS_PUBLISHED = (
    "The questions cannot be changed: the consultation is published with the questions "
    "another publisher approved."
)
OUTCOME_SELF_APPROVAL = (
    "You wrote or changed this outcome, so another publisher must check and publish it."
)

# Two people for everything members read: whoever created, changed or submitted a
# consultation (its fields or its questions) cannot open it; whoever wrote its outcome
# cannot publish it. A change after submission returns it to draft; a change to a
# published outcome takes it back until someone else publishes it again.
EDIT_ACTIONS = ("created", "changed", "questions changed", "submitted for review")
OUTCOME_CHANGED = "outcome changed"
APPROVE_PERMISSION = "consultations.change_consultation"
MEMBER_FACING_FIELDS = frozenset(
    {
        "title",
        "slug",
        "summary",
        "background",
        "policy_areas",
        "consulting_body",
        "consulting_body_other",
        "external_url",
        "opens_at",
        "audience_section",
        "audience_nations",
        "audience_employer_kind",
        "anonymous",
    }
)
OUTCOME_FIELDS = frozenset({"outcome", "government_response"})

REMINDER_BEFORE = timedelta(days=3)


class ConsultationError(Exception):
    def __init__(self, message: str, *, problems: list[str] | None = None):
        super().__init__(message)
        self.message = message
        self.problems = problems or []


def _event(consultation: Consultation, action: str, *, by: User | None = None, detail=""):
    ConsultationEvent.objects.create(
        consultation=consultation, actor=by, action=action, detail=detail[:300]
    )


# ---------------------------------------------------------------- members' responses


def _allowed_consents(consultation: Consultation) -> set[str]:
    allowed = set(QuoteConsent.values)
    if consultation.anonymous:
        allowed.discard(QuoteConsent.NAMED)
    return allowed


def _write_answers(response: Response, questions, answers: rules.Answers) -> None:
    """Make the response's answer rows exactly `answers`, keeping rows that did not change
    (and so the tags analysts gave them)."""
    wanted: dict[tuple[int, str], str] = {}
    for q in questions:
        value = answers.get(q.pk)
        if rules.is_empty(value):
            continue
        if q.is_text:
            wanted[(q.pk, "")] = value.strip()
        elif q.kind == QuestionKind.MULTIPLE_CHOICE:
            for choice in value:
                wanted[(q.pk, choice)] = ""
        else:
            wanted[(q.pk, value)] = ""
    existing = {(a.question_id, a.choice): a for a in Answer.objects.filter(response=response)}
    stale = [a.pk for key, a in existing.items() if key not in wanted]
    if stale:
        Answer.objects.filter(pk__in=stale).delete()
    new = []
    for key, text in wanted.items():
        answer = existing.get(key)
        if answer is None:
            new.append(Answer(response=response, question_id=key[0], choice=key[1], text=text))
        elif answer.text != text:
            answer.text = text
            answer.save(update_fields=["text"])
    Answer.objects.bulk_create(new)


def response_save(
    *,
    consultation: Consultation,
    user: User,
    answers: rules.Answers,
    quote_consent: str = "",
    submit: bool = False,
    now=None,
    questions: list[Question] | None = None,
    language: str | None = None,
) -> Response:
    """Save a member's answers as a draft, or submit them. `language`: the language the
    member answered in (the current one unless given); the answers are kept as written.
    A submitted response stays submitted and can be changed until the consultation closes.
    Answers to questions that a condition hides are not saved. One response per member:
    the database enforces it.
    `questions`: the consultation's questions when the caller has just read them (the
    page has, to build its form); they cannot change once anyone has a response."""
    now = now or timezone.now()
    membership = membership_for(user)
    if not rules.is_in_audience(consultation, membership):
        raise ConsultationError(NOT_ELIGIBLE)
    with transaction.atomic():
        # The member's response, locked, with the consultation as it is now: one query
        # when the member has answered before.
        response = (
            Response.objects.select_for_update(of=("self",))
            .select_related("consultation")
            .filter(consultation_id=consultation.pk, user=user)
            .first()
        )
        if response is not None:
            consultation = response.consultation
        else:
            consultation = Consultation.objects.get(pk=consultation.pk)
        phase = consultation.phase(now)
        if phase != Phase.OPEN:
            raise ConsultationError(CLOSED if phase in (Phase.CLOSED, Phase.OUTCOME) else NOT_OPEN)
        if questions is None:
            questions = [nq.question for nq in selectors.numbered_questions(consultation)]
        known = {q.pk for q in questions}
        answers = {qid: v for qid, v in answers.items() if qid in known}
        if any(rules.invalid_value(q, answers.get(q.pk)) for q in questions):
            raise ConsultationError(INVALID_ANSWER)
        answers = rules.keep_visible(questions, answers)
        if quote_consent and quote_consent not in _allowed_consents(consultation):
            raise ConsultationError(INVALID_CONSENT)

        if response is None:
            response, _ = Response.objects.get_or_create(
                consultation=consultation, user=user, defaults={"created_at": now}
            )
            response = Response.objects.select_for_update().get(pk=response.pk)
        submitting = submit or response.status == ResponseStatus.SUBMITTED
        if submitting:
            missing = rules.missing_required(questions, answers)
            if missing:
                raise ConsultationError(MISSING_ANSWERS, problems=[q.text for q in missing])
            if not quote_consent:
                raise ConsultationError(CONSENT_REQUIRED)
        _write_answers(response, questions, answers)
        response.quote_consent = quote_consent
        response.updated_at = now
        response.language = "cy" if (language or translation.get_language()) == "cy" else "en-gb"
        fields = ["quote_consent", "updated_at", "language"]
        if submitting:
            if response.submitted_at is None:
                response.submitted_at = now
            response.status = ResponseStatus.SUBMITTED
            response.section = membership.section
            response.nation = membership.nation
            response.employer_kind = membership.employer.kind
            fields += ["status", "submitted_at", "section", "nation", "employer_kind"]
        response.save(update_fields=fields)
    return response


# ---------------------------------------------------------------- the lifecycle


def consultation_problems(consultation: Consultation) -> list[str]:
    """What stops a consultation from being opened: its questions must make sense."""
    numbered = selectors.numbered_questions(consultation)
    if not numbered:
        return [OPEN_NEEDS_QUESTIONS]
    problems = []
    position = {nq.question.pk: nq.number for nq in numbered}
    by_id = {nq.question.pk: nq.question for nq in numbered}
    for nq in numbered:
        q = nq.question
        if (
            q.kind in (QuestionKind.SINGLE_CHOICE, QuestionKind.MULTIPLE_CHOICE)
            and len(q.option_list) < 2
        ):
            problems.append(OPEN_CHOICES_NEED_OPTIONS.format(number=nq.number))
        if q.condition_question_id:
            target = by_id.get(q.condition_question_id)
            if (
                target is None
                or position[target.pk] >= nq.number
                or not any(
                    " ".join(o.split()).casefold() == " ".join(q.condition_value.split()).casefold()
                    for o in target.option_list
                )
            ):
                problems.append(OPEN_BAD_CONDITION.format(number=nq.number))
    return problems


def consultation_editors(consultation: Consultation) -> set[int]:
    """Everyone who created, changed or submitted the consultation or its questions."""
    ids = set(
        consultation.events.filter(action__in=EDIT_ACTIONS).values_list("actor_id", flat=True)
    )
    ids.add(consultation.submitted_by_id)
    return {i for i in ids if i}


def may_open(*, consultation: Consultation, user: User | None) -> str | None:
    """None when `user` may approve and open the consultation, otherwise why not."""
    if user is None or not user.has_perm(APPROVE_PERMISSION):
        return NO_APPROVER
    if user.pk in consultation_editors(consultation):
        return OPEN_SELF_APPROVAL
    return None


def _check_ready(consultation: Consultation, now) -> None:
    if consultation.closes_at <= now or consultation.closes_at <= consultation.opens_at:
        raise ConsultationError(OPEN_BAD_DATES)
    problems = consultation_problems(consultation)
    if problems:
        raise ConsultationError(problems[0], problems=problems)


def _return_to_draft(consultation: Consultation, *, by: User | None) -> None:
    """A change after submission: the review starts again (the caller saves)."""
    if consultation.published_at is None and consultation.submitted_at is not None:
        consultation.submitted_at = None
        consultation.submitted_by = None
        _event(consultation, "returned to draft", by=by, detail="changed after submission")


@transaction.atomic
def consultation_submit(*, consultation: Consultation, by: User, now=None) -> Consultation:
    """Ask another publisher to check a draft and open it."""
    now = now or timezone.now()
    consultation = Consultation.objects.select_for_update().get(pk=consultation.pk)
    if consultation.published_at is not None or consultation.submitted_at is not None:
        raise ConsultationError(SUBMIT_ONLY_DRAFT)
    _check_ready(consultation, now)
    consultation.submitted_at = now
    consultation.submitted_by = by
    consultation.save(update_fields=["submitted_at", "submitted_by", "updated_at"])
    _event(consultation, "submitted for review", by=by)
    return consultation


@transaction.atomic
def consultation_open(*, consultation: Consultation, by: User | None, now=None) -> Consultation:
    """Approve and publish a draft in review: members of its audience can answer between its
    opening and closing times. The approver is a publisher who neither created, changed nor
    submitted it. Invitations go out when it opens (see `consultation_send_invitations`)."""
    now = now or timezone.now()
    consultation = Consultation.objects.select_for_update().get(pk=consultation.pk)
    if consultation.published_at is not None:
        raise ConsultationError(OPEN_ONLY_DRAFT)
    if consultation.submitted_at is None:
        raise ConsultationError(OPEN_NEEDS_REVIEW)
    problem = may_open(consultation=consultation, user=by)
    if problem:
        raise ConsultationError(problem)
    _check_ready(consultation, now)
    consultation.published_at = now
    consultation.opened_by = by
    consultation.save(update_fields=["published_at", "opened_by", "updated_at"])
    _event(consultation, "opened", by=by)
    if consultation.opens_at <= now:
        enqueue_on_commit("consultations.tasks.send_invitations", consultation.pk)
    return consultation


@transaction.atomic
def consultation_close(*, consultation: Consultation, by: User | None, now=None) -> Consultation:
    """Close an open consultation now, before its closing time."""
    now = now or timezone.now()
    consultation = Consultation.objects.select_for_update().get(pk=consultation.pk)
    if consultation.phase(now) != Phase.OPEN:
        raise ConsultationError(CLOSE_ONLY_OPEN)
    consultation.closes_at = now
    consultation.save(update_fields=["closes_at", "updated_at"])
    _event(consultation, "closed early", by=by)
    return consultation


@transaction.atomic
def consultation_publish_outcome(
    *, consultation: Consultation, by: User | None, now=None
) -> Consultation:
    now = now or timezone.now()
    consultation = Consultation.objects.select_for_update().get(pk=consultation.pk)
    if consultation.phase(now) != Phase.CLOSED:
        raise ConsultationError(OUTCOME_NEEDS_CLOSED)
    if not consultation.outcome.strip():
        raise ConsultationError(OUTCOME_NEEDS_TEXT)
    if by is None or not by.has_perm(APPROVE_PERMISSION):
        raise ConsultationError(NO_APPROVER)
    writers = consultation.events.filter(action=OUTCOME_CHANGED).values_list("actor_id", flat=True)
    if by.pk in set(writers):
        raise ConsultationError(OUTCOME_SELF_APPROVAL)
    consultation.outcome_published_at = now
    consultation.save(update_fields=["outcome_published_at", "updated_at"])
    _event(consultation, "outcome published", by=by)
    return consultation


@transaction.atomic
def consultation_save(
    *, consultation: Consultation, by: User | None, changed: list[str] | None = None
) -> Consultation:
    """Create or change a consultation's own fields (the admin's form). Once published, what
    members read is frozen; a change in review returns it to draft; a change to a published
    outcome takes the outcome back until another publisher publishes it again."""
    changed = list(changed or [])
    creating = consultation.pk is None
    if not creating:
        stored = Consultation.objects.select_for_update().get(pk=consultation.pk)
        if stored.published_at is not None and MEMBER_FACING_FIELDS.intersection(changed):
            raise ConsultationError(PUBLISHED_FROZEN)
        if "anonymous" in changed and selectors.questions_locked(consultation):
            raise ConsultationError(ANONYMITY_LOCKED)
        for name in ("submitted_at", "submitted_by_id", "published_at", "opened_by_id"):
            setattr(consultation, name, getattr(stored, name))
        consultation.outcome_published_at = stored.outcome_published_at
        if changed:
            _return_to_draft(consultation, by=by)
        if OUTCOME_FIELDS.intersection(changed) and consultation.outcome_published_at:
            consultation.outcome_published_at = None
            _event(consultation, "outcome returned to review", by=by, detail="outcome changed")
    consultation.save()
    if creating or changed:
        _event(consultation, "created" if creating else "changed", by=by, detail=", ".join(changed))
    if OUTCOME_FIELDS.intersection(changed):
        _event(consultation, OUTCOME_CHANGED, by=by)
    return consultation


def questions_check_editable(*, consultation: Consultation) -> None:
    if Consultation.objects.filter(pk=consultation.pk, published_at__isnull=False).exists():
        raise ConsultationError(QUESTIONS_PUBLISHED)
    if selectors.questions_locked(consultation):
        raise ConsultationError(QUESTIONS_LOCKED)


@transaction.atomic
def questions_save(*, consultation: Consultation, by: User | None, save) -> None:
    """Run `save()` (the admin's question or section formset) for a consultation whose
    questions may still change, and record who changed them."""
    consultation = Consultation.objects.select_for_update().get(pk=consultation.pk)
    questions_check_editable(consultation=consultation)
    save()
    _event(consultation, "questions changed", by=by)
    if consultation.submitted_at is not None:
        _return_to_draft(consultation, by=by)
        consultation.save(update_fields=["submitted_at", "submitted_by", "updated_at"])


# ---------------------------------------------------------------- analysts' tags


@transaction.atomic
def answer_set_tags(*, answer: Answer, names: list[str], by: User | None) -> list[AnalystTag]:
    consultation_id = answer.response.consultation_id
    tags = [
        AnalystTag.objects.get_or_create(consultation_id=consultation_id, name=name)[0]
        for name in names
    ]
    answer.tags.set(tags)
    return tags


# ---------------------------------------------------------------- invitations, reminders


def _notification_context(consultation: Consultation) -> dict:
    closes = timezone.localtime(consultation.closes_at)
    return {
        "title": consultation.title,
        "closes": date_format(closes, "l j F Y, H:i"),
        "url": absolute_url(consultation.get_absolute_url()),
        "body": consultation.body_name,
    }


def _notify(consultation: Consultation, kind: str) -> int:
    context = _notification_context(consultation)
    sent = 0
    for user in (
        selectors.members_to_notify(consultation).only("pk", "email").iterator(chunk_size=500)
    ):
        notification_send(user=user, kind=kind, context=context)
        sent += 1
    return sent


def consultation_send_invitations(*, consultation: Consultation, now=None) -> int:
    """Invite every eligible member who has not submitted a response, once per consultation
    (a second call sends nothing). Returns how many were invited. The emails go out after
    the transaction commits, through the communications notification path."""
    now = now or timezone.now()
    with transaction.atomic():
        consultation = Consultation.objects.select_for_update().get(pk=consultation.pk)
        if consultation.phase(now) != Phase.OPEN or consultation.invitations_sent_at:
            return 0
        consultation.invitations_sent_at = now
        consultation.save(update_fields=["invitations_sent_at"])
        sent = _notify(consultation, "consultation_invitation")
        _event(consultation, "invitations sent", detail=f"{sent} members")
    logger.info("consultation %s: %s invitations", consultation.pk, sent)
    return sent


def consultation_send_reminders(*, consultation: Consultation, now=None) -> int:
    """Remind eligible members who have not submitted (drafts included) that it closes
    soon; once per consultation, only while it is open. Returns how many were reminded."""
    now = now or timezone.now()
    with transaction.atomic():
        consultation = Consultation.objects.select_for_update().get(pk=consultation.pk)
        if consultation.phase(now) != Phase.OPEN or consultation.reminders_sent_at:
            return 0
        consultation.reminders_sent_at = now
        consultation.save(update_fields=["reminders_sent_at"])
        sent = _notify(consultation, "consultation_reminder")
        _event(consultation, "reminders sent", detail=f"{sent} members")
    logger.info("consultation %s: %s reminders", consultation.pk, sent)
    return sent


def consultations_send_due_notifications(*, now=None) -> dict[str, int]:
    """The periodic sweep: invitations for consultations that have opened, reminders for
    those closing within REMINDER_BEFORE. Safe to run as often as wanted."""
    now = now or timezone.now()
    invited = reminded = 0
    open_now = Consultation.objects.filter(selectors.open_q(now))
    for consultation in open_now.filter(invitations_sent_at__isnull=True):
        invited += consultation_send_invitations(consultation=consultation, now=now)
    for consultation in open_now.filter(
        reminders_sent_at__isnull=True, closes_at__lte=now + REMINDER_BEFORE
    ):
        reminded += consultation_send_reminders(consultation=consultation, now=now)
    return {"invited": invited, "reminded": reminded}
