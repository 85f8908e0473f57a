"""Seeds the benchmark database at national-union scale, fast: the large tables (employers,
members, cases and their timelines, consultation responses and answers) go in with COPY,
the small structural ones (officers, standards, consultations) through the ORM, then
VACUUM ANALYZE. Encrypted case text is encrypted once per variant and the same ciphertext
reused for every row.

A marker table (bench_seed) records the scale, the counts and the field-encryption key the
ciphertext was made with, so later runs reuse the seeded database as it is.

Runs inside a configured Django process (bench.run calls `ensure_seeded`).
"""

from __future__ import annotations

import datetime as dt
import json
import random
import time
from dataclasses import dataclass

MARKER_TABLE = "bench_seed"
BENCH_PASSWORD = "Bench-login-2026!"  # noqa: S105 - fake benchmark accounts only
LOGIN_USERS = 64  # members who can log in (verified address, real PBKDF2 hash)
EMAIL_DOMAIN = "scale.example"
OFFICER_DOMAIN = "officers.scale.example"

FIRST_NAMES = [
    "Amelia",
    "Olivia",
    "Isla",
    "Ava",
    "Mia",
    "Ivy",
    "Lily",
    "Isabella",
    "Rosie",
    "Sophia",
    "Grace",
    "Freya",
    "Ella",
    "Evie",
    "Poppy",
    "Florence",
    "Willow",
    "Charlotte",
    "Sienna",
    "Emily",
    "Oliver",
    "George",
    "Noah",
    "Arthur",
    "Leo",
    "Muhammad",
    "Harry",
    "Oscar",
    "Archie",
    "Henry",
    "Theodore",
    "Freddie",
    "Jack",
    "Charlie",
    "Finley",
    "Jacob",
    "Alfie",
    "Thomas",
    "William",
    "Isaac",
    "Aisha",
    "Priya",
    "Fatima",
    "Zara",
    "Hamza",
    "Yusuf",
    "Aled",
    "Cerys",
    "Rhys",
    "Eilidh",
    "Callum",
    "Niamh",
    "Ciaran",
    "Siobhan",
    "Declan",
]
# About a quarter end in "son", so that a name search finds enough cases to page through.
LAST_NAMES = [
    "Smith",
    "Jones",
    "Williams",
    "Taylor",
    "Brown",
    "Davies",
    "Evans",
    "Wilson",
    "Thomas",
    "Johnson",
    "Roberts",
    "Robinson",
    "Thompson",
    "Wright",
    "Walker",
    "White",
    "Edwards",
    "Hughes",
    "Green",
    "Hall",
    "Lewis",
    "Harris",
    "Clarke",
    "Patel",
    "Jackson",
    "Wood",
    "Turner",
    "Martin",
    "Cooper",
    "Hill",
    "Ward",
    "Morris",
    "Moore",
    "Clark",
    "Lee",
    "King",
    "Baker",
    "Harrison",
    "Morgan",
    "Allen",
    "James",
    "Scott",
    "Phillips",
    "Watson",
    "Davis",
    "Parker",
    "Price",
    "Bennett",
    "Young",
    "Griffiths",
    "Mitchell",
    "Kelly",
    "Cook",
    "Carter",
    "Richardson",
    "Bailey",
    "Collins",
    "Bell",
    "Shaw",
    "Murphy",
    "Miller",
    "Cox",
    "Richards",
    "Khan",
    "Marshall",
    "Anderson",
    "Simpson",
    "Ellis",
    "Adams",
    "Singh",
    "Begum",
    "Wilkinson",
    "Foster",
    "Chapman",
    "Powell",
    "Webb",
    "Rogers",
    "Gray",
    "Mason",
    "Ali",
    "Hunt",
    "Hussain",
    "Campbell",
    "Matthews",
    "Owen",
    "Palmer",
    "Holmes",
    "Mills",
    "Barnes",
    "Knight",
    "Lloyd",
    "Butler",
    "Russell",
    "Barker",
    "Fisher",
    "Stevens",
    "Jenkins",
    "Murray",
    "Dixon",
    "Harvey",
    "Gibson",
    "Ferguson",
    "Hudson",
    "Dawson",
    "Pearson",
    "Atkinson",
    "Nicholson",
    "Stevenson",
    "Hodgson",
    "Emerson",
]
TOWNS = [
    "Leeds",
    "Manchester",
    "Birmingham",
    "Bristol",
    "Cardiff",
    "Swansea",
    "Glasgow",
    "Edinburgh",
    "Belfast",
    "Derry",
    "Newcastle",
    "Sunderland",
    "Liverpool",
    "Sheffield",
    "Nottingham",
    "Leicester",
    "Norwich",
    "Cambridge",
    "Oxford",
    "Reading",
    "Brighton",
    "Exeter",
    "Plymouth",
    "York",
    "Hull",
    "Bradford",
    "Coventry",
    "Stoke",
    "Derby",
    "Luton",
]
TOPICS = [
    "safeguarding",
    "assessment",
    "inclusion",
    "wellbeing",
    "workload",
    "curriculum",
    "behaviour",
    "attendance",
    "governance",
    "finance",
    "recruitment",
    "retention",
    "mentoring",
    "appraisal",
    "pedagogy",
    "literacy",
    "numeracy",
    "digital",
    "inspection",
    "partnership",
    "equality",
    "leadership",
    "coaching",
    "transition",
    "careers",
    "wellbeing",
    "accountability",
    "research",
    "induction",
    "sustainability",
]

