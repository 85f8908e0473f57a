"""Demo consultations for `make run`, from the union's policy areas: an open DfE consultation
on school improvement (the demo member, a London teacher, can answer it), a closed SEND
consultation with enough responses for real results and an outcome, an anonymous members'
survey, and a Welsh Government consultation only members in Wales see.

Idempotent: it finds what it made before (by slug and email) and adds nothing twice.
"""

from __future__ import annotations

import random
from datetime import timedelta

from django.db import transaction
from django.utils import timezone

from portal.accounts.choices import Hours, JobRole, MembershipStatus, Nation
from portal.accounts.membership import new_membership_number, place_member
from portal.accounts.models import Employer, Membership, Region, User
from portal.accounts.services import workplace_for

from . import rules, services
from .models import (
    Consultation,
    ConsultingBody,
    PolicyArea,
    Question,
    QuestionKind,
    QuestionSection,
    QuoteConsent,
    Response,
    ResponseStatus,
)

K = QuestionKind
AGREE = ("Strongly disagree", "Strongly agree")

# (employer name, town, region slug, job role) for the demo respondents, cycled.
RESPONDENT_PROFILES = [
    ("Riverside Primary School", "London", "london", JobRole.TEACHER),
    ("Camden Council", "London", "london", JobRole.IMPROVEMENT),
    ("Leeds City Council", "Leeds", "yorkshire-humber", JobRole.IMPROVEMENT),
    ("St Mary's Primary School", "Leeds", "yorkshire-humber", JobRole.SUPPORT_STAFF),
    ("Northern Lights Academy Trust", "Sheffield", "yorkshire-humber", JobRole.HEADTEACHER),
    ("Learning Together Trust", "Birmingham", "west-midlands", JobRole.TEACHER),
    ("School Improvement Partners Ltd", "Nottingham", "east-midlands", JobRole.IMPROVEMENT),
    ("Self-employed", "", "south-west", JobRole.CONSULTANT),
    ("Ysgol Gyfun Glan Taf", "Cardiff", "wales", JobRole.TEACHER),
    ("St Mary's Primary School", "Swansea", "wales", JobRole.SUPPORT_STAFF),
    ("Cardiff Council", "Cardiff", "wales", JobRole.IMPROVEMENT),
    ("City of Glasgow College", "Glasgow", "scotland", JobRole.LECTURER),
    ("Belfast Metropolitan College", "Belfast", "northern-ireland", JobRole.LECTURER),
    ("Riverside Primary School", "London", "london", JobRole.DEPUTY_HEAD),
    ("Camden Council", "London", "london", JobRole.SUPPORT_STAFF),
    ("Learning Together Trust", "Birmingham", "west-midlands", JobRole.ASSISTANT_HEAD),
]
FIRST = [
    "Amira",
    "Ben",
    "Carys",
    "Dev",
    "Ellie",
    "Femi",
    "Gwen",
    "Hamza",
    "Isla",
    "Jack",
    "Keira",
    "Liam",
    "Maryam",
    "Noah",
    "Orla",
]
LAST = ["Ali", "Brown", "Jones", "Kaur", "Lewis", "Morris", "Nowak", "Reid", "Singh", "Taylor"]
RESPONDENTS = 44

SEND_COMMENTS = [
    "We have one teaching assistant across two classes, so pupils with EHCPs get support "
    "for only part of the day. The paperwork for each plan now takes most of my PPA time.",
    "Waiting over a year for an educational psychologist means we improvise. Staff are "
    "doing their best but we are not specialists, and the children know it.",
    "Training helped, but without time to plan for individual pupils it does not change "
    "much in the classroom.",
    "Our local authority's outreach team was excellent until it was cut. Bring it back.",
    "Mainstream inclusion works when there is a properly staffed resource base on site; "
    "without one it is inclusion in name only.",
    "I regularly stay until 7pm writing support plans and chasing reviews.",
    "Parents are exhausted by the process and so are we. A faster, simpler assessment "
    "would help everyone.",
    "Behaviour incidents linked to unmet needs have doubled in our school in three years.",
    "Specialist advice from outside the school makes the biggest difference: an hour with "
    "a speech and language therapist is worth a week of guessing.",
    "The funding follows the plan, but the plan takes a year. In that year the child falls "
    "further behind.",
]
SURVEY_COMMENTS = [
    "Campaign on workload: marking and data drops take far too much time.",
    "More support for members in small schools where there is no rep.",
    "Keep pushing for proper funding of school improvement services.",
    "Training on the new curriculum and assessment changes.",
    "Regular briefings for self-employed consultants on contracts and insurance.",
    "Stand up for support staff pay.",
    "Help with mental health and wellbeing at work: it is getting worse.",
]


