"""The exports staff take away: every submitted response as CSV, and a PDF report of the
results to draft the union's own response from. Both honour what each member said about
quoting them, and in an anonymous consultation neither says who answered (nor anything that
would narrow it down: no times, no section, nation or employer type per row)."""

from __future__ import annotations

import csv
import io
import random

from django.conf import settings
from django.template.loader import render_to_string
from django.utils import timezone

from portal.db_router import replica_reads
from portal.pdf import html_to_pdf

from . import selectors
from .models import MIN_GROUP_SIZE, Answer, Consultation, QuestionKind, QuoteConsent, Response

QUOTES_PER_QUESTION = 12
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def safe_cell(value) -> str:
    """A cell a spreadsheet will show as text, never run as a formula."""
    text = "" if value is None else str(value)
    return "'" + text if text.startswith(_FORMULA_START) else text


def quote_as(response: Response, consultation: Consultation) -> str:
    if response.quote_consent == QuoteConsent.NAMED and not consultation.anonymous:
        return response.user.get_full_name() or "A member"
    if response.quote_consent in (QuoteConsent.NAMED, QuoteConsent.ANONYMOUS):
        return "A member (not named)"
    return "Do not quote"


# Exports read from the replica when there is one: submitted responses, lag changes nothing.
@replica_reads()
def responses_csv(consultation: Consultation) -> str:
    if consultation.anonymous:
        return anonymous_answers_csv(consultation)
    numbered = selectors.numbered_questions(consultation)
    responses = list(
        selectors.submitted_responses(consultation)
        .select_related("user")
        .order_by("submitted_at", "pk")
    )
    answers: dict[int, dict[int, list[Answer]]] = {}
    for a in (
        Answer.objects.filter(response__in=[r.pk for r in responses])
        .prefetch_related("tags")
        .order_by("pk")
    ):
        answers.setdefault(a.response_id, {}).setdefault(a.question_id, []).append(a)

    header = ["Response", "Submitted", "Respondent", "Section", "Nation", "Employer type"]
    header += ["May we quote", "Quote as"]
    for nq in numbered:
        header.append(f"Q{nq.number}. {nq.question.text}")
        if nq.question.is_text:
            header.append(f"Q{nq.number} tags")

    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow([safe_cell(h) for h in header])
    for row_number, r in enumerate(responses, start=1):
        row = [
            row_number,
            timezone.localtime(r.submitted_at).strftime("%Y-%m-%d %H:%M"),
            r.user.get_full_name() if r.quote_consent == QuoteConsent.NAMED else "",
            r.get_section_display(),
            r.get_nation_display(),
            r.get_employer_kind_display(),
        ]
        row += [r.get_quote_consent_display(), quote_as(r, consultation)]
        mine = answers.get(r.pk, {})
        for nq in numbered:
            q = nq.question
            given = mine.get(q.pk, [])
            if q.is_text:
                row.append(given[0].text if given else "")
                row.append(", ".join(t.name for t in given[0].tags.all()) if given else "")
            elif q.kind == QuestionKind.MULTIPLE_CHOICE:
                row.append("; ".join(a.choice for a in given))
            else:
                row.append(given[0].choice if given else "")
        writer.writerow([safe_cell(c) for c in row])
    return out.getvalue()


ANONYMOUS_HEADER = ["Question number", "Question", "Answer", "Tags", "May we quote"]
MAY_QUOTE = "Yes, without a name"
DO_NOT_QUOTE = "No"
CONSENT_WITHHELD = "Do not quote (too few answered either way to say)"


@replica_reads()
def anonymous_answers_csv(consultation: Consultation) -> str:
    """An anonymous consultation's export: one row per answer, not per person, with nothing
    that links two rows to the same respondent (no response number, no time, no group, rows
    shuffled within each question). Quoting consent is given only when both those who allow
    quoting and those who do not number at least MIN_GROUP_SIZE; otherwise the column would
    pick out the few and join their answers. Nothing when fewer than that responded."""
    numbered = selectors.numbered_questions(consultation)
    submitted = selectors.submitted_responses(consultation)
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(ANONYMOUS_HEADER)
    if submitted.count() < MIN_GROUP_SIZE:
        return out.getvalue()
    quotable = {QuoteConsent.NAMED, QuoteConsent.ANONYMOUS}
    consents = list(submitted.values_list("quote_consent", flat=True))
    may = sum(1 for c in consents if c in quotable)
    say_consent = min(may, len(consents) - may) == 0 or (
        min(may, len(consents) - may) >= MIN_GROUP_SIZE
    )
    grouped: dict[tuple[int, int], list[Answer]] = {}
    for a in (
        Answer.objects.filter(response__in=submitted)
        .select_related("response")
        .prefetch_related("tags")
        .only("id", "question_id", "response_id", "choice", "text", "response__quote_consent")
    ):
        grouped.setdefault((a.question_id, a.response_id), []).append(a)
    by_question: dict[int, list[list[Answer]]] = {}
    for (question_id, _), given in grouped.items():
        by_question.setdefault(question_id, []).append(given)
    shuffle = random.SystemRandom().shuffle
    for nq in numbered:
        q = nq.question
        rows = by_question.get(q.pk, [])
        shuffle(rows)
        for given in rows:
            if q.is_text:
                answer = given[0]
                consent = answer.response.quote_consent
                quote = (
                    (MAY_QUOTE if consent in quotable else DO_NOT_QUOTE)
                    if say_consent
                    else CONSENT_WITHHELD
                )
                row = [nq.number, q.text, answer.text, ", ".join(t.name for t in answer.tags.all())]
                row.append(quote)
            else:
                choices = sorted(a.choice for a in given)
                row = [nq.number, q.text, "; ".join(choices), "", ""]
            writer.writerow([safe_cell(c) for c in row])
    return out.getvalue()


def quotable_answers(consultation: Consultation, results: selectors.Results) -> dict[int, list]:
    """Per free-text question, answers whose authors let the union quote them, with how to
    attribute each. Nothing when the selection is too small to show."""
    if results.suppressed:
        return {}
    if consultation.anonymous and results.filters:
        # Written answers of an anonymous consultation are never shown by group: lists from
        # two groups side by side would single out who wrote what.
        return {}
    quotes: dict[int, list] = {}
    for item in results.questions:
        q = item.question
        if not q.is_text or item.suppressed:
            continue
        answers = (
            selectors.text_answers(consultation, q, filters=results.filters)
            .filter(response__quote_consent__in=[QuoteConsent.NAMED, QuoteConsent.ANONYMOUS])
            .select_related(None if consultation.anonymous else "response__user")
        )[:QUOTES_PER_QUESTION]
        quotes[q.pk] = [
            {"text": a.text, "by": quote_as(a.response, consultation)}
            if not consultation.anonymous
            else {"text": a.text, "by": "A member (not named)"}
            for a in answers
        ]
    return quotes


def results_pdf(consultation: Consultation, results: selectors.Results, *, filter_labels) -> bytes:
    quotes = quotable_answers(consultation, results)
    html = render_to_string(
        "consultations/report.html",
        {
            "consultation": consultation,
            "results": results,
            "quotes": quotes,
            "filter_labels": filter_labels,
            "generated_at": timezone.localtime(),
            "union_name": settings.PORTAL_UNION_NAME,
        },
    )
    return html_to_pdf(html)