SECTION_ROLES = [
    # section, job role, full-time band, part-time band, weight
    ("teachers", "teacher", "P1", "P2", 60),
    ("support", "support_staff", "S1", "S2", 20),
    ("leadership", "headteacher", "L1", "L2", 12),
    ("improvement", "improvement", "P1", "P2", 8),
]
EMPLOYER_KINDS = ["school"] * 6 + ["local_authority", "mat", "fe_college", "private_company"]
CATEGORIES = [
    "pay",
    "terms",
    "redundancy",
    "tupe",
    "restructure",
    "discipline",
    "grievance",
    "capability",
    "sickness",
    "discrimination",
    "health_safety",
    "pension",
    "allegation",
    "legal",
    "other",
]
CASE_STATUSES = [
    ("closed", 70),
    ("new", 5),
    ("assigned", 7),
    ("in_progress", 10),
    ("waiting_member", 5),
    ("legal", 3),
]
WAITING_ON = {
    "new": "triage",
    "waiting_member": "member",
    "closed": "nobody",
}
CASE_TEXT = [
    "My headteacher told me on Monday that my contract would not be renewed after the "
    "summer. Nobody explained why and I was not given anything in writing. I have worked "
    "at the school for six years with good appraisals.",
    "I have been asked to attend a disciplinary hearing about an incident in the playground. "
    "The letter gives very little detail and the meeting is next week.",
    "Our academy trust is consulting on a restructure that removes my post. I would like "
    "advice on the selection criteria and on my redundancy pay.",
    "I returned from sick leave and my timetable was changed without discussion. My phased "
    "return plan from occupational health has not been followed.",
    "I have not been paid for the extra hours I covered in the spring term despite being "
    "promised payment by the business manager.",
    "A colleague has made repeated comments about my religion. I raised it informally and "
    "nothing changed; I want to start a grievance.",
]
OUTCOME_TEXT = [
    "A written explanation and a fair process.",
    "To keep my job, or a settlement if that is not possible.",
    "To be paid what I am owed.",
    "An apology and for the behaviour to stop.",
]
MESSAGE_TEXT = [
    "Thank you for getting in touch. I have read your request and will call you tomorrow.",
    "Please send me a copy of the letter and your contract if you have it.",
    "I have attached the letter as you asked.",
    "Spoke to the member by phone; meeting with HR arranged for next week.",
    "The employer has agreed to postpone the hearing by two weeks.",
    "Can you confirm the dates of your sick leave?",
]