def _respondents() -> list[Membership]:
    """Demo members who answer the demo consultations; made once, never able to log in."""
    memberships = []
    for i in range(RESPONDENTS):
        employer_name, town, region_slug, job_role = RESPONDENT_PROFILES[
            i % len(RESPONDENT_PROFILES)
        ]
        first, last = FIRST[i % len(FIRST)], LAST[(i * 7) % len(LAST)]
        email = f"respondent{i + 1:02d}@members.demo.example"
        user = User.objects.filter(email=email).first()
        if user is None:
            user = User(email=email, first_name=first, last_name=last)
            user.set_unusable_password()
            user.save()
        membership = Membership.objects.filter(user=user).first()
        if membership is None:
            region = Region.objects.get(slug=region_slug)
            employer = Employer.objects.get(name=employer_name, town=town)
            hours = Hours.PART_TIME if i % 5 == 0 else Hours.FULL_TIME
            placement = place_member(job_role=job_role, hours=hours)
            number = new_membership_number()
            while Membership.objects.filter(number=number).exists():
                number = new_membership_number()
            membership = Membership.objects.create(
                user=user,
                number=number,
                status=MembershipStatus.ACTIVE,
                employer=employer,
                workplace=workplace_for(employer=employer, postcode="N1 9GU"),
                job_role=job_role,
                hours=hours,
                section=placement.section,
                fee_band=placement.fee_band,
                workplace_postcode="N1 9GU",
                nation=region.nation,
                region=region,
            )
        memberships.append(membership)
    return memberships


def _consultation(slug: str, **fields) -> tuple[Consultation, bool]:
    areas = fields.pop("areas", [])
    existing = Consultation.objects.filter(slug=slug).first()
    if existing:
        return existing, False
    consultation = Consultation.objects.create(slug=slug, **fields)
    consultation.policy_areas.set(PolicyArea.objects.filter(slug__in=areas))
    return consultation, True


def _questions(consultation: Consultation, spec: list) -> dict[str, Question]:
    """spec: [(section title, [(key, kind, text, extra dict), ...]), ...]"""
    made: dict[str, Question] = {}
    order = 0
    for s_order, (title, questions) in enumerate(spec):
        section = QuestionSection.objects.create(
            consultation=consultation, title=title, order=s_order
        )
        for key, kind, text, extra in questions:
            extra = dict(extra)
            condition = extra.pop("if", None)
            if "options" in extra:
                extra["options"] = "\n".join(extra["options"])
            if "scale" in extra:
                extra["scale_min_label"], extra["scale_max_label"] = extra.pop("scale")
            order += 1
            made[key] = Question.objects.create(
                consultation=consultation,
                section=section,
                order=order,
                kind=kind,
                text=text,
                condition_question=made[condition[0]] if condition else None,
                condition_value=condition[1] if condition else "",
                **extra,
            )
    return made


def _answer(rng: random.Random, q: Question, weights=None, comments=None):
    if q.kind == K.MULTIPLE_CHOICE:
        options = q.option_list
        return [o for o in options if rng.random() < (weights or {}).get(o, 0.35)] or [options[0]]
    if q.kind in (K.SHORT_TEXT, K.LONG_TEXT):
        return rng.choice(comments) if comments and rng.random() < 0.6 else ""
    options = q.option_list
    return rng.choices(options, weights=weights or [1] * len(options))[0]


def _respond(consultation, membership, answers, *, consent, when, submitted=True):
    user = membership.user
    if Response.objects.filter(consultation=consultation, user=user).exists():
        return
    questions = list(consultation.questions.order_by("order"))
    answers = rules.keep_visible(questions, answers)
    response = Response.objects.create(
        consultation=consultation,
        user=user,
        status=ResponseStatus.SUBMITTED if submitted else ResponseStatus.DRAFT,
        quote_consent=consent,
        section=membership.section if submitted else "",
        nation=membership.nation if submitted else "",
        employer_kind=membership.employer.kind if submitted else "",
        created_at=when,
        updated_at=when,
        submitted_at=when if submitted else None,
    )
    services._write_answers(response, questions, answers)


