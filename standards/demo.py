"""Demo data: the union's standards for educational development and improvement
professionals (six key standards, in two editions: the first superseded) and its core
principles, written from what the union has said in public (see the seeds). Published
through the same services as in the admin, so that every edition has its history and its
PDF. Safe to run again: a document that exists is left alone."""

from __future__ import annotations

import datetime as dt

from django.db import transaction
from django.utils import timezone

from portal.accounts.choices import EmployerKind
from portal.accounts.models import User

from . import services
from .models import Document, GoodPracticeExample, Standard

STANDARDS_SLUG = "educational-development-and-improvement-professionals"
PRINCIPLES_SLUG = "core-principles-educational-development-improvement"


def _at(year, month, day, hour=10):
    return timezone.make_aware(dt.datetime(year, month, day, hour, 0))  # noqa: DTZ001


STANDARDS_TITLE = "Standards for educational development and improvement professionals"
STANDARDS_SUMMARY = (
    "Six key standards that recognise the responsibility of professionals working in "
    "children's services for child development, for everyone who advises, mentors and "
    "challenges schools and academies."
)

# Edition 1 (2017): the six standards as first written.
STANDARDS_V1 = [
    (
        "Putting children's development first",
        """Educational development and improvement professionals share responsibility for
the development of every child and young person in the schools and services they support.

- Advice starts from what will improve outcomes for pupils, not from what is easiest to
  measure.
- Outcomes matter across the **whole ability range**, not only at the borderlines that
  league tables reward.""",
        """- Recommendations to a school say which pupils they are expected to benefit.
- Progress is judged with the school against evidence, not against one year's results.""",
    ),
    (
        "Equality of opportunity for all learners",
        """Professionals are committed to improving educational outcomes for the whole
community, with a focus on equality of opportunity for all learners.

They pay particular attention to children whose needs are easily overlooked: those with
special educational needs and disabilities, looked-after children, and pupils at risk of
exclusion.""",
        """- The needs of vulnerable children are part of every review of a school.
- Advice is checked for its effect on groups of pupils, not only on averages.""",
    ),
    (
        "Independence and objectivity",
        """Whether employed by a local authority, working for a company that sells its
services to schools, or practising as a self-employed consultant, professionals are
independent of the schools they support. That independence is what makes their judgement
objective.

They declare any interest that could affect, or be seen to affect, their advice.""",
        """- Conflicts of interest are declared in writing before work starts.
- Judgements are the professional's own, and are explained with the evidence behind them.""",
    ),
    (
        "Credible professional expertise",
        """Professionals are qualified and experienced for the work they do, and keep their
knowledge up to date. Their credibility rests on the breadth of their experience, of many
schools and settings, and on the quality of their evidence.""",
        """- Continuing professional development is planned and recorded.
- Professionals work within the limits of their expertise and say when a specialist is
  needed.""",
    ),
    (
        "Mentoring, advising and sharing good practice",
        """Professionals mentor and advise schools so that they produce successful outcomes
for their pupils. They capture good practice from across the many schools they see and
share it, so that every school can learn from the best of the others.""",
        """- Good practice is shared with the permission of the school it comes from.
- Mentoring builds the school's own capacity to improve rather than dependence on the
  adviser.""",
    ),
    (
        "Accountability",
        """Professionals work within a clear chain of accountability for the quality of
education, for enough school places, and for meeting the needs of vulnerable children.
They are accountable for the advice they give and for its effect.""",
        """- The professional's role, and who they answer to, is clear to the school.
- Advice and its outcome are recorded so that they can be reviewed.""",
    ),
]

STANDARDS_V2_CHANGES = {
    4: (
        "Credible professional expertise",
        """Professionals are qualified and experienced for the work they do, and keep their
knowledge up to date. Their credibility rests on the breadth of their experience, of many
schools and settings, and on the quality of their evidence.

Experience of a single school or a single trust is not enough on its own: professionals
recruited from multi-academy trusts, or working in regional schools commissioners'
offices, bring or gain experience of schools beyond their own.""",
        """- Continuing professional development is planned and recorded.
- Professionals work within the limits of their expertise and say when a specialist is
  needed.
- Those who train colleagues, including education advisers, are themselves experienced
  across settings.""",
    ),
    6: (
        "Accountability in every setting",
        """Academies and multi-academy trusts are subject to the same standards and quality
control as schools maintained by local authorities. Wherever they are employed, in a local
authority, a trust, a company or a regional schools commissioner's office, professionals
work within a clear chain of accountability for the quality of education, for enough school
places and for meeting the needs of vulnerable children.

Proper resourcing of school improvement is part of that accountability: it should not come
at the expense of local authority or other school improvement professionals.""",
        """- The professional's role, and who they answer to, is clear to the school.
- Advice and its outcome are recorded so that they can be reviewed.
- The same quality assurance applies to maintained schools, academies and trusts.""",
    ),
}