@dataclass
class Counts:
    members: int
    employers: int
    cases: int
    events_per_case: int
    documents: int
    consultations: int
    responses: int

    @classmethod
    def for_scale(cls, scale: float) -> Counts:
        return cls(
            members=max(2000, round(500_000 * scale)),
            employers=max(100, round(20_000 * scale)),
            cases=max(500, round(100_000 * scale)),
            events_per_case=10,
            documents=max(30, round(300 * scale)),
            consultations=max(2, round(20 * scale)),
            responses=max(1000, round(200_000 * scale)),
        )


def log(message: str) -> None:
    print(f"[{time.strftime('%H:%M:%S')}] seed: {message}", flush=True)


# -- marker ----------------------------------------------------------------------------------


def read_marker(cursor) -> dict | None:
    cursor.execute("SELECT to_regclass(%s)", [MARKER_TABLE])
    if cursor.fetchone()[0] is None:
        return None
    cursor.execute(f"SELECT data FROM {MARKER_TABLE} ORDER BY id DESC LIMIT 1")  # noqa: S608
    row = cursor.fetchone()
    if row is None:
        return None
    return row[0] if isinstance(row[0], dict) else json.loads(row[0])


def write_marker(cursor, data: dict) -> None:
    cursor.execute(
        f"CREATE TABLE IF NOT EXISTS {MARKER_TABLE} "
        "(id serial PRIMARY KEY, data jsonb NOT NULL, at timestamptz NOT NULL DEFAULT now())"
    )
    cursor.execute(f"INSERT INTO {MARKER_TABLE} (data) VALUES (%s)", [json.dumps(data)])  # noqa: S608


# -- COPY helpers ----------------------------------------------------------------------------


def _cell(value) -> str:
    if value is None:
        return r"\N"
    if value is True:
        return "t"
    if value is False:
        return "f"
    if isinstance(value, dt.datetime):
        return value.isoformat()
    text = str(value)
    if "\\" in text or "\t" in text or "\n" in text or "\r" in text:
        text = (
            text.replace("\\", "\\\\").replace("\t", "\\t").replace("\n", "\\n").replace("\r", "")
        )
    return text


def copy_rows(raw, table: str, columns: list[str], rows, chunk: int = 20_000) -> int:
    """COPY an iterable of tuples into table; returns the number of rows."""
    quoted = ", ".join(f'"{c}"' for c in columns)
    n = 0
    buffer: list[str] = []
    with raw.cursor() as cur:
        cur.execute("SET session_replication_role = replica")  # skip FK triggers while loading
        with cur.copy(f"COPY {table} ({quoted}) FROM STDIN") as copy:
            for row in rows:
                buffer.append("\t".join(_cell(v) for v in row))
                n += 1
                if len(buffer) >= chunk:
                    copy.write("\n".join(buffer) + "\n")
                    buffer.clear()
            if buffer:
                copy.write("\n".join(buffer) + "\n")
        cur.execute("SET session_replication_role = DEFAULT")
    return n


def reserve_ids(raw, table: str, n: int) -> list[int]:
    """n fresh primary keys from the table's own sequence (safe beside concurrent inserts)."""
    with raw.cursor() as cur:
        cur.execute(
            "SELECT nextval(pg_get_serial_sequence(%s, 'id')) FROM generate_series(1, %s)",
            [table, n],
        )
        return [r[0] for r in cur.fetchall()]


def membership_number(i: int) -> str:
    from portal.accounts.membership import damm_check_digit

    body = str(9_000_000 + i)  # 9xxxxxx: never produced by the portal's random 1-9 million
    return body + str(damm_check_digit(body))


def member_email(i: int) -> str:
    return f"m{i}@{EMAIL_DOMAIN}"


# -- the seed --------------------------------------------------------------------------------


