"""Letters from templates staff maintain: the fields a letter may name, their values for one
case, and the PDF on the union's letterhead.

The fields are filled in by the same mechanism as communications' (plain string replacement
through `portal.communications.rendering`, never a template language), with the letter's own
list of fields: anything else that looks like a field is refused, when a template is saved
and again when a letter is filed.
"""

from __future__ import annotations

from datetime import date

from django.conf import settings
from django.core.exceptions import ValidationError
from django.template.loader import render_to_string
from django.utils import timezone

from portal.accounts.models import Membership, User
from portal.accounts.roles import Role
from portal.communications.rendering import fill_fields, unknown_fields
from portal.pdf import html_to_pdf

from .models import Case, LetterKind

LETTER_FIELDS = (
    "member_name",
    "membership_number",
    "employer_name",
    "employer_address",
    "case_reference",
    "today",
    "hearing_date",
    "officer_name",
)
UNKNOWN_LETTER_FIELD = (
    "A letter can fill in only {member_name}, {membership_number}, {employer_name}, "
    "{employer_address}, {case_reference}, {today}, {hearing_date} and {officer_name}. "
    "Correct or remove: %(fields)s."
)
LETTER_BODY_REQUIRED = "Write the letter."
LETTER_TOO_LONG = "A letter can be at most %(limit)s characters."
NO_HEARING_DATE = "[no meeting or hearing date on the case]"
MAX_LETTER_CHARS = 20000


def british_date(value: date) -> str:
    return f"{value.day} {value:%B %Y}"


def letter_field_problem(text: str) -> str | None:
    """Why `text` may not be a letter (a field that is not a letter's), or None."""
    bad = unknown_fields(text, LETTER_FIELDS)
    if bad:
        return UNKNOWN_LETTER_FIELD % {"fields": ", ".join(bad)}
    return None


def officer_title(user: User) -> str:
    names = set(user.groups.values_list("name", flat=True))
    for role in (Role.CASEWORK_MANAGER, Role.LEAD_OFFICER, Role.CASEWORKER):
        if role in names:
            return role
    return "Officer"


def _one_line(value) -> str:
    return " ".join(str(value or "").split())


def letter_values(*, case: Case, officer: User, today: date | None = None) -> dict[str, str]:
    """The value of every letter field for `case`, written by `officer`."""
    today = today or timezone.localdate()
    membership = (
        Membership.objects.filter(user_id=case.member_id).select_related("user", "employer").first()
    )
    employer = case.employer or (membership.employer if membership else None)
    member = membership.user if membership else case.member
    return {
        "member_name": _one_line(member.get_full_name() if member else ""),
        "membership_number": _one_line(membership.number if membership else ""),
        "employer_name": _one_line(employer.name if employer else ""),
        "employer_address": _one_line(employer.town if employer else ""),
        "case_reference": case.reference or "",
        "today": british_date(today),
        "hearing_date": british_date(case.hearing_date) if case.hearing_date else NO_HEARING_DATE,
        "officer_name": _one_line(officer.get_full_name() or officer.email),
    }


def letter_text(*, case: Case, officer: User, body: str, today: date | None = None) -> str:
    """The letter's text with its fields filled in; ValidationError if it is empty, too long
    or names a field a letter may not."""
    body = (body or "").replace("\r\n", "\n").strip()
    if not body:
        raise ValidationError(LETTER_BODY_REQUIRED)
    if len(body) > MAX_LETTER_CHARS:
        raise ValidationError(LETTER_TOO_LONG % {"limit": MAX_LETTER_CHARS})
    problem = letter_field_problem(body)
    if problem:
        raise ValidationError(problem)
    return fill_fields(body, letter_values(case=case, officer=officer, today=today))


def letter_pdf(*, case: Case, officer: User, title: str, text: str) -> bytes:
    """The letter on the union's letterhead (tagged PDF)."""
    address = getattr(settings, "PORTAL_UNION_ADDRESS", "")
    html = render_to_string(
        "casework/letter.html",
        {
            "title": title,
            "text": text,
            "reference": case.reference,
            "today": british_date(timezone.localdate()),
            "union_name": getattr(settings, "PORTAL_UNION_NAME", "Education Union"),
            "union_address": [line for line in address.splitlines() if line.strip()],
            "officer_name": officer.get_full_name() or officer.email,
            "officer_title": officer_title(officer),
        },
    )
    return html_to_pdf(html)


