"""Collective cases: one restructure, redundancy or TUPE case for many members, each added
with their consent and each seeing only the group's updates and their own messages; links
between related cases; merging a duplicate (no event lost, both members told)."""

from __future__ import annotations

import hashlib
import html
from datetime import date

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test import Client
from django.urls import reverse

from casework import access, services
from casework.files import CheckedFile
from casework.models import (
    Case,
    CaseAccess,
    CaseAttachment,
    CaseEvent,
    CaseLink,
    CaseMember,
    EventKind,
    Outcome,
    Status,
)
from portal.communications.models import Delivery
from tests.casework.conftest import PDF_BYTES, details
from tests.factories import EmployerFactory, MembershipFactory, region

pytestmark = pytest.mark.django_db

SUMMARY = "GROUP-SUMMARY: the school plans to cut six support posts."
OFFICER_ROLES = ["cw_london", "cw_wales", "lead", "manager", "publisher"]
# Who may open the case in the admin: a London case, not a Leadership one.
OFFICER_SEES = {"cw_london": True, "cw_wales": False, "lead": False, "manager": True}


def checked(name: str) -> CheckedFile:
    return CheckedFile(
        name, "application/pdf", len(PDF_BYTES), hashlib.sha256(PDF_BYTES).hexdigest(), PDF_BYTES
    )


def notices(kind, user=None):
    qs = Delivery.objects.filter(notification=kind)
    return qs.filter(user=user) if user is not None else qs


def event_with(body: str) -> CaseEvent | None:
    """The event with this text (the text is encrypted: not searchable in the database)."""
    found = [e for e in CaseEvent.objects.all() if e.body == body]
    assert len(found) <= 1
    return found[0] if found else None


def page(client, case) -> tuple[int, str]:
    response = client.get(reverse("casework:detail", args=[case.reference]))
    return response.status_code, response.content.decode()