def seed(scale: float) -> dict:
    from django.contrib.auth.hashers import make_password
    from django.db import connection
    from django.utils import timezone

    from casework.deadlines import three_months_less_one_day
    from portal import crypto
    from portal.accounts.models import Region

    counts = Counts.for_scale(scale)
    rng = random.Random(8)  # noqa: S311 - test data
    now = timezone.now()
    started = time.perf_counter()
    connection.ensure_connection()
    raw = connection.connection
    log(f"scale {scale}: {counts}")

    regions = list(Region.objects.order_by("pk").values_list("pk", "slug", "nation"))
    staff = _staff(regions)

    # Employers.
    employer_ids = reserve_ids(raw, "accounts_employer", counts.employers)
    employer_kind = {}

    def employers():
        for k, pk in enumerate(employer_ids):
            kind = EMPLOYER_KINDS[k % len(EMPLOYER_KINDS)]
            employer_kind[pk] = kind
            label = "School" if kind == "school" else kind.replace("_", " ").title()
            yield (pk, f"Scale {label} {k}", kind, TOWNS[k % len(TOWNS)], True, now)

    copy_rows(
        raw,
        "accounts_employer",
        ["id", "name", "kind", "town", "verified", "created_at"],
        employers(),
    )
    log(f"{counts.employers} employers")

    # Members: users, memberships; the first LOGIN_USERS can log in.
    user_ids = reserve_ids(raw, "accounts_user", counts.members)
    login_hash = make_password(BENCH_PASSWORD)
    unusable = make_password(None)
    section_weights = [s[4] for s in SECTION_ROLES]
    members = []  # (user_id, section, region_id, nation, employer_id, status)
    status_pool = ["active"] * 90 + ["lapsed"] * 6 + ["resigned"] * 2 + ["applicant"] * 2

    def users():
        for i, pk in enumerate(user_ids):
            yield (
                pk,
                login_hash if i < LOGIN_USERS else unusable,
                None,
                False,
                member_email(i),
                FIRST_NAMES[rng.randrange(len(FIRST_NAMES))],
                LAST_NAMES[rng.randrange(len(LAST_NAMES))],
                False,
                True,
                now - dt.timedelta(days=rng.randrange(3650)),
            )

    copy_rows(
        raw,
        "accounts_user",
        [
            "id",
            "password",
            "last_login",
            "is_superuser",
            "email",
            "first_name",
            "last_name",
            "is_staff",
            "is_active",
            "date_joined",
        ],
        users(),
    )

    def memberships():
        for i, pk in enumerate(user_ids):
            section, role, full, part, _ = rng.choices(SECTION_ROLES, section_weights)[0]
            region_id, _slug, nation = regions[rng.randrange(len(regions))]
            employer_id = employer_ids[rng.randrange(len(employer_ids))]
            full_time = rng.random() < 0.8
            status = "active" if i < LOGIN_USERS else status_pool[rng.randrange(100)]
            members.append((pk, section, region_id, nation, employer_id, status))
            yield (
                membership_number(i),
                status,
                now,
                dt.date(2000, 1, 1) + dt.timedelta(days=rng.randrange(9000)),
                role,
                "full_time" if full_time else "part_time",
                section,
                full if full_time else part,
                f"LS{rng.randrange(1, 30)} {rng.randrange(1, 9)}AB",
                nation,
                i % 97 == 0,
                employer_id,
                pk,
                region_id,
            )

    copy_rows(
        raw,
        "accounts_membership",
        [
            "number",
            "status",
            "status_changed_at",
            "joined_on",
            "job_role",
            "hours",
            "section",
            "fee_band",
            "workplace_postcode",
            "nation",
            "is_rep",
            "employer_id",
            "user_id",
            "region_id",
        ],
        memberships(),
    )
    copy_rows(
        raw,
        "account_emailaddress",
        ["email", "verified", "primary", "user_id"],
        ((member_email(i), True, True, user_ids[i]) for i in range(LOGIN_USERS)),
    )
    log(f"{counts.members} members")

    # Cases and their timelines.
    texts = [crypto.encrypt_text(t) for t in CASE_TEXT]
    outcomes = [crypto.encrypt_text(t) for t in OUTCOME_TEXT]
    messages = [crypto.encrypt_text(t) for t in MESSAGE_TEXT]
    resolved_note = crypto.encrypt_text("Resolved with the employer; member satisfied.")
    case_ids = reserve_ids(raw, "casework_case", counts.cases)
    status_names = [s for s, _ in CASE_STATUSES]
    status_weights = [w for _, w in CASE_STATUSES]
    last_reference: dict[int, int] = {}
    timelines = []  # (case_id, member_id, officer_id, submitted_at, status, n_events)
    officers_by_region = staff["officers_by_region"]
    lead_officers = staff["lead_officers"]
    today = timezone.localdate()

    def cases():
        for pk in case_ids:
            user_id, section, region_id, nation, employer_id, _ = members[
                rng.randrange(len(members))
            ]
            status = rng.choices(status_names, status_weights)[0]
            age = rng.randrange(200, 1800) if status == "closed" else rng.randrange(0, 180)
            submitted = now - dt.timedelta(days=age, minutes=rng.randrange(1440))
            year = submitted.year
            last_reference[year] = last_reference.get(year, 0) + 1
            officer = None
            if status != "new":
                pool = lead_officers if section == "leadership" else officers_by_region[region_id]
                officer = pool[rng.randrange(len(pool))]
            r = rng.random()
            priority = "urgent" if r < 0.03 else ("high" if r < 0.10 else "normal")
            hearing = None
            if status != "closed" and rng.random() < 0.1:
                hearing = today + dt.timedelta(days=rng.randrange(1, 60))
            # A possible tribunal claim on one open case in ten: the queue's limit column.
            claim, act, limit = "", None, None
            if status != "closed" and rng.random() < 0.1:
                claim = "dismissal"
                act = today - dt.timedelta(days=rng.randrange(0, 90))
                limit = three_months_less_one_day(act)
            closed_at = (
                submitted + dt.timedelta(days=rng.randrange(5, 120)) if status == "closed" else None
            )
            n_events = rng.randrange(5, 16)
            timelines.append((pk, user_id, officer, submitted, status, n_events))
            yield (
                pk,
                f"CW-{year}-{last_reference[year]:06d}",
                CATEGORIES[rng.randrange(len(CATEGORIES))],
                nation,
                section,
                texts[rng.randrange(len(texts))],
                outcomes[rng.randrange(len(outcomes))],
                submitted.date() - dt.timedelta(days=rng.randrange(10, 200)),
                hearing,
                rng.random() < 0.05,
                "",
                False,
                status,
                priority,
                WAITING_ON.get(status, "officer"),
                priority == "urgent",
                False,
                "",
                "resolved" if status == "closed" else "",
                resolved_note if status == "closed" else "",
                "",
                False,
                submitted - dt.timedelta(minutes=30),
                submitted,
                closed_at or submitted + dt.timedelta(days=rng.randrange(0, 10)),
                closed_at,
                # The officer's first answer (the reports' time to first response).
                None
                if status == "new"
                else submitted + dt.timedelta(hours=rng.randrange(1, 24 * 8)),
                officer,
                employer_id,
                user_id,
                region_id,
                "",
                claim,
                act,
                limit,
                "online",
                False,
                "",
            )

    copy_rows(
        raw,
        "casework_case",
        [
            "id",
            "reference",
            "category",
            "nation",
            "section",
            "what_happened",
            "desired_outcome",
            "problem_started_on",
            "hearing_date",
            "colleagues_affected",
            "other_party_name",
            "restricted",
            "status",
            "priority",
            "waiting_on",
            "urgent",
            "overdue",
            "eligibility_concern",
            "outcome",
            "outcome_note",
            "legal_reason",
            "complaint_open",
            "created_at",
            "submitted_at",
            "last_activity_at",
            "closed_at",
            "first_response_at",
            "assigned_to_id",
            "employer_id",
            "member_id",
            "region_id",
            "member_search",
            "claim_type",
            "act_on",
            "tribunal_limit_on",
            "channel",
            "collective",
            "collective_summary",
        ],
        cases(),
    )
    with raw.cursor() as cur:
        # The database's own trigger keeps the member's name on each case (casework
        # migration 0005); COPY with triggers off skips it: loaded empty, filled in here.
        cur.execute(
            "UPDATE casework_case c SET member_search = UPPER(u.first_name || ' ' || "
            "u.last_name) FROM accounts_user u WHERE u.id = c.member_id"
        )
        for year, last in last_reference.items():
            cur.execute(
                "INSERT INTO casework_referencecounter (year, last) VALUES (%s, %s) "
                "ON CONFLICT (year) DO UPDATE SET last = GREATEST("
                "casework_referencecounter.last, EXCLUDED.last)",
                [year, last],
            )
    log(f"{counts.cases} cases")

    kinds_cycle = ["member_message", "officer_message", "note", "status", "officer_message"]

    def events():
        for case_id, member_id, officer, submitted, _status, n_events in timelines:
            at = submitted
            yield ("submitted", "", "", "new", True, at, member_id, case_id)
            for k in range(1, n_events):
                at = at + dt.timedelta(hours=rng.randrange(1, 72))
                kind = kinds_cycle[k % len(kinds_cycle)]
                author = member_id if kind == "member_message" else officer
                if kind == "status":
                    yield (kind, "", "new", "in_progress", True, at, author, case_id)
                else:
                    body = messages[rng.randrange(len(messages))]
                    yield (kind, body, "", "", kind != "note", at, author, case_id)

    n_events = copy_rows(
        raw,
        "casework_caseevent",
        [
            "kind",
            "body",
            "old_status",
            "new_status",
            "visible_to_member",
            "created_at",
            "author_id",
            "case_id",
        ],
        events(),
    )
    log(f"{n_events} timeline entries")

    documents = _standards(counts.documents, staff["publisher"], rng, now)
    log(f"{documents} standards documents")

    responses, answers = _consultations(raw, counts, members, employer_kind, rng, now)
    log(f"{counts.consultations} consultations, {responses} responses, {answers} answers")

    log("VACUUM ANALYZE")
    with raw.cursor() as cur:
        cur.execute("VACUUM ANALYZE")
    data = {
        "scale": scale,
        "counts": counts.__dict__,
        "events": n_events,
        "answers": answers,
        "field_key": _current_key(),
        "seconds": round(time.perf_counter() - started, 1),
    }
    with connection.cursor() as cur:
        write_marker(cur, data)
    log(f"done in {data['seconds']} s")
    return data


