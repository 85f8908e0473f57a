"""Demo cases in every state, made through the same services officers and members use."""

from __future__ import annotations

import hashlib
from datetime import timedelta

from django.db import transaction
from django.test.utils import override_settings
from django.utils import timezone

from portal.accounts.models import User

from . import complaints, services
from .files import CheckedFile
from .models import (
    Case,
    Category,
    EventKind,
    LetterKind,
    LetterTemplate,
    Outcome,
    SavedReply,
    Status,
)
from .workdays import add_working_days

SAVED_REPLIES = [
    (
        "Acknowledge and ask for documents",
        "Thank you for getting in touch. I am the officer looking after your case.\n\n"
        "Please send me any letters you have had from your employer, your contract and any "
        "notes of meetings, by adding them to this case.",
        "",
    ),
    (
        "Hearing: right to be accompanied",
        "You have the right to be accompanied at the hearing by a trade union "
        "representative. I will attend with you. Please ask your employer to send the "
        "invitation and any evidence at least five working days before.",
        Category.DISCIPLINE,
    ),
    (
        "Closing: resolved",
        "I am glad we have been able to resolve this. I am closing the case now; if "
        "anything changes, ask for help again and mention this reference.",
        "",
    ),
]


def _text_file(name: str, text: str) -> CheckedFile:
    data = text.encode()
    return CheckedFile(
        name=name,
        content_type="text/plain",
        size=len(data),
        sha256=hashlib.sha256(data).hexdigest(),
        data=data,
    )


def _details(member: User, category, what, want, **extra) -> services.CaseDetails:
    return services.CaseDetails(
        category=category,
        employer=member.membership.employer,
        what_happened=what,
        desired_outcome=want,
        problem_started_on=extra.pop("started", timezone.localdate() - timedelta(days=40)),
        **extra,
    )


def _welsh_member_case() -> None:
    """The Welsh-speaking member's case, written in Welsh (members write in either
    language; the case keeps what they wrote)."""
    member = User.objects.filter(email="cymraeg@demo.example").first()
    if member is None or Case.objects.filter(member=member).exists():
        return
    services.case_submit(
        member=member,
        details=_details(
            member,
            Category.TERMS,
            "Mae fy amserlen wedi newid heb unrhyw ymgynghori, ac mae gen i bellach lai o "
            "amser cynllunio, paratoi ac asesu nag y mae fy nghontract yn ei ganiatáu.",
            "Hoffwn i fy amser cynllunio, paratoi ac asesu gael ei adfer yn llawn.",
        ),
    )