def _school_improvement(now):
    c, created = _consultation(
        "school-improvement-funding-2026",
        title="Strategic school improvement: funding and the role of advisers",
        summary="The Department for Education is consulting on how the strategic school "
        "improvement fund is allocated and how local authorities monitor and commission "
        "support for low-performing schools. Tell us what works where you are.",
        background=(
            "The government funds local authorities to monitor and commission school "
            "improvement for low-performing maintained schools, and runs a strategic school "
            "improvement fund open to academies and maintained schools.\n\n"
            "We are the largest union for school improvement professionals. Many of our "
            "members are employed by local authorities; others are private consultants or "
            "work for companies that sell their services to schools. In all cases, their "
            "**independence from the schools they support** is what makes their advice "
            "objective.\n\n"
            "We will base our response on what members tell us here, alongside our "
            "*standards for educational development and improvement professionals*."
        ),
        consulting_body=ConsultingBody.DFE,
        external_url="https://www.gov.uk/government/consultations",
        opens_at=now - timedelta(days=10),
        closes_at=now + timedelta(days=25),
        audience_nations=[Nation.ENGLAND],
        published_at=now - timedelta(days=10),
        invitations_sent_at=now - timedelta(days=10),
        areas=["school-improvement", "leadership-governance"],
    )
    if created:
        _questions(
            c,
            [
                (
                    "Your part in school improvement",
                    [
                        (
                            "role",
                            K.SINGLE_CHOICE,
                            "Which best describes your part in school improvement?",
                            {
                                "required": True,
                                "options": [
                                    "I teach or support pupils in a school that receives support",
                                    "I lead a school or trust",
                                    "I advise or support schools for a local authority",
                                    "I advise schools as a consultant or for a company",
                                    "None of these",
                                ],
                            },
                        ),
                        (
                            "had_support",
                            K.YES_NO,
                            "Has your school, or a school you support, had "
                            "improvement support in the last two years?",
                            {"required": True},
                        ),
                        (
                            "useful",
                            K.SCALE,
                            "How useful was that support?",
                            {
                                "required": True,
                                "if": ("had_support", "Yes"),
                                "scale": ("Not useful at all", "Very useful"),
                            },
                        ),
                        (
                            "kinds",
                            K.MULTIPLE_CHOICE,
                            "Which kinds of support made a difference?",
                            {
                                "if": ("had_support", "Yes"),
                                "help_text": "Choose all that apply.",
                                "options": [
                                    "Mentoring for leaders",
                                    "Subject-specific advice",
                                    "Help with data and assessment",
                                    "Peer review between schools",
                                    "Support for governors",
                                ],
                            },
                        ),
                    ],
                ),
                (
                    "Funding and independence",
                    [
                        (
                            "independence",
                            K.SCALE,
                            "Advisers must be independent of the schools "
                            "they support for their advice to be objective.",
                            {"required": True, "scale": AGREE},
                        ),
                        (
                            "who",
                            K.SINGLE_CHOICE,
                            "Who is best placed to allocate the strategic school improvement fund?",
                            {
                                "options": [
                                    "Local authorities",
                                    "Multi-academy trusts",
                                    "Regional directors",
                                    "It depends on the school",
                                ]
                            },
                        ),
                        (
                            "dfe",
                            K.LONG_TEXT,
                            "What should the Department for Education know about "
                            "how the funding reaches schools?",
                            {"help_text": "Examples from your own work help most."},
                        ),
                        (
                            "one_thing",
                            K.SHORT_TEXT,
                            "In one sentence: what would most improve "
                            "school improvement support in your area?",
                            {},
                        ),
                    ],
                ),
            ],
        )
    elif c.closes_at <= now:
        # An old demo database: keep this one open so the demo member can answer it.
        c.opens_at, c.closes_at = now - timedelta(days=10), now + timedelta(days=25)
        c.save(update_fields=["opens_at", "closes_at"])
    return c