def letter_file_name(title: str, reference: str | None) -> str:
    stem = "".join(c if c.isalnum() else "-" for c in title.lower()).strip("-")
    stem = "-".join(part for part in stem.split("-") if part)[:60] or "letter"
    return f"{reference or 'case'}-{stem}.pdf"


# --- The four standard letters ---------------------------------------------------------------

STANDARD_TEMPLATES = [
    (
        "Invitation to a meeting",
        LetterKind.MEETING_INVITATION,
        "Dear {member_name},\n\n"
        "Thank you for contacting the union about your case. I would like to meet you to go "
        "through what has happened, look at any documents you have and agree how we will "
        "prepare for the meeting or hearing with your employer, which is currently set for "
        "{hearing_date}.\n\n"
        "Please bring with you any letters you have received from {employer_name}, your "
        "contract of employment, and any notes or messages that you think are relevant. If "
        "the date or time I suggest is not convenient, please let me know as soon as possible "
        "so that we can find another.\n\n"
        "Everything you tell me will be treated in confidence and used only to represent you. "
        "If you write to me, please quote our reference {case_reference}.\n\n"
        "Yours sincerely,",
    ),
    (
        "Grievance",
        LetterKind.GRIEVANCE,
        "{employer_name}\n{employer_address}\n\n"
        "Dear Sir or Madam,\n\n"
        "Formal grievance: {member_name}\n\n"
        "I write on behalf of our member, {member_name}, to raise a formal grievance under "
        "your grievance procedure and in line with the ACAS Code of Practice on Disciplinary "
        "and Grievance Procedures.\n\n"
        "[Set out the grievance: what happened, when, who was involved, and how it has "
        "affected our member.]\n\n"
        "Our member would like the following outcome: [the outcome sought].\n\n"
        "Please arrange a grievance meeting without unreasonable delay. Our member has the "
        "statutory right to be accompanied at that meeting, and I will accompany them. Please "
        "send the invitation to our member and to me, quoting our reference {case_reference}, "
        "together with any documents you intend to rely on.\n\n"
        "Yours faithfully,",
    ),
    (
        "Appeal",
        LetterKind.APPEAL,
        "{employer_name}\n{employer_address}\n\n"
        "Dear Sir or Madam,\n\n"
        "Appeal: {member_name}\n\n"
        "I write on behalf of our member, {member_name}, to give notice that they appeal "
        "against the decision communicated to them on [date of the decision].\n\n"
        "The grounds of appeal are:\n\n"
        "1. [The procedure followed was unfair because …]\n"
        "2. [The decision was not supported by the evidence because …]\n"
        "3. [The outcome was too severe in all the circumstances because …]\n\n"
        "We ask that the appeal is heard by a manager who has not been involved in the matter "
        "so far, and that our member and I are given at least five working days' notice of the "
        "appeal hearing, with copies of all the papers to be considered. Please quote our "
        "reference {case_reference} in any reply.\n\n"
        "Yours faithfully,",
    ),
    (
        "Subject access request to an employer",
        LetterKind.SUBJECT_ACCESS_REQUEST,
        "{employer_name}\n{employer_address}\n\n"
        "Dear Data Protection Officer,\n\n"
        "Subject access request: {member_name}\n\n"
        "I write on behalf of our member, {member_name}, who has authorised the union to make "
        "this request. Under Article 15 of the UK General Data Protection Regulation and the "
        "Data Protection Act 2018, our member asks for a copy of all the personal data you "
        "hold about them, including emails, notes of meetings, investigation records, and "
        "references to them in documents held by managers and governors.\n\n"
        "Please also confirm the purposes for which the data is processed, who it has been "
        "shared with, how long it will be kept, and where it came from if not from our "
        "member.\n\n"
        "You must respond without undue delay and within one month of receiving this request. "
        "Please send the information to our member, and a copy to me if they agree, quoting "
        "our reference {case_reference}.\n\n"
        "Yours faithfully,",
    ),
]


def letter_templates_seed(model=None) -> int:
    """Create the four standard templates that do not exist yet (by title); return how many
    were made. `model` is the historical model in a migration."""
    if model is None:
        from .models import LetterTemplate as model
    made = 0
    for title, kind, body in STANDARD_TEMPLATES:
        _, created = model.objects.get_or_create(
            title=title,
            defaults={"kind": kind.value if hasattr(kind, "value") else kind, "body": body},
        )
        made += created
    return made