@transaction.atomic
@override_settings(EMAIL_BACKEND="django.core.mail.backends.dummy.EmailBackend")
def seed() -> None:
    _welsh_member_case()
    for title, body, category in SAVED_REPLIES:
        SavedReply.objects.get_or_create(title=title, defaults={"body": body, "category": category})
    member = User.objects.filter(email="member@demo.example").first()
    leader = User.objects.filter(email="leader@demo.example").first()
    rep = User.objects.filter(email="rep@demo.example").first()
    caseworker = User.objects.filter(email="caseworker@demo.example").first()
    lead = User.objects.filter(email="lead-officer@demo.example").first()
    manager = User.objects.filter(email="case-manager@demo.example").first()
    if not all([member, leader, rep, caseworker, lead, manager]):
        return
    if Case.objects.filter(member__in=[member, leader, rep]).exists():
        return
    today = timezone.localdate()

    # member: an urgent new case with a hearing soon and a letter attached
    services.case_submit(
        member=member,
        details=_details(
            member,
            Category.DISCIPLINE,
            "I have been invited to a disciplinary hearing about a parents' complaint. I was "
            "not told about the complaint before the letter arrived.",
            "I want to be represented at the hearing and for the allegation to be dropped.",
            hearing_date=add_working_days(today, 3, "england"),
            files=[
                _text_file(
                    "invitation-letter.txt",
                    "Dear Ms Okafor,\nYou are invited to a disciplinary hearing...\n",
                )
            ],
        ),
    )
    # member: in progress, with messages both ways and an internal note
    case = services.case_submit(
        member=member,
        details=_details(
            member,
            Category.PAY,
            "My pay progression was refused although my appraisal was positive.",
            "Progression to the next point, backdated to September.",
        ),
    )
    services.case_assign(case=case, officer=caseworker, by=caseworker)
    services.case_change_status(case=case, new_status=Status.IN_PROGRESS, by=caseworker)
    services.case_officer_message(
        case=case,
        by=caseworker,
        body="Thank you. Could you send me your appraisal statement and the pay policy?",
    )
    services.case_member_reply(
        case=case,
        member=member,
        body="Here is my appraisal statement.",
        files=[_text_file("appraisal.txt", "Appraisal 2025-26: all objectives met.\n")],
    )
    services.case_internal_note(
        case=case, by=caseworker, body="Policy allows appeal within 10 days; draft appeal."
    )
    # member: waiting on the member
    case = services.case_submit(
        member=member,
        details=_details(
            member,
            Category.TERMS,
            "My timetable has been changed to add two extra duties a week.",
            "Advice on whether this is allowed under my contract.",
        ),
    )
    services.case_assign(case=case, officer=caseworker, by=caseworker)
    services.case_officer_message(
        case=case,
        by=caseworker,
        body="Could you tell me which duties were added and send your contract?",
        await_reply=True,
    )
    # member: closed with an outcome
    case = services.case_submit(
        member=member,
        details=_details(
            member,
            Category.HEALTH_SAFETY,
            "The classroom heating has been broken for three weeks.",
            "The heating fixed.",
        ),
    )
    services.case_assign(case=case, officer=caseworker, by=caseworker)
    services.case_change_status(
        case=case,
        new_status=Status.CLOSED,
        by=caseworker,
        outcome=Outcome.RESOLVED,
        outcome_note="The employer repaired the heating after our letter.",
    )
    # member: a draft
    services.case_save_draft(
        member=member,
        details=_details(
            member,
            Category.PENSION,
            "I am thinking of going part time and want to know what happens to my pension.",
            "",
        ),
    )

    # Leadership member: escalated to legal by the lead officer; another one new
    case = services.case_submit(
        member=leader,
        details=_details(
            leader,
            Category.GRIEVANCE,
            "The chair of governors has made statements about me to parents that are untrue.",
            "A retraction, and advice on defamation.",
            other_party_name="Chair of governors",
        ),
    )
    services.case_assign(case=case, officer=lead, by=lead)
    services.case_change_status(case=case, new_status=Status.IN_PROGRESS, by=lead)
    services.case_change_status(
        case=case,
        new_status=Status.LEGAL,
        by=lead,
        legal_reason="Possible defamation: needs a solicitor's opinion.",
    )
    services.case_submit(
        member=leader,
        details=_details(
            leader,
            Category.RESTRUCTURE,
            "The local authority proposes to federate our school with two others.",
            "Advice on my position as headteacher.",
            colleagues_affected=True,
        ),
    )

    # rep: assigned
    case = services.case_submit(
        member=rep,
        details=_details(
            rep,
            Category.REDUNDANCY,
            "The school has announced a staffing review that may remove two posts.",
            "Consultation with the union before any decision.",
            colleagues_affected=True,
        ),
    )
    services.case_assign(case=case, officer=caseworker, by=manager)

    # Other members in other regions: the queue shows several regions.
    others = User.objects.filter(email__endswith="@members.demo.example").select_related(
        "membership"
    )
    categories = [
        Category.CAPABILITY,
        Category.SICKNESS,
        Category.DISCRIMINATION,
        Category.TUPE,
        Category.ALLEGATION,
    ]
    for other, category in zip(others, categories, strict=False):
        services.case_submit(
            member=other,
            details=_details(
                other,
                category,
                "I would like advice about a problem at work.",
                "To understand my options.",
            ),
        )
    _phone_intake(rep, caseworker)
    seed_letters(caseworker)
    _seed_deadlines(caseworker=caseworker, members=[member, rep])
    seed_collective(member=member, rep=rep, caseworker=caseworker)
    seed_complaints_and_service_history(member=member, manager=manager, officer=caseworker)


def _phone_intake(member: User, officer: User) -> None:
    """A case an officer opened for a member who phoned the advice line."""
    services.case_open_for_member(
        member=member,
        by=officer,
        channel="phone",
        take=True,
        details=_details(
            member,
            Category.SICKNESS,
            "Phoned the advice line: invited to a sickness absence review meeting after "
            "two periods of absence, one of them for an operation.",
            "Representation at the review and no warning for the planned absence.",
        ),
    )


def seed_letters(caseworker: User) -> None:
    """The four standard letter templates, and one letter filed (internal) on the member's
    pay case, so that the case screen's Letters panel and the bundle have one to show."""
    from .letters import letter_templates_seed

    letter_templates_seed()
    case = Case.objects.filter(
        member__email="member@demo.example", category=Category.PAY, status=Status.IN_PROGRESS
    ).first()
    template = LetterTemplate.objects.filter(kind=LetterKind.MEETING_INVITATION).first()
    if case is None or template is None or case.events.filter(kind=EventKind.LETTER).exists():
        return
    from .letters import letter_text

    services.case_file_letter(
        case=case,
        by=caseworker,
        template=template,
        body=letter_text(case=case, officer=caseworker, body=template.body),
    )


def _seed_deadlines(*, caseworker: User, members: list[User]) -> None:
    """Tribunal limits in the queue (one within a fortnight, flagged) and a follow-up on the
    caseworker's deadlines page."""
    today = timezone.localdate()
    cases = Case.objects.filter(member__in=members, assigned_to=caseworker).exclude(
        status=Status.CLOSED
    )
    pay = cases.filter(category=Category.PAY).first()
    redundancy = cases.filter(category=Category.REDUNDANCY).first()
    if pay is not None:
        services.case_set_deadlines(
            case=pay,
            by=caseworker,
            claim_type="pay",
            act_on=today - timedelta(days=45),
            acas_started_on=None,
            acas_certificate_on=None,
        )
        services.case_add_follow_up(
            case=pay,
            by=caseworker,
            due_on=today + timedelta(days=3),
            what="Chase the employer for the pay policy and the appraisal panel's notes",
        )
    if redundancy is not None:
        services.case_set_deadlines(
            case=redundancy,
            by=caseworker,
            claim_type="redundancy",
            act_on=today - timedelta(days=80),
            acas_started_on=None,
            acas_certificate_on=None,
        )