def _send_review(now, respondents):
    c, created = _consultation(
        "send-mainstream-support",
        title="SEND and alternative provision: support in mainstream schools",
        summary="The Department for Education asked how mainstream schools can meet the "
        "needs of pupils with special educational needs and disabilities. Members told us "
        "about resources, training, assessments and workload.",
        background=(
            "The review looked at how pupils with special educational needs and disabilities "
            "(SEND) are supported in mainstream schools, how long assessments for education, "
            "health and care plans (EHCPs) take, and what staff need to include every pupil."
        ),
        consulting_body=ConsultingBody.DFE,
        external_url="https://www.gov.uk/government/consultations",
        opens_at=now - timedelta(days=70),
        closes_at=now - timedelta(days=14),
        published_at=now - timedelta(days=72),
        invitations_sent_at=now - timedelta(days=70),
        reminders_sent_at=now - timedelta(days=17),
        outcome=(
            "We submitted the union's response on behalf of members. Most respondents "
            "disagreed that mainstream schools have the resources to meet the needs of "
            "pupils with SEND, and most reported waits of more than 20 weeks for an EHCP "
            "assessment. We called for:\n\n"
            "- ring-fenced funding for teaching assistant time;\n"
            "- restored local authority specialist outreach services;\n"
            "- a statutory limit on assessment times that is enforced;\n"
            "- protected time for staff to plan support for individual pupils."
        ),
        government_response=(
            "The Department has said it will publish a SEND and alternative provision "
            "improvement plan, and has committed to review assessment timescales."
        ),
        outcome_published_at=now - timedelta(days=3),
        areas=["send", "attendance-inclusion-exclusion", "mental-health"],
    )
    if created:
        q = _questions(
            c,
            [
                (
                    "Resources and training",
                    [
                        (
                            "resources",
                            K.SCALE,
                            "Mainstream schools have the resources to meet "
                            "the needs of pupils with SEND.",
                            {"required": True, "scale": AGREE},
                        ),
                        (
                            "trained",
                            K.YES_NO,
                            "Have you had SEND training in the last year?",
                            {"required": True},
                        ),
                        (
                            "training_useful",
                            K.SCALE,
                            "How useful was the training?",
                            {"if": ("trained", "Yes"), "scale": ("Not useful", "Very useful")},
                        ),
                        (
                            "help",
                            K.MULTIPLE_CHOICE,
                            "What would help most?",
                            {
                                "required": True,
                                "help_text": "Choose all that apply.",
                                "options": [
                                    "More teaching assistant time",
                                    "Specialist advice from outside the school",
                                    "Training for all staff",
                                    "Smaller classes",
                                    "Faster EHCP assessments",
                                ],
                            },
                        ),
                    ],
                ),
                (
                    "Assessments and workload",
                    [
                        (
                            "wait",
                            K.SINGLE_CHOICE,
                            "How long does an EHCP assessment usually take "
                            "for pupils you work with?",
                            {
                                "options": [
                                    "Under 20 weeks",
                                    "20 to 30 weeks",
                                    "Over 30 weeks",
                                    "I don't know",
                                ]
                            },
                        ),
                        (
                            "workload",
                            K.LONG_TEXT,
                            "Tell us about the effect on your workload and wellbeing.",
                            {},
                        ),
                    ],
                ),
            ],
        )
        for i, membership in enumerate(respondents[:40]):
            rng = random.Random(f"send-{i}")  # noqa: S311  # nosec B311 - demo data, not security
            answers = {
                q["resources"].pk: _answer(rng, q["resources"], [9, 12, 5, 3, 1]),
                q["trained"].pk: _answer(rng, q["trained"], [3, 2]),
                q["training_useful"].pk: _answer(rng, q["training_useful"], [2, 4, 6, 5, 2]),
                q["help"].pk: _answer(
                    rng,
                    q["help"],
                    {
                        "More teaching assistant time": 0.7,
                        "Specialist advice from outside the school": 0.55,
                        "Training for all staff": 0.35,
                        "Smaller classes": 0.45,
                        "Faster EHCP assessments": 0.6,
                    },
                ),
                q["wait"].pk: _answer(rng, q["wait"], [2, 8, 11, 3]),
                q["workload"].pk: _answer(rng, q["workload"], comments=SEND_COMMENTS),
            }
            consent = rng.choices(list(QuoteConsent.values), weights=[3, 4, 2])[0]
            _respond(
                c,
                membership,
                answers,
                consent=consent,
                when=c.opens_at + timedelta(hours=7 + i * 29),
            )
    return c