PRINCIPLES_TITLE = "Core principles for educational development and improvement professionals"
PRINCIPLES_SUMMARY = (
    "The principles that school improvement officers, advisers and consultants work by, "
    "wherever they are employed: independence, objectivity, equality and accountability."
)
PRINCIPLES = [
    (
        "Improving outcomes for the whole community",
        """School improvement exists to improve educational outcomes for the whole
community. Every piece of advice should be able to show how it serves that aim.""",
    ),
    (
        "Equality of opportunity",
        """The work focuses on equality of opportunity for all learners, across the whole
ability range, and on meeting the needs of vulnerable children.""",
    ),
    (
        "Independence",
        """Independence from the schools they support is crucial. It is what allows
professionals to be objective, and schools to trust their judgement.""",
    ),
    (
        "Objectivity and impartiality",
        """Professionals are objective and impartial: their judgements rest on evidence,
and they are the same whoever employs the adviser and whoever runs the school.""",
    ),
    (
        "Credibility",
        """Professionals are credible because they are qualified and because their
background and expertise are sufficient for the demands of the job, including experience
outside any single school or trust.""",
    ),
    (
        "Capturing and sharing best practice",
        """Working across hundreds of schools, professionals capture best practice where
they find it and share it, so that good ideas travel.""",
    ),
    (
        "Accountability and resourcing",
        """There is a clear chain of accountability for school improvement, whoever employs
the professional, and the work is properly resourced. The same principles apply to local
authorities, academies, multi-academy trusts and regional schools commissioners.""",
    ),
]

# The core principles in Welsh: written in the same draft and approved with the English.
PRINCIPLES_TITLE_CY = "Egwyddorion craidd ar gyfer gweithwyr proffesiynol datblygu a gwella addysg"
PRINCIPLES_SUMMARY_CY = (
    "Yr egwyddorion y mae swyddogion gwella ysgolion, cynghorwyr ac ymgynghorwyr yn gweithio "
    "yn unol â nhw, ble bynnag y'u cyflogir: annibyniaeth, gwrthrychedd, cydraddoldeb ac "
    "atebolrwydd."
)
PRINCIPLES_CY = [
    (
        "Gwella canlyniadau i'r gymuned gyfan",
        """Diben gwella ysgolion yw gwella canlyniadau addysgol i'r gymuned gyfan. Dylai pob
darn o gyngor allu dangos sut mae'n gwasanaethu'r nod hwnnw.""",
    ),
    (
        "Cyfle cyfartal",
        """Mae'r gwaith yn canolbwyntio ar gyfle cyfartal i bob dysgwr, ar draws yr ystod
gallu gyfan, ac ar ddiwallu anghenion plant sy'n agored i niwed.""",
    ),
    (
        "Annibyniaeth",
        """Mae annibyniaeth oddi wrth yr ysgolion y maent yn eu cefnogi yn hollbwysig. Dyna
sy'n galluogi gweithwyr proffesiynol i fod yn wrthrychol, ac ysgolion i ymddiried yn eu
barn.""",
    ),
    (
        "Gwrthrychedd a didueddrwydd",
        """Mae gweithwyr proffesiynol yn wrthrychol ac yn ddiduedd: mae eu barn yn seiliedig
ar dystiolaeth, ac mae'n aros yr un fath pwy bynnag sy'n cyflogi'r cynghorydd a phwy bynnag
sy'n rhedeg yr ysgol.""",
    ),
    (
        "Hygrededd",
        """Mae gweithwyr proffesiynol yn hygred am eu bod yn gymwysedig, ac am fod eu cefndir
a'u harbenigedd yn ddigonol ar gyfer gofynion y swydd, gan gynnwys profiad y tu hwnt i
unrhyw un ysgol neu ymddiriedolaeth.""",
    ),
    (
        "Casglu a rhannu'r arfer gorau",
        """Gan weithio ar draws cannoedd o ysgolion, mae gweithwyr proffesiynol yn casglu'r
arfer gorau lle bynnag y dônt o hyd iddo ac yn ei rannu, fel bod syniadau da yn teithio.""",
    ),
    (
        "Atebolrwydd ac adnoddau",
        """Mae llinell atebolrwydd glir ar gyfer gwella ysgolion, pwy bynnag sy'n cyflogi'r
gweithiwr proffesiynol, ac mae'r gwaith yn cael yr adnoddau priodol. Mae'r un egwyddorion
yn berthnasol i awdurdodau lleol, academïau, ymddiriedolaethau aml-academi a swyddfeydd
comisiynwyr ysgolion rhanbarthol.""",
    ),
]