def login(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


@pytest.fixture
def group(people):
    """A restructure at one school: its lead member's case, made collective, with four more
    members of the school invited (five members in all)."""
    school = EmployerFactory(name="Hillside Academy")
    london = region("london")
    members = [
        MembershipFactory(employer=school, region=london, joined_on=date(2020, 1, 1)).user
        for _ in range(5)
    ]
    lead = members[0]
    case = services.case_submit(
        member=lead, details=details(lead, category="restructure", employer=school)
    )
    services.case_member_reply(
        case=case, member=lead, body="LEAD-OWN-MESSAGE before it was collective"
    )
    officer = people["cw_london"]
    services.case_assign(case=case, officer=officer, by=officer)
    services.case_make_collective(case=case, by=officer, summary=SUMMARY)
    for member in members[1:]:
        services.case_add_member(case=case, by=officer, member=member)
    case.refresh_from_db()
    return {"case": case, "members": members, "school": school, "officer": officer}


def consent_all(group):
    for member in group["members"][1:]:
        place = CaseMember.objects.get(case=group["case"], member=member)
        services.case_member_answer(place=place, member=member, consent=True)


def talk(group):
    """Each member writes (with a file); the officer writes to all and to member 2 alone."""
    case, officer = group["case"], group["officer"]
    for i, member in enumerate(group["members"]):
        services.case_member_reply(
            case=case, member=member, body=f"MSG-FROM-{i}", files=[checked(f"file-of-{i}.pdf")]
        )
    services.case_officer_message(
        case=case, by=officer, body="GROUP-UPDATE for all", files=[checked("group-letter.pdf")]
    )
    services.case_officer_message(
        case=case, by=officer, body="PRIVATE-TO-2", for_member=group["members"][2]
    )


# --- Consent -------------------------------------------------------------------------------


def test_an_invited_member_sees_nothing_of_the_case_before_consenting(group):
    case = group["case"]
    for member in group["members"][1:]:
        client = login(member)
        assert page(client, case)[0] == 404
        listing = client.get(reverse("casework:list")).content.decode()
        # Only the invitation, by reference, with the way to answer it.
        assert reverse("casework:join", args=[case.reference]) in listing
        assert f'href="{reverse("casework:detail", args=[case.reference])}"' not in listing
        join = client.get(reverse("casework:join", args=[case.reference]))
        assert join.status_code == 200
        text = join.content.decode()
        assert "What joining means" in text
        assert "GROUP-SUMMARY" not in text and "SECRET-NARRATIVE" not in text
        assert notices("case_collective_invitation", member).count() == 1
        body = notices("case_collective_invitation", member).get().context
        assert set(body) == {"reference", "url"}


def test_each_member_sees_the_case_after_consenting_and_not_before(group):
    case = group["case"]
    for member in group["members"][1:]:
        client = login(member)
        assert page(client, case)[0] == 404
        response = client.post(reverse("casework:join", args=[case.reference]), {"answer": "join"})
        assert response.status_code == 302
        status, text = page(client, case)
        assert status == 200
        assert "GROUP-SUMMARY" in text
        # Never the lead member's own account, nor their messages from before.
        assert "SECRET-NARRATIVE" not in text and "LEAD-OWN-MESSAGE" not in text
        # The officer is told an invitation was answered (reference and link only).
        assert notices("case_collective_answer_officer", group["officer"]).exists()
        # The join page is answered once.
        assert client.get(reverse("casework:join", args=[case.reference])).status_code == 404


def test_a_members_cases_are_read_through_indexes_not_the_whole_case_table(group, submit):
    """The member's own cases and the collective cases they joined, found by two index
    lookups: an OR of the two kinds could only be answered by reading every case in the
    union's table, on every member's dashboard and case list."""
    consent_all(group)
    case, joined = group["case"], group["members"][1]
    own = submit(joined)
    assert set(access.member_cases(joined).values_list("pk", flat=True)) == {case.pk, own.pk}
    assert set(access.member_cases(group["members"][0]).values_list("pk", flat=True)) == {case.pk}
    sql, params = access.member_cases(joined).order_by("-created_at")[:5].query.sql_with_params()
    with connection.cursor() as cursor:
        # However few cases this test database holds, a plan that has to read the whole
        # table still does with sequential scans off; one that uses indexes does not.
        cursor.execute("SET enable_seqscan = off")
        cursor.execute("EXPLAIN " + sql, params)
        plan = "\n".join(row[0] for row in cursor.fetchall())
        cursor.execute("RESET enable_seqscan")
    assert "Seq Scan on casework_case" not in plan, plan


def test_a_member_who_declines_sees_nothing_and_a_removed_member_loses_the_case(group):
    case = group["case"]
    first, second = group["members"][1], group["members"][2]
    client = login(first)
    response = client.post(reverse("casework:join", args=[case.reference]), {"answer": "decline"})
    assert response.status_code == 302
    assert page(client, case)[0] == 404
    assert CaseMember.objects.get(case=case, member=first).declined_at is not None

    services.case_member_answer(
        place=CaseMember.objects.get(case=case, member=second), member=second, consent=True
    )
    other = login(second)
    assert page(other, case)[0] == 200
    services.case_remove_member(
        case=case, by=group["officer"], place=CaseMember.objects.get(case=case, member=second)
    )
    assert page(other, case)[0] == 404


def test_a_bad_answer_on_the_join_page_is_refused_and_nothing_is_saved(group):
    case = group["case"]
    member = group["members"][1]
    client = login(member)
    for data in ({}, {"answer": "maybe"}, {"answer": ""}):
        response = client.post(reverse("casework:join", args=[case.reference]), data)
        assert response.status_code == 400
        assert "Choose whether to join the case." in response.content.decode()
    place = CaseMember.objects.get(case=case, member=member)
    assert place.consented_at is None and place.declined_at is None
    # Someone not invited: the same 404 as a case that does not exist.
    outsider = login(MembershipFactory().user)
    assert outsider.get(reverse("casework:join", args=[case.reference])).status_code == 404
    assert outsider.get(reverse("casework:join", args=["CW-2099-000001"])).status_code == 404


# --- Visibility: every member × every officer role ----------------------------------------


def test_every_member_sees_the_group_updates_and_only_their_own_messages_and_files(group):
    consent_all(group)
    talk(group)
    case = group["case"]
    members = group["members"]
    for i, member in enumerate(members):
        client = login(member)
        status, text = page(client, case)
        assert status == 200, i
        assert "GROUP-UPDATE for all" in text and "group-letter.pdf" in text
        assert f"MSG-FROM-{i}" in text and f"file-of-{i}.pdf" in text
        for j, other in enumerate(members):
            if j == i:
                continue
            assert f"MSG-FROM-{j}" not in text, (i, j)
            assert f"file-of-{j}.pdf" not in text, (i, j)
            assert other.last_name not in text or other.last_name in member.get_full_name()
        assert ("PRIVATE-TO-2" in text) == (i == 2)
        assert ("SECRET-NARRATIVE" in text) == (i == 0)  # the lead member's own account
        # Files: their own and the group's download; another member's is the same 404.
        for attachment in CaseAttachment.objects.filter(case=case):
            url = reverse("casework:attachment", args=[case.reference, attachment.pk])
            mine = attachment.name in (f"file-of-{i}.pdf", "group-letter.pdf")
            assert client.get(url).status_code == (200 if mine else 404), (i, attachment.name)
        # The list and the data download say no more than the page.
        listing = client.get(reverse("casework:list")).content.decode()
        assert case.reference in listing
        events = list(access.member_visible_events(case, member))
        assert all(e.for_member_id in (None, member.pk) for e in events)
        assert not any(e.kind == EventKind.MEMBER_MESSAGE and e.author != member for e in events)


def test_a_non_collective_case_is_unchanged_for_its_member(people, submit):
    case = submit(people["member"])
    services.case_member_reply(case=case, member=people["member"], body="MY-OWN")
    events = access.member_visible_events(case, people["member"])
    assert list(events) == list(case.events.filter(visible_to_member=True))
    assert not access.member_visible_events(case, people["member_b"]).exists()


@pytest.mark.parametrize("role", [*OFFICER_ROLES, "outsider"])
def test_officer_roles_see_the_collective_case_as_before(client, people, group, role):
    consent_all(group)
    talk(group)
    case = group["case"]
    if role == "outsider":
        outsider = people["member_b"]  # a member not on the case
        client.force_login(outsider)
        assert page(client, case)[0] == 404
        assert client.get(reverse("casework:join", args=[case.reference])).status_code == 404
        assert client.get(reverse("admin:casework_case_change", args=[case.pk])).status_code == 302
        assert not access.member_cases(outsider).filter(pk=case.pk).exists()
        return
    user = people[role]
    client.force_login(user)
    sees = OFFICER_SEES.get(role, False)
    assert access.cases_visible_to(user).filter(pk=case.pk).exists() == sees
    change = client.get(reverse("admin:casework_case_change", args=[case.pk]))
    collective = client.get(reverse("admin:casework_case_collective", args=[case.pk]))
    if sees:
        assert change.status_code == collective.status_code == 200
        text = change.content.decode()
        # Officers see every member's messages, and to whom the officer wrote.
        assert all(f"MSG-FROM-{i}" in text for i in range(5))
        assert "only)" in text and "Collective and linked cases" in text
    else:
        assert change.status_code == collective.status_code == 404
    # Nobody is on the case through an officer role: the member pages stay closed.
    assert page(client, case)[0] == 404


def test_the_conflict_rule_still_applies_to_a_collective_case(people, group):
    consent_all(group)
    case = group["case"]
    officer = people["cw_london"]
    other = people["member"]
    # The officer holds the other party's own case: this one is now about them.
    theirs = services.case_submit(member=other, details=details(other))
    services.case_assign(case=theirs, officer=people["manager"], by=people["manager"])
    Case.objects.filter(pk=case.pk).update(other_party=other, assigned_to=None)
    Case.objects.filter(pk=theirs.pk).update(assigned_to=officer)
    assert not access.cases_visible_to(officer).filter(pk=case.pk).exists()


def test_a_rep_sees_the_group_updates_only_without_consenting(people, group):
    consent_all(group)
    case = group["case"]
    rep = MembershipFactory(employer=group["school"], is_rep=True).user
    services.case_involve_rep(case=case, by=group["officer"], rep=rep)
    talk(group)
    status, text = page(login(rep), case)
    assert status == 200
    assert "GROUP-UPDATE for all" in text and "GROUP-SUMMARY" in text
    assert "MSG-FROM" not in text and "PRIVATE-TO-2" not in text
    assert notices("case_collective_rep", rep).count() == 1
    # Only a rep at the employer can be involved.
    not_rep = MembershipFactory(employer=group["school"]).user
    elsewhere = MembershipFactory(is_rep=True).user
    for person in (not_rep, elsewhere):
        with pytest.raises(ValidationError):
            services.case_involve_rep(case=case, by=group["officer"], rep=person)


def test_group_updates_reach_everyone_on_the_case_and_a_message_to_one_only_them(group):
    consent_all(group)
    Delivery.objects.all().delete()
    talk(group)
    for i, member in enumerate(group["members"]):
        expected = 2 if i == 2 else 1
        assert notices("case_message", member).count() == expected, i


# --- Officers adding members --------------------------------------------------------------


def test_officers_add_members_from_the_case_page_and_bad_input_is_refused(client, group):
    case, officer = group["case"], group["officer"]
    client.force_login(officer)
    url = reverse("admin:casework_case_collective", args=[case.pk])
    before = CaseMember.objects.count()
    stranger = MembershipFactory()  # at another employer
    for data, words in (
        ({"action": "add_member", "m-who": "99999999"}, services.NO_SUCH_MEMBER),
        ({"action": "add_member", "m-who": ""}, "This field is required."),
        ({"action": "add_member", "m-who": stranger.number}, "not at the case"),
        (
            {"action": "add_member", "m-who": group["members"][1].email},
            services.ALREADY_ON_THE_CASE,
        ),
        ({"action": "add_member", "m-who": case.member.email}, services.LEAD_MEMBER_ALREADY),
        ({"action": "nonsense"}, "Choose what to do."),
        ({"action": "remove", "place": "abc"}, services.NOT_ON_THE_CASE),
        ({"action": "remove", "place": "999999"}, services.NOT_ON_THE_CASE),
        ({"action": "collective", "c-summary": " "}, "This field is required."),
        ({"action": "link", "l-reference": "CW-2099-999999"}, services.NO_SUCH_CASE_TO_LINK),
        ({"action": "merge", "g-reference": case.reference}, services.MERGE_SAME_CASE),
    ):
        response = client.post(url, data)
        assert response.status_code == 400, data
        assert words in html.unescape(response.content.decode()), data
    assert CaseMember.objects.count() == before
    assert not CaseLink.objects.exists()

    response = client.post(
        url,
        {"action": "add_member", "m-who": stranger.number, "m-override_note": "Moved schools"},
    )
    assert response.status_code == 302
    place = CaseMember.objects.get(case=case, member=stranger.user)
    assert place.override_note == "Moved schools" and place.consented_at is None
    found = client.post(
        url, {"action": "add_member", "m-who": MembershipFactory(employer=group["school"]).number}
    )
    assert found.status_code == 302
    page_text = client.get(url).content.decode()
    assert "invited, not answered yet" in page_text and "Moved schools" in page_text


def test_only_an_officer_who_may_work_the_case_adds_members(people, group):
    newcomer = MembershipFactory(employer=group["school"]).user
    for role in ("cw_wales", "lead", "publisher"):
        with pytest.raises(Exception):  # noqa: B017,PT011  refused as not found
            services.case_add_member(case=group["case"], by=people[role], member=newcomer)
    assert not CaseMember.objects.filter(member=newcomer).exists()


def test_only_restructure_redundancy_or_tupe_with_an_employer_can_be_collective(people, submit):
    officer = people["cw_london"]
    case = submit(people["member"])  # a discipline case
    with pytest.raises(ValidationError) as refused:
        services.case_make_collective(case=case, by=officer, summary="x")
    assert services.NOT_COLLECTIVE_CATEGORY in refused.value.messages
    Case.objects.filter(pk=case.pk).update(category="tupe")
    with pytest.raises(ValidationError):
        services.case_make_collective(case=case, by=officer, summary="  ")
    case.refresh_from_db()
    assert not case.collective


def test_the_work_form_replies_to_one_member_or_to_all(client, group):
    consent_all(group)
    case, officer = group["case"], group["officer"]
    client.force_login(officer)
    url = reverse("admin:casework_case_change", args=[case.pk])
    form = client.get(url).content.decode()
    assert 'name="message_for"' in form and "Everyone on the case" in form
    target = group["members"][3]
    response = client.post(
        url,
        {"priority": case.priority, "message": "ONLY-FOR-3", "message_for": target.pk},
        follow=True,
    )
    assert response.status_code == 200
    event = event_with("ONLY-FOR-3")
    assert event.for_member == target
    client.post(url, {"priority": case.priority, "message": "FOR-ALL"}, follow=True)
    assert event_with("FOR-ALL").for_member is None
    # A member not on the case cannot be chosen: refused, nothing sent.
    stranger = MembershipFactory().user
    response = client.post(
        url, {"priority": case.priority, "message": "NOPE", "message_for": stranger.pk}
    )
    assert response.status_code == 200 and event_with("NOPE") is None
    with pytest.raises(ValidationError):
        services.case_officer_message(case=case, by=officer, body="x", for_member=stranger)


# --- Links --------------------------------------------------------------------------------


def test_links_are_shown_both_ways_and_never_name_a_case_the_viewer_cannot_see(
    client, people, group
):
    case, officer = group["case"], group["officer"]
    london = services.case_submit(member=people["member"], details=details(people["member"]))
    welsh = services.case_submit(member=people["welsh"], details=details(people["welsh"]))
    manager = people["manager"]
    services.case_link(case=case, reference=london.reference, by=officer)
    with pytest.raises(ValidationError):  # the London officer cannot see the Welsh case
        services.case_link(case=case, reference=welsh.reference, by=officer)
    with pytest.raises(ValidationError):
        services.case_link(case=case, reference=london.reference, by=officer)
    services.case_link(case=case, reference=welsh.reference, by=manager)
    assert CaseLink.objects.count() == 2

    visible, hidden = access.linked_cases(officer, case)
    assert [c.pk for c in visible] == [london.pk] and hidden == 1
    assert access.linked_cases(officer, london) == ([case], 0)
    client.force_login(officer)
    text = client.get(reverse("admin:casework_case_change", args=[case.pk])).content.decode()
    assert london.reference in text and welsh.reference not in text
    assert "1 linked case(s) you cannot see" in text
    client.force_login(people["cw_wales"])
    text = client.get(reverse("admin:casework_case_change", args=[welsh.pk])).content.decode()
    assert case.reference not in text and "1 linked case(s) you cannot see" in text
    # The timeline entry says a link was made, never which case.
    assert all("CW-" not in e.body for e in CaseEvent.objects.filter(kind=EventKind.LINKED))


# --- Merge --------------------------------------------------------------------------------


def test_a_merge_keeps_every_event_and_file_and_tells_both_members(people, group):
    consent_all(group)
    talk(group)
    target, officer = group["case"], group["officer"]
    duplicate_member = MembershipFactory(employer=group["school"]).user
    source = services.case_submit(
        member=duplicate_member,
        details=details(duplicate_member, category="restructure", employer=group["school"]),
    )
    services.case_member_reply(
        case=source, member=duplicate_member, body="DUP-OWN", files=[checked("dup.pdf")]
    )
    services.case_internal_note(case=source, by=officer, body="DUP-NOTE")
    services.case_log_access(case=source, user=officer, action="view")
    counts = {
        c: (c.events.count(), c.attachments.count(), c.access_log.count()) for c in (source, target)
    }
    source_ids = set(source.events.values_list("pk", flat=True))
    Delivery.objects.all().delete()

    services.case_merge(source=source, target=target, by=officer)

    source.refresh_from_db()
    assert (source.status, source.outcome, source.merged_into) == (
        Status.CLOSED,
        Outcome.OTHER,
        target,
    )
    assert source_ids <= set(target.events.values_list("pk", flat=True))
    assert target.events.count() == counts[target][0] + counts[source][0] + 1
    assert list(source.events.values_list("kind", flat=True)) == [EventKind.MERGED]
    assert target.events.filter(kind=EventKind.MERGED).count() == 1
    assert target.attachments.count() == counts[target][1] + counts[source][1]
    assert source.attachments.count() == 0
    assert target.access_log.count() == counts[target][2] + counts[source][2]
    assert CaseAccess.objects.filter(case=source).count() == 0
    # Both members told: reference and link of the case they now follow.
    for member in (duplicate_member, target.member):
        notice = notices("case_merged", member).get()
        assert notice.context["reference"] == target.reference
    # The source's member joined the collective case; their own timeline stays theirs.
    place = CaseMember.objects.get(case=target, member=duplicate_member)
    assert place.consented_at is not None
    client = login(duplicate_member)
    response = client.get(reverse("casework:detail", args=[source.reference]))
    assert response.status_code == 302 and target.reference in response["Location"]
    status, text = page(client, target)
    assert status == 200 and "DUP-OWN" in text and "MSG-FROM-1" not in text
    assert "DUP-NOTE" not in text
    status, text = page(login(group["members"][1]), target)
    assert "DUP-OWN" not in text and "dup.pdf" not in text


def test_a_merge_the_rules_refuse_changes_nothing(people, submit):
    member, other = people["member"], people["member_b"]
    a, b = submit(member), submit(other)
    officer = people["cw_london"]
    with pytest.raises(ValidationError) as refused:
        services.case_merge(source=a, target=b, by=officer)
    assert services.MERGE_DIFFERENT_MEMBERS in refused.value.messages
    welsh = submit(people["welsh"])
    for source, target, by in ((a, welsh, people["manager"]), (a, b, people["cw_wales"])):
        with pytest.raises(ValidationError):
            services.case_merge(source=source, target=target, by=by)
    a.refresh_from_db()
    assert a.merged_into is None and a.status == Status.NEW
    assert not Delivery.objects.filter(notification="case_merged").exists()
    # The same member's duplicate merges into a non-collective case too.
    duplicate = submit(member)
    services.case_merge(source=duplicate, target=a, by=people["manager"])
    assert notices("case_merged", member).count() == 1
    with pytest.raises(ValidationError) as again:
        services.case_merge(source=duplicate, target=a, by=people["manager"])
    assert services.MERGE_ALREADY_MERGED in again.value.messages


def test_merging_from_the_case_page(client, people, group):
    officer = group["officer"]
    member = group["members"][0]
    duplicate = services.case_submit(
        member=member, details=details(member, category="restructure", employer=group["school"])
    )
    client.force_login(officer)
    url = reverse("admin:casework_case_collective", args=[group["case"].pk])
    response = client.post(url, {"action": "merge", "g-reference": duplicate.reference})
    assert response.status_code == 302
    duplicate.refresh_from_db()
    assert duplicate.merged_into_id == group["case"].pk
    text = client.get(
        reverse("admin:casework_case_change", args=[group["case"].pk])
    ).content.decode()
    assert "Merged from: " in text and duplicate.reference in text


def test_member_reply_upload_on_a_collective_case_is_their_own(group):
    consent_all(group)
    case = group["case"]
    member = group["members"][4]
    client = login(member)
    upload = SimpleUploadedFile("mine.pdf", PDF_BYTES, content_type="application/pdf")
    response = client.post(
        reverse("casework:detail", args=[case.reference]),
        {"message": "MY-REPLY", "attachments": upload},
    )
    assert response.status_code == 302
    event = event_with("MY-REPLY")
    assert event.for_member == member
    # Withdrawing or complaining is for the lead member only.
    assert client.post(reverse("casework:withdraw", args=[case.reference])).status_code == 404
    assert (
        client.post(
            reverse("casework:complaint", args=[case.reference]), {"complaint": "x"}
        ).status_code
        == 404
    )
    case.refresh_from_db()
    assert case.is_open


# --- The employer's page ------------------------------------------------------------------


def test_the_employers_page_lists_its_open_cases_within_the_officers_access(client, people, group):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from tests.factories import staff_user

    school = group["school"]
    url = reverse("admin:accounts_employer_change", args=[school.pk])
    welsh_member = MembershipFactory(employer=school, region=region("wales")).user
    welsh = services.case_submit(
        member=welsh_member, details=details(welsh_member, category="pay", employer=school)
    )
    closed = services.case_submit(
        member=group["members"][1], details=details(group["members"][1], employer=school)
    )
    services.case_change_status(
        case=closed, new_status=Status.CLOSED, by=people["manager"], outcome="resolved"
    )
    expected = {
        "cw_london": {group["case"].reference},
        "cw_wales": {welsh.reference},
        "manager": {group["case"].reference, welsh.reference},
    }
    for role, shown in expected.items():
        client.force_login(people[role])
        text = client.get(url).content.decode()
        assert "Open cases at this employer" in text, role
        for case in (group["case"], welsh, closed):
            assert (case.reference in text) == (case.reference in shown), (role, case)
        assert ("<td>Collective</td>" in text) == (group["case"].reference in shown)
    # Not a case officer: no panel at all.
    comms, _ = staff_user("Communications officer")
    client.force_login(comms)
    response = client.get(url)
    assert (
        response.status_code == 200
        and "Open cases at this employer" not in response.content.decode()
    )

    # The same number of queries for one case as for many.
    client.force_login(people["manager"])
    client.get(url)  # the first request of a session reads what later ones have cached
    with CaptureQueriesContext(connection) as few:
        client.get(url)
    for member in group["members"][2:]:
        services.case_submit(member=member, details=details(member, employer=school))
    with CaptureQueriesContext(connection) as many:
        text = client.get(url).content.decode()
    assert text.count("/admin/casework/case/") >= 5
    assert len(many) == len(few)


def test_retention_removes_who_was_on_a_collective_case(group):
    from datetime import timedelta

    from django.utils import timezone

    consent_all(group)
    case = group["case"]
    services.case_change_status(
        case=case, new_status=Status.CLOSED, by=group["officer"], outcome="resolved"
    )
    Case.objects.filter(pk=case.pk).update(closed_at=timezone.now() - timedelta(days=365 * 7))
    assert services.cases_apply_retention() == 1
    assert not CaseMember.objects.filter(case=case).exists()
    for member in group["members"]:
        assert not access.member_cases(member).filter(pk=case.pk).exists()


def test_a_merge_into_a_collective_case_lets_an_invited_member_in(group):
    case, officer = group["case"], group["officer"]
    invited = group["members"][1]  # invited, not answered
    source = services.case_submit(
        member=invited,
        details=details(invited, category="restructure", employer=group["school"]),
    )
    services.case_merge(source=source, target=case, by=officer)
    place = CaseMember.objects.get(case=case, member=invited)
    assert place.consented_at is not None
    assert access.member_cases(invited).filter(pk=case.pk).exists()


def test_the_demo_has_a_collective_case_at_the_demo_members_school():
    import io

    from django.core.management import call_command

    from portal.accounts.models import User

    call_command("seed_demo", stdout=io.StringIO())
    member = User.objects.get(email="member@demo.example")
    case = Case.objects.get(collective=True)
    assert case.category == "restructure"
    assert case.employer_id == member.membership.employer_id
    assert 1 + case.case_members.count() == 3
    assert access.member_cases(member).filter(pk=case.pk).exists()