def _current_key() -> str:
    from django.conf import settings

    return settings.FIELD_ENCRYPTION_KEYS[0]


def _staff(regions) -> dict:
    """Officers for every region, lead officers, a casework manager and a publisher, each
    with TOTP set up (staff need a second factor before any admin page opens)."""
    from allauth.mfa.totp.internal.auth import TOTP, generate_totp_secret
    from django.contrib.auth.models import Group

    from portal.accounts.models import User
    from portal.accounts.roles import Role

    def officer(email, role, region_ids=()):
        user, created = User.objects.get_or_create(
            email=email,
            defaults={"first_name": email.split("@")[0].title(), "last_name": "Officer"},
        )
        if created:
            user.is_staff = True
            user.set_unusable_password()
            user.save()
            user.groups.add(Group.objects.get(name=role))
            if region_ids:
                user.regions.set(region_ids)
            TOTP.activate(user, generate_totp_secret())
        return user.pk

    by_region = {}
    for region_id, slug, _nation in regions:
        by_region[region_id] = [
            officer(f"{slug}-{n}@{OFFICER_DOMAIN}", Role.CASEWORKER, [region_id]) for n in (1, 2)
        ]
    leads = [officer(f"lead-{n}@{OFFICER_DOMAIN}", Role.LEAD_OFFICER) for n in (1, 2, 3)]
    officer(f"manager@{OFFICER_DOMAIN}", Role.CASEWORK_MANAGER)
    publisher = officer(f"publisher@{OFFICER_DOMAIN}", Role.PUBLISHER)
    return {"officers_by_region": by_region, "lead_officers": leads, "publisher": publisher}