EXAMPLES = [
    (
        5,
        "Moderating school self-evaluation across an authority",
        EmployerKind.LOCAL_AUTHORITY,
        dt.date(2025, 3, 14),
        """Improvement officers paired headteachers from different parts of the authority
to moderate each other's self-evaluation, with an officer chairing each pair. Schools said
the external view was more useful than a report alone, and the officers gathered examples
of effective practice to share at the termly heads' briefing.""",
    ),
    (
        3,
        "An external adviser on every trust review",
        EmployerKind.MAT,
        dt.date(2025, 6, 2),
        """A multi-academy trust asked an independent adviser, with no other contract with
the trust, to join each of its school reviews. The adviser's findings went to the trust
board unedited.""",
    ),
    (
        2,
        "Tracking the progress of looked-after children",
        EmployerKind.PRIVATE_COMPANY,
        dt.date(2024, 11, 20),
        """A school improvement company added a short review of the progress of
looked-after children and pupils with special educational needs to every visit, so that
these pupils were discussed at each meeting rather than once a year.""",
    ),
]


def _publishers() -> tuple[User, User]:
    writer = User.objects.get(email="publisher@demo.example")
    approver = User.objects.get(email="publisher2@demo.example")
    return writer, approver


def _publish(edition, writer, approver, *, at, note):
    edition.change_note = note
    services.edition_update(edition=edition, by=writer, fields=["change_note"], now=at)
    services.edition_submit(edition=edition, by=writer, note="Ready for review.", now=at)
    services.edition_approve(
        edition=edition, by=approver, note="Checked against the agreed text.", now=at
    )


def _standards_document(writer, approver) -> None:
    document = services.document_create(
        slug=STANDARDS_SLUG,
        title=STANDARDS_TITLE,
        summary=STANDARDS_SUMMARY,
        audience="improvement",
        nations=["england", "wales", "scotland", "northern_ireland"],
        by=writer,
        now=_at(2017, 2, 20),
    )
    first = document.editions.get()
    for heading, body, indicators in STANDARDS_V1:
        services.standard_add(
            edition=first, by=writer, heading=heading, body=body, indicators=indicators
        )
    _publish(
        first,
        writer,
        approver,
        at=_at(2017, 3, 6),
        note="First edition: the six key standards.",
    )
    second = services.edition_start_new(document=document, by=writer, now=_at(2025, 1, 6))
    changed = {s.number: s for s in second.standards.filter(number__in=STANDARDS_V2_CHANGES)}
    for number, (heading, body, indicators) in STANDARDS_V2_CHANGES.items():
        standard = changed[number]
        standard.heading, standard.body, standard.indicators = heading, body, indicators
    services.standards_save(
        edition=second,
        by=writer,
        save=lambda: Standard.objects.bulk_update(
            changed.values(), ["heading", "body", "indicators"]
        ),
        now=_at(2025, 1, 8),
    )
    # Good-practice examples are part of the edition: written in the draft, approved with it.
    standards = {s.number: s for s in second.standards.all()}
    for number, title, kind, date, text in EXAMPLES:
        example = GoodPracticeExample(
            standard=standards[number], title=title, text=text, organisation_type=kind, date=date
        )
        services.example_save(example=example, by=writer, now=_at(2025, 1, 9))
    _publish(
        second,
        writer,
        approver,
        at=_at(2025, 1, 13),
        note=(
            "Standard 4 now asks for experience beyond a single school or trust; standard 6 "
            "covers academies, multi-academy trusts and regional schools commissioners' "
            "offices, and the resourcing of school improvement."
        ),
    )
    document.refresh_from_db()
    services.document_set_review_by(document=document, review_by=dt.date(2027, 1, 13))


def _principles_document(writer, approver) -> None:
    document = services.document_create(
        slug=PRINCIPLES_SLUG,
        title=PRINCIPLES_TITLE,
        summary=PRINCIPLES_SUMMARY,
        audience="improvement",
        item_label="Principle",
        nations=["england"],
        by=writer,
        now=_at(2017, 5, 2),
    )
    edition = document.editions.get()
    edition.title_cy, edition.summary_cy = PRINCIPLES_TITLE_CY, PRINCIPLES_SUMMARY_CY
    services.edition_update(
        edition=edition, by=writer, fields=["title_cy", "summary_cy"], now=_at(2017, 5, 2)
    )
    for (heading, body), (heading_cy, body_cy) in zip(PRINCIPLES, PRINCIPLES_CY, strict=True):
        services.standard_add(
            edition=edition,
            by=writer,
            heading=heading,
            body=body,
            welsh={"heading": heading_cy, "body": body_cy},
        )
    _publish(
        edition,
        writer,
        approver,
        at=_at(2017, 5, 15),
        note="First edition, published with the union's response to new school improvement "
        "roles in regional schools commissioners' offices.",
    )
    # Due for review already, so that the admin's list of documents due has something.
    document.refresh_from_db()
    services.document_set_review_by(document=document, review_by=dt.date(2026, 11, 1))


@transaction.atomic
def seed() -> None:
    writer, approver = _publishers()
    if not Document.objects.filter(slug=STANDARDS_SLUG).exists():
        _standards_document(writer, approver)
    if not Document.objects.filter(slug=PRINCIPLES_SLUG).exists():
        _principles_document(writer, approver)