def seed_collective(*, member: User, rep: User, caseworker: User) -> Case | None:
    """A collective restructure at the demo member's school: the rep's case, made collective,
    with the demo member joined and a supply teacher from another employer invited (added
    with an override note), a group update, a message to the demo member alone and her
    reply."""
    supply = User.objects.filter(email="kwame.mensah@members.demo.example").first()
    if supply is None or rep.membership.employer_id != member.membership.employer_id:
        return None
    case = services.case_submit(
        member=rep,
        details=_details(
            rep,
            Category.RESTRUCTURE,
            "The head has announced a restructure of the teaching assistants and class "
            "teachers: four posts may go and every timetable changes from January.",
            "Proper consultation with the union for everyone affected.",
            colleagues_affected=True,
        ),
    )
    services.case_assign(case=case, officer=caseworker, by=caseworker)
    services.case_make_collective(
        case=case,
        by=caseworker,
        summary="Riverside Primary School proposes a restructure of teaching and support "
        "posts from January. The union is asking for a full consultation for every member "
        "affected; the first meeting with the head is being arranged.",
    )
    place = services.case_add_member(case=case, by=caseworker, member=member)
    services.case_member_answer(place=place, member=member, consent=True)
    services.case_add_member(
        case=case,
        by=caseworker,
        member=supply,
        override_note="Supply teacher covering a post in the review since September.",
    )
    services.case_officer_message(
        case=case,
        by=caseworker,
        body="Update for everyone: the head has agreed to a consultation meeting with the "
        "union. Please send me any letter you have had about your post.",
    )
    services.case_officer_message(
        case=case,
        by=caseworker,
        body="Maya, your post is one of those named in the proposal. Could we talk this week?",
        for_member=member,
    )
    services.case_member_reply(
        case=case, member=member, body="Yes, Thursday after school works for me."
    )
    return case


def seed_complaints_and_service_history(*, member: User, manager: User, officer: User) -> None:
    """A complaint answered and closed, one waiting for a manager, and a year of earlier
    cases (one anonymised after retention) for the service reports to show."""
    closed = Case.objects.filter(member=member, status=Status.CLOSED).first()
    if closed is not None:
        services.case_complain(
            case=closed,
            member=member,
            body="It took three weeks before anyone replied to me about the heating.",
        )
        complaint = closed.complaints.get()
        complaints.complaint_take(complaint=complaint, by=manager)
        complaints.complaint_acknowledge(complaint=complaint, by=manager)
        complaints.complaint_respond(
            complaint=complaint,
            by=manager,
            response="I am sorry for the delay. The first reply should have come within five "
            "working days; we have changed how new cases are shared out in your region.",
        )
        complaints.complaint_close(complaint=complaint, by=manager, outcome="partly_upheld")
    waiting = Case.objects.filter(member=member, status=Status.WAITING_MEMBER).first()
    if waiting is not None:
        services.case_complain(
            case=waiting, member=member, body="My officer has not explained what happens next."
        )

    # Earlier cases, submitted over the last year, answered and closed after a while.
    others = list(
        User.objects.filter(email__endswith="@members.demo.example").select_related("membership")
    )
    if not others:
        return
    now = timezone.now()
    categories = [Category.PAY, Category.DISCIPLINE, Category.GRIEVANCE, Category.SICKNESS]
    outcomes = [Outcome.RESOLVED, Outcome.NO_FURTHER_ACTION, Outcome.WITHDRAWN, Outcome.RESOLVED]
    for i in range(24):
        who = others[i % len(others)]
        case = services.case_submit(
            member=who,
            details=_details(
                who,
                categories[i % len(categories)],
                "An earlier request for advice.",
                "Advice.",
            ),
        )
        submitted = now - timedelta(days=20 + i * 14)
        answered = submitted + timedelta(days=1 + i % 4, hours=3)
        closed_at = submitted + timedelta(days=10 + (i * 7) % 60)
        done = closed_at < now - timedelta(days=2)
        Case.objects.filter(pk=case.pk).update(
            submitted_at=submitted,
            created_at=submitted,
            first_response_at=answered,
            assigned_to=officer,
            status=Status.CLOSED if done else Status.IN_PROGRESS,
            closed_at=closed_at if done else None,
            outcome=outcomes[i % len(outcomes)] if done else "",
            waiting_on="nobody" if done else "officer",
            last_activity_at=closed_at if done else answered,
        )
    # The oldest, as retention leaves a case: statistics only.
    oldest = Case.objects.filter(member__in=others, status=Status.CLOSED).order_by("submitted_at")
    if (case := oldest.first()) is not None:
        case.events.all().delete()
        Case.objects.filter(pk=case.pk).update(
            member=None,
            employer=None,
            what_happened="",
            desired_outcome="",
            assigned_to=None,
            personal_content_removed_at=now,
        )