def _standards(n_docs: int, publisher_id: int, rng, now) -> int:
    from portal.markdown import render_plain
    from standards.models import Document, Edition, Standard

    docs = Document.objects.bulk_create(
        [
            Document(
                slug=f"scale-standard-{k:03d}",
                created_by_id=publisher_id,
                review_by=(now + dt.timedelta(days=200)).date(),
            )
            for k in range(n_docs)
        ]
    )
    editions, plans = [], []
    for k, doc in enumerate(docs):
        topic = TOPICS[k % len(TOPICS)]
        other = TOPICS[(k * 7 + 3) % len(TOPICS)]
        n_editions = 1 + k % 3
        for number in range(1, n_editions + 1):
            current = number == n_editions
            published = now - dt.timedelta(days=400 * (n_editions - number) + 30)
            editions.append(
                Edition(
                    document=doc,
                    number=number,
                    status="published" if current else "superseded",
                    title=f"Standards for {topic} and {other} ({k})",
                    summary=f"What good practice in {topic} looks like, and how {other} "
                    "supports it, for everyone working in education.",
                    audience=["teachers", "leadership", "support", "all"][k % 4],
                    for_wales=k % 3 == 0,
                    for_scotland=k % 5 == 0,
                    change_note="First edition." if number == 1 else "Updated after review.",
                    created_by_id=publisher_id,
                    approved_by_id=publisher_id,
                    published_at=published,
                    superseded_at=None if current else published + dt.timedelta(days=400),
                )
            )
            plans.append((topic, other))
    editions = Edition.objects.bulk_create(editions)
    standards = []
    for edition, (topic, other) in zip(editions, plans, strict=True):
        for n in range(1, 9):
            standards.append(
                Standard(
                    edition=edition,
                    number=n,
                    heading=f"{topic.title()} is planned and reviewed ({n})",
                    body=(
                        f"Leaders make sure that **{topic}** is planned with staff and "
                        f"reviewed each year. The approach to {other} is written down, shared "
                        "with everyone and checked against what pupils and staff say.\n\n"
                        "| evidence | how often |\n| --- | --- |\n| staff survey | yearly |\n"
                        "| governor report | termly |\n"
                    ),
                    indicators=(
                        f"- Staff can explain the {topic} policy\n- Time is given for {other}\n"
                        "- Training is recorded and reviewed"
                    ),
                )
            )
    Standard.objects.bulk_create(standards, batch_size=2000)
    by_edition: dict[int, list[Standard]] = {}
    for s in standards:
        by_edition.setdefault(s.edition_id, []).append(s)
    for edition in editions:
        parts = [edition.title, edition.summary]
        for s in by_edition[edition.pk]:
            parts += [s.heading, render_plain(s.body), render_plain(s.indicators)]
        edition.search_text = "\n".join(parts)
    Edition.objects.bulk_update(editions, ["search_text"], batch_size=500)
    current = {e.document_id: e.pk for e in editions if e.status == "published"}
    for doc in docs:
        doc.current_edition_id = current[doc.pk]
    Document.objects.bulk_update(docs, ["current_edition"], batch_size=500)
    return len(docs)