def _members_survey(now, respondents):
    c, created = _consultation(
        "members-survey-2026",
        title="Members' survey 2026: workload, wellbeing and our priorities",
        summary="Our own survey of members. Your answers set the union's priorities for the "
        "next two years. It is anonymous: the staff who read the answers do not see who gave "
        "them.",
        background=(
            "Every two years we ask all members what matters most. The last survey shaped our "
            "focus on school improvement, SEND, attendance and inclusion, and the work of the "
            "devolved governments. This year we also ask about workload and wellbeing."
        ),
        consulting_body=ConsultingBody.UNION,
        opens_at=now - timedelta(days=5),
        closes_at=now + timedelta(days=40),
        published_at=now - timedelta(days=5),
        invitations_sent_at=now - timedelta(days=5),
        anonymous=True,
        areas=["mental-health", "leadership-governance", "curriculum-assessment"],
    )
    if created:
        q = _questions(
            c,
            [
                (
                    "Work and wellbeing",
                    [
                        (
                            "workload",
                            K.SCALE,
                            "My workload is manageable.",
                            {"required": True, "scale": AGREE},
                        ),
                        (
                            "wellbeing",
                            K.SCALE,
                            "How would you rate your wellbeing at work?",
                            {"required": True, "scale": ("Very poor", "Very good")},
                        ),
                        (
                            "leaving",
                            K.YES_NO,
                            "Are you thinking of leaving education in the next two years?",
                            {"required": True},
                        ),
                        (
                            "why",
                            K.MULTIPLE_CHOICE,
                            "Why are you thinking of leaving?",
                            {
                                "if": ("leaving", "Yes"),
                                "options": [
                                    "Workload",
                                    "Pay",
                                    "Wellbeing",
                                    "Lack of support",
                                    "Retirement",
                                ],
                            },
                        ),
                    ],
                ),
                (
                    "The union's priorities",
                    [
                        (
                            "priorities",
                            K.MULTIPLE_CHOICE,
                            "Which policy areas should we focus on?",
                            {
                                "help_text": "Choose up to three.",
                                "options": [a.name for a in PolicyArea.objects.all()],
                            },
                        ),
                        ("more", K.LONG_TEXT, "What one thing should the union do more of?", {}),
                    ],
                ),
            ],
        )
        for i, membership in enumerate(respondents[:16]):
            rng = random.Random(f"survey-{i}")  # noqa: S311  # nosec B311 - demo data, not security
            answers = {
                q["workload"].pk: _answer(rng, q["workload"], [5, 6, 3, 2, 1]),
                q["wellbeing"].pk: _answer(rng, q["wellbeing"], [2, 5, 5, 3, 1]),
                q["leaving"].pk: _answer(rng, q["leaving"], [2, 3]),
                q["why"].pk: _answer(rng, q["why"]),
                q["priorities"].pk: _answer(rng, q["priorities"])[:3],
                q["more"].pk: _answer(rng, q["more"], comments=SURVEY_COMMENTS),
            }
            consent = rng.choice([QuoteConsent.ANONYMOUS, QuoteConsent.NO])
            _respond(c, membership, answers, consent=consent, when=now - timedelta(hours=i * 5))
        demo_member = Membership.objects.filter(user__email="member@demo.example").first()
        if demo_member:
            # The demo member started this one and has not finished: a draft on the dashboard.
            _respond(
                c,
                demo_member,
                {q["workload"].pk: "2", q["wellbeing"].pk: "3"},
                consent="",
                when=now - timedelta(days=1),
                submitted=False,
            )
    return c


def _wales(now):
    c, created = _consultation(
        "wales-attendance-inclusion-guidance",
        title="Attendance, inclusion and exclusion: new guidance for schools in Wales",
        summary="The Welsh Government is consulting on revised guidance on attendance and "
        "on exclusion from schools and pupil referral units in Wales.",
        background=(
            "The draft guidance changes how schools record and follow up absence, and what "
            "must happen before a pupil is excluded. It applies to maintained schools and "
            "pupil referral units in Wales."
        ),
        consulting_body=ConsultingBody.WELSH_GOVERNMENT,
        external_url="https://www.gov.wales/consultations",
        opens_at=now - timedelta(days=3),
        closes_at=now + timedelta(days=30),
        audience_nations=[Nation.WALES],
        published_at=now - timedelta(days=3),
        invitations_sent_at=now - timedelta(days=3),
        areas=["attendance-inclusion-exclusion", "devolved-nations"],
    )
    if created:
        _questions(
            c,
            [
                (
                    "The draft guidance",
                    [
                        (
                            "clear",
                            K.SCALE,
                            "The draft guidance is clear about what schools must do.",
                            {"required": True, "scale": AGREE},
                        ),
                        (
                            "workload",
                            K.YES_NO,
                            "Will the new recording duties add to your workload?",
                            {"required": True},
                        ),
                        (
                            "how",
                            K.LONG_TEXT,
                            "How, and what would reduce it?",
                            {"if": ("workload", "Yes")},
                        ),
                    ],
                ),
            ],
        )
    elif c.closes_at <= now:
        c.opens_at, c.closes_at = now - timedelta(days=3), now + timedelta(days=30)
        c.save(update_fields=["opens_at", "closes_at"])
    return c


# The Wales consultation in Welsh too, and the Welsh-speaking demo member's answers, given
# in Welsh (kept as written; the response records the language).
WALES_CY = {
    "title": "Presenoldeb, cynhwysiant a gwahardd: canllawiau newydd i ysgolion yng Nghymru",
    "summary": "Mae Llywodraeth Cymru yn ymgynghori ar ganllawiau diwygiedig ar bresenoldeb "
    "ac ar wahardd disgyblion o ysgolion ac unedau cyfeirio disgyblion yng Nghymru.",
    "background": "Mae'r canllawiau drafft yn newid sut mae ysgolion yn cofnodi absenoldeb ac "
    "yn gweithredu arno, a beth sy'n rhaid digwydd cyn gwahardd disgybl. Maent yn berthnasol "
    "i ysgolion a gynhelir ac unedau cyfeirio disgyblion yng Nghymru.",
}
WALES_QUESTIONS_CY = {
    "The draft guidance is clear about what schools must do.": (
        "Mae'r canllawiau drafft yn glir ynghylch yr hyn y mae'n rhaid i ysgolion ei wneud."
    ),
    "Will the new recording duties add to your workload?": (
        "A fydd y dyletswyddau cofnodi newydd yn ychwanegu at eich llwyth gwaith?"
    ),
    "How, and what would reduce it?": "Sut, a beth fyddai'n ei leihau?",
}
WALES_SECTION_CY = {"The draft guidance": "Y canllawiau drafft"}


def _wales_in_welsh(c, now) -> None:
    if not c.title_cy:
        for field, value in WALES_CY.items():
            setattr(c, f"{field}_cy", value)
        c.save(update_fields=[f"{field}_cy" for field in WALES_CY])
        for section in c.sections.all():
            section.title_cy = WALES_SECTION_CY.get(section.title_en_gb, "")
            section.save(update_fields=["title_cy"])
        for question in c.questions.all():
            question.text_cy = WALES_QUESTIONS_CY.get(question.text_en_gb, "")
            question.save(update_fields=["text_cy"])
    member = Membership.objects.filter(user__email="cymraeg@demo.example").first()
    if member is None:
        return
    q = {question.text_en_gb: question for question in c.questions.all()}
    answers = {
        q["The draft guidance is clear about what schools must do."].pk: "2",
        q["Will the new recording duties add to your workload?"].pk: "Yes",
        q["How, and what would reduce it?"].pk: (
            "Byddai'n rhaid i mi gofnodi pob galwad i'r cartref ddwywaith. Byddai un system "
            "gofnodi ar gyfer yr awdurdod lleol cyfan yn lleihau'r baich."
        ),
    }
    _respond(c, member, answers, consent=QuoteConsent.NAMED, when=now - timedelta(hours=6))
    Response.objects.filter(consultation=c, user=member.user).update(language="cy")


@transaction.atomic
def seed() -> None:
    now = timezone.now()
    respondents = _respondents()
    _school_improvement(now)
    _send_review(now, respondents)
    _members_survey(now, respondents)
    _wales_in_welsh(_wales(now), now)