QUESTION_PLAN = (
    # kind, options, required; 20 questions, the first 10 required
    [("single_choice", "Strongly agree\nAgree\nDisagree\nStrongly disagree", True)] * 4
    + [("scale", "", True)] * 3
    + [("yes_no", "", True)] * 3
    + [("single_choice", "Yes, in full\nIn part\nNot at all\nDon't know", False)] * 4
    + [("multiple_choice", "Pay\nWorkload\nWellbeing\nSafety\nOther", False)] * 2
    + [("scale", "", False)]
    + [("yes_no", "", False)]
    + [("short_text", "", False), ("long_text", "", False)]
)


def _first_value(kind: str, options: str) -> str:
    if kind == "scale":
        return "4"
    if kind == "yes_no":
        return "Yes"
    return options.splitlines()[0] if options else ""


def _consultations(raw, counts: Counts, members, employer_kind, rng, now) -> tuple[int, int]:
    from consultations.models import Consultation, Question, QuestionSection

    consultations = Consultation.objects.bulk_create(
        [
            Consultation(
                title=f"Consultation on {TOPICS[k % len(TOPICS)]} ({k})",
                slug=f"scale-consultation-{k:02d}",
                summary=f"The government asks for views on {TOPICS[k % len(TOPICS)]}.",
                background="Read the proposals, then answer as many questions as you can.",
                consulting_body="dfe",
                opens_at=now - dt.timedelta(days=20),
                closes_at=now + dt.timedelta(days=365),
                published_at=now - dt.timedelta(days=21),
            )
            for k in range(counts.consultations)
        ]
    )
    sections = QuestionSection.objects.bulk_create(
        [
            QuestionSection(consultation=c, title=title, order=n)
            for c in consultations
            for n, title in enumerate(["About the proposals", "Your experience"])
        ]
    )
    section_of = {(s.consultation_id, s.order): s for s in sections}
    questions = Question.objects.bulk_create(
        [
            Question(
                consultation=c,
                section=section_of[(c.pk, 0 if n < 10 else 1)],
                order=n,
                kind=kind,
                text=f"Question {n + 1} about {TOPICS[n % len(TOPICS)]}?",
                required=required,
                options=options,
                scale_min=1,
                scale_max=5,
                scale_min_label="Strongly disagree" if kind == "scale" else "",
                scale_max_label="Strongly agree" if kind == "scale" else "",
            )
            for c in consultations
            for n, (kind, options, required) in enumerate(QUESTION_PLAN)
        ]
    )
    by_consultation: dict[int, list[Question]] = {}
    for q in questions:
        by_consultation.setdefault(q.consultation_id, []).append(q)

    per = counts.responses // len(consultations)
    response_ids = reserve_ids(raw, "consultations_response", per * len(consultations))
    plan = []  # (response_id, consultation_id)
    active = [m for m in members if m[5] == "active"]

    def responses():
        idx = 0
        for k, c in enumerate(consultations):
            start = (k * 7919) % len(active)
            for j in range(per):
                user_id, section, _r, nation, employer_id, _s = active[(start + j) % len(active)]
                pk = response_ids[idx]
                idx += 1
                plan.append((pk, c.pk))
                at = now - dt.timedelta(minutes=rng.randrange(20 * 1440))
                yield (
                    pk,
                    "submitted",
                    ["named", "anonymous", "no"][j % 3],
                    section,
                    nation,
                    employer_kind[employer_id],
                    at,
                    at,
                    at,
                    c.pk,
                    user_id,
                    "en-gb",
                )

    n_responses = copy_rows(
        raw,
        "consultations_response",
        [
            "id",
            "status",
            "quote_consent",
            "section",
            "nation",
            "employer_kind",
            "created_at",
            "updated_at",
            "submitted_at",
            "consultation_id",
            "user_id",
            "language",
        ],
        responses(),
    )

    def answers():
        choice_values = {}
        for qs in by_consultation.values():
            for q in qs:
                if q.kind in ("single_choice", "scale", "yes_no", "multiple_choice"):
                    choice_values[q.pk] = q.option_list
        for response_id, consultation_id in plan:
            qs = by_consultation[consultation_id]
            # The ten required questions, and two of the optional ones.
            for q in qs[:10] + [qs[10 + n] for n in rng.sample(range(10), 2)]:
                if q.pk in choice_values:
                    values = choice_values[q.pk]
                    yield (values[rng.randrange(len(values))], "", q.pk, response_id)
                else:
                    yield ("", "Workload is the main problem in my school.", q.pk, response_id)

    n_answers = copy_rows(
        raw,
        "consultations_answer",
        ["choice", "text", "question_id", "response_id"],
        answers(),
    )
    return n_responses, n_answers
