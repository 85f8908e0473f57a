"""Tribunal limits, follow-ups, reminders, the officer's deadlines page and calendar feed,
as officers use them (the pure computation is in test_deadlines.py)."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import timezone

from casework import deadlines, services
from casework.deadlines import three_months_less_one_day
from casework.models import CalendarFeed, Case, CaseEvent, EventKind, FollowUp, TribunalReminder
from portal.accounts.models import Region
from portal.communications.models import Delivery
from tests.casework.test_case_screen import admin_post, field_row

pytestmark = pytest.mark.django_db

TODAY = timezone.localdate


def dates(act: date, day_a: date | None = None, day_b: date | None = None) -> dict:
    return {
        "claim_type": "dismissal",
        "act_on": act.isoformat(),
        "acas_started_on": day_a.isoformat() if day_a else "",
        "acas_certificate_on": day_b.isoformat() if day_b else "",
    }


def set_limit(case, officer, act: date, claim="dismissal", **acas):
    return services.case_set_deadlines(
        case=case,
        by=officer,
        claim_type=claim,
        act_on=act,
        acas_started_on=acas.get("a"),
        acas_certificate_on=acas.get("b"),
    )


# --- Entering the claim on the case screen --------------------------------------------------


def test_an_officer_enters_a_dismissal_and_sees_the_limit(client, people, submit):
    case = submit(people["member"])
    client.force_login(people["cw_london"])
    act = TODAY() - timedelta(days=10)
    page = admin_post(client, case, **dates(act)).content.decode()
    limit = three_months_less_one_day(act)
    case.refresh_from_db()
    assert case.tribunal_limit_on == limit and case.claim_type == "dismissal"
    assert f"{limit:%-d %B %Y}" in page
    assert deadlines.RULE in page
    event = case.events.get(kind=EventKind.TRIBUNAL_LIMIT)
    assert not event.visible_to_member
    assert "none →" in event.body and f"{limit:%d %B %Y}" in event.body
    # The member sees none of it.
    client.force_login(people["member"])
    member_page = client.get(case.get_absolute_url()).content.decode()
    assert "Tribunal" not in member_page and "tribunal" not in member_page


def test_early_conciliation_moves_the_limit_and_the_timeline_says_from_what(client, people, submit):
    case = submit(people["member"])
    client.force_login(people["cw_london"])
    act = TODAY() - timedelta(days=40)
    admin_post(client, case, **dates(act))
    day_a, day_b = act + timedelta(days=5), act + timedelta(days=25)
    admin_post(client, case, **dates(act, day_a, day_b))
    case.refresh_from_db()
    base = three_months_less_one_day(act)
    assert case.tribunal_limit_on == base + timedelta(days=20)
    events = list(case.events.filter(kind=EventKind.TRIBUNAL_LIMIT).order_by("pk"))
    assert len(events) == 2
    assert f"{base:%d %B %Y} → {case.tribunal_limit_on:%d %B %Y}" in events[1].body
    # Saving the same dates again writes nothing more.
    admin_post(client, case, **dates(act, day_a, day_b))
    assert case.events.filter(kind=EventKind.TRIBUNAL_LIMIT).count() == 2


@pytest.mark.parametrize(
    ("data", "field", "words"),
    [
        ({"act_on": "+1"}, "act_on", deadlines.ACT_IN_FUTURE),
        ({"acas_started_on": "-30"}, "acas_started_on", deadlines.ACAS_BEFORE_ACT),
        (
            {"acas_started_on": "-5", "acas_certificate_on": "-8"},
            "acas_certificate_on",
            deadlines.CERTIFICATE_BEFORE_START,
        ),
        ({"acas_certificate_on": "-3"}, "acas_certificate_on", deadlines.CERTIFICATE_WITHOUT_START),
        ({"act_on": "2026-13-45"}, "act_on", "Enter a valid date."),
        ({"claim_type": "murder"}, "claim_type", "Select a valid choice."),
    ],
)
def test_impossible_dates_are_refused_at_their_field_and_nothing_is_saved(
    client, people, submit, data, field, words
):
    case = submit(people["member"])
    client.force_login(people["cw_london"])
    payload = {"claim_type": "dismissal", "act_on": (TODAY() - timedelta(days=20)).isoformat()}
    for name, value in data.items():
        if value[0] in "+-":
            value = (TODAY() + timedelta(days=int(value))).isoformat()
        payload[name] = value
    response = admin_post(client, case, note="Spoke to the member.", **payload)
    assert response.status_code == 200
    page = response.content.decode()
    assert words in field_row(page, field)
    case.refresh_from_db()
    assert case.claim_type == "" and case.act_on is None and case.tribunal_limit_on is None
    assert list(case.events.values_list("kind", flat=True)) == [EventKind.SUBMITTED]


def test_the_service_refuses_dates_by_field_before_writing(people, submit):
    case = submit(people["member"])
    with pytest.raises(ValidationError) as refused:
        services.case_officer_update(
            case=case,
            officer=people["cw_london"],
            note="A note that must not be kept.",
            deadline_facts=deadlines.DeadlineFacts("pay", TODAY() + timedelta(days=3)),
        )
    assert refused.value.message_dict == {"act_on": [deadlines.ACT_IN_FUTURE]}
    assert not case.events.filter(kind=EventKind.NOTE).exists()


def test_an_officer_who_may_not_see_the_case_cannot_set_its_dates(people, submit):
    case = submit(people["welsh"])
    with pytest.raises(Exception) as refused:  # noqa: PT011 - PermissionDenied as a 404
        set_limit(case, people["cw_london"], TODAY() - timedelta(days=3))
    assert "No case found" in str(refused.value)
    case.refresh_from_db()
    assert case.tribunal_limit_on is None


# --- Follow-ups ---------------------------------------------------------------------------


def test_an_officer_adds_a_follow_up_and_ticks_it_off(client, people, submit):
    case = submit(people["member"])
    officer = people["cw_london"]
    client.force_login(officer)
    due = TODAY() + timedelta(days=3)
    page = admin_post(
        client,
        case,
        follow_up_on=due.isoformat(),
        follow_up_what="Chase the employer for the investigation report",
    ).content.decode()
    follow_up = FollowUp.objects.get(case=case)
    assert (follow_up.officer, follow_up.due_on, follow_up.done_at) == (officer, due, None)
    assert "Chase the employer for the investigation report" in page
    event = case.events.get(kind=EventKind.FOLLOW_UP)
    assert not event.visible_to_member
    page = admin_post(client, case, follow_ups_done=[follow_up.pk]).content.decode()
    follow_up.refresh_from_db()
    assert follow_up.done_at is not None
    assert 'name="follow_ups_done"' not in page  # nothing left to tick off


@pytest.mark.parametrize(
    ("data", "field", "words"),
    [
        ({"follow_up_on": "-1", "follow_up_what": "Chase"}, "follow_up_on", "in the past"),
        ({"follow_up_on": "+2", "follow_up_what": "  "}, "follow_up_what", "Say what"),
        ({"follow_up_what": "Chase the employer"}, "follow_up_on", "Give the date"),
        ({"follow_up_on": "+2", "follow_up_what": "x" * 201}, "follow_up_what", "at most 200"),
        ({"follow_up_on": "soon", "follow_up_what": "Chase"}, "follow_up_on", "valid date"),
    ],
)
def test_a_follow_up_without_a_date_or_words_is_refused(client, people, submit, data, field, words):
    case = submit(people["member"])
    client.force_login(people["cw_london"])
    payload = {}
    for name, value in data.items():
        if name == "follow_up_on" and value[0] in "+-":
            value = (TODAY() + timedelta(days=int(value))).isoformat()
        payload[name] = value
    page = admin_post(client, case, note="Kept only with the follow-up.", **payload)
    assert words in field_row(page.content.decode(), field)
    assert not FollowUp.objects.exists()
    assert not case.events.filter(kind=EventKind.NOTE).exists()


# --- The queue ------------------------------------------------------------------------------


def test_the_queue_shows_the_limit_and_flags_it_within_14_days(client, people, submit):
    near = submit(people["member"])
    far = submit(people["member_b"])
    officer = people["manager"]
    today = TODAY()
    # A limit 10 days ahead, and one about 80 days ahead.
    set_limit(near, officer, today - timedelta(days=82))
    set_limit(far, officer, today - timedelta(days=5))
    near.refresh_from_db()
    far.refresh_from_db()
    client.force_login(officer)
    url = reverse("admin:casework_case_changelist")
    page = client.get(url).content.decode()
    assert "Tribunal limit" in page
    left = (near.tribunal_limit_on - today).days
    assert left <= 14
    assert f'<span class="flag flag-urgent">{near.tribunal_limit_on:%d %b} (in {left} days)' in page
    far_left = (far.tribunal_limit_on - today).days
    assert f"{far.tribunal_limit_on:%d %b} (in {far_left} days)" in page
    assert reverse("admin:casework_case_deadlines") in page
    # The filter: within 14 days lists only the near one; nonsense changes nothing.
    listed = client.get(url, {"tribunal": "14"}).content.decode()
    assert near.reference in listed and far.reference not in listed
    bogus = client.get(url, {"tribunal": "'; drop"})
    assert bogus.status_code == 200 and far.reference in bogus.content.decode()


def test_the_queue_with_limits_does_not_grow_in_queries(
    client, people, submit, django_assert_max_num_queries
):
    officer = people["manager"]
    client.force_login(officer)
    url = reverse("admin:casework_case_changelist")
    set_limit(submit(people["member"]), officer, TODAY() - timedelta(days=70))
    with django_assert_max_num_queries(40) as first:
        assert client.get(url).status_code == 200
    for n in range(20):
        set_limit(submit(people["member"]), officer, TODAY() - timedelta(days=n))
    with django_assert_max_num_queries(len(first.captured_queries)):
        assert client.get(url).status_code == 200


# --- The deadlines page ---------------------------------------------------------------------


def _deadlines(client):
    return client.get(reverse("admin:casework_case_deadlines"))


def test_the_deadlines_page_lists_what_is_mine_overdue_first(client, people, submit):
    officer = people["cw_london"]
    today = TODAY()
    mine = submit(people["member"], hearing_date=today + timedelta(days=20))
    services.case_assign(case=mine, officer=officer, by=people["manager"])
    set_limit(mine, officer, today - timedelta(days=60))
    services.case_add_follow_up(
        case=mine, by=officer, due_on=today + timedelta(days=2), what="Chase HR"
    )
    late = services.case_add_follow_up(
        case=mine, by=officer, due_on=today + timedelta(days=1), what="Ring the member"
    )
    FollowUp.objects.filter(pk=late.pk).update(due_on=today - timedelta(days=2))
    other_officers = submit(people["member_b"], hearing_date=today + timedelta(days=5))
    services.case_assign(case=other_officers, officer=people["manager"], by=people["manager"])
    welsh = submit(people["welsh"], hearing_date=today + timedelta(days=5))
    set_limit(welsh, people["manager"], today - timedelta(days=60))
    client.force_login(officer)
    page = _deadlines(client).content.decode()
    mine.refresh_from_db()
    assert "Ring the member" in page and "Chase HR" in page
    assert page.index("Ring the member") < page.index("Chase HR")  # overdue first
    assert 'class="flag flag-overdue">Overdue' in page
    assert page.count(mine.reference) >= 4  # hearing, limit, two follow-ups
    assert other_officers.reference not in page  # not their hearing
    assert welsh.reference not in page  # not a case they may see
    # A manager sees every hearing they may see.
    client.force_login(people["manager"])
    page = _deadlines(client).content.decode()
    assert other_officers.reference in page and welsh.reference in page
    assert "Ring the member" not in page  # follow-ups are their officer's own


def test_the_deadlines_page_costs_the_same_queries_for_many_items(
    client, people, submit, django_assert_max_num_queries
):
    officer = people["cw_london"]
    today = TODAY()
    client.force_login(officer)

    def one():
        case = submit(people["member"], hearing_date=today + timedelta(days=9))
        services.case_assign(case=case, officer=officer, by=people["manager"])
        set_limit(case, officer, today - timedelta(days=40))
        services.case_add_follow_up(case=case, by=officer, due_on=today, what="Chase")

    one()
    with django_assert_max_num_queries(40) as first:
        assert _deadlines(client).status_code == 200
    for _ in range(10):
        one()
    with django_assert_max_num_queries(len(first.captured_queries)):
        page = _deadlines(client)
    assert page.content.decode().count("Chase") == 11


def test_a_follow_up_is_ticked_off_from_the_deadlines_page(client, people, submit):
    officer = people["cw_london"]
    case = submit(people["member"])
    follow_up = services.case_add_follow_up(
        case=case, by=officer, due_on=TODAY(), what="Send the letter"
    )
    client.force_login(people["cw_wales"])
    url = reverse("admin:casework_case_deadlines")
    post = {"action": "follow_up_done", "follow_up": follow_up.pk}
    assert client.post(url, post).status_code == 404  # not theirs
    client.force_login(officer)
    assert client.post(url, {"action": "follow_up_done", "follow_up": "x"}).status_code == 404
    assert client.post(url, {"action": "explode"}).status_code == 400
    assert client.post(url, post).status_code == 302
    follow_up.refresh_from_db()
    assert follow_up.done_at is not None
    assert "Send the letter" not in _deadlines(client).content.decode()


def test_the_deadlines_page_is_for_case_officers_only(client, people):
    client.force_login(people["publisher"])
    assert _deadlines(client).status_code == 403


# --- Reminders ----------------------------------------------------------------------------


def notices(kind):
    return list(Delivery.objects.filter(notification=kind).select_related("user"))


def test_tribunal_reminders_go_at_28_14_and_7_days_each_once(people, submit):
    officer = people["cw_london"]
    case = submit(people["member"])
    services.case_assign(case=case, officer=officer, by=people["manager"])
    set_limit(case, officer, TODAY() - timedelta(days=3))
    case.refresh_from_db()
    limit = case.tribunal_limit_on
    kind = "case_tribunal_limit_reminder"
    sent = []
    for left in (40, 29, 28, 27, 20, 14, 13, 8, 7, 6, 0):
        services.deadlines_send_reminders(today=limit - timedelta(days=left))
        services.deadlines_send_reminders(today=limit - timedelta(days=left))  # again
        sent.append(len(notices(kind)))
    assert sent == [0, 0, 1, 1, 1, 2, 2, 2, 3, 3, 3]
    assert {n.user for n in notices(kind)} == {officer}
    assert set(TribunalReminder.objects.values_list("days_before", flat=True)) == {28, 14, 7}
    for notice in notices(kind):
        assert set(notice.context) == {"reference", "url"}
        assert notice.context["reference"] == case.reference


def test_a_limit_found_late_sends_one_reminder_and_unassigned_goes_to_the_region(people, submit):
    case = submit(people["member"])
    set_limit(case, people["manager"], TODAY() - timedelta(days=3))
    case.refresh_from_db()
    services.deadlines_send_reminders(today=case.tribunal_limit_on - timedelta(days=10))
    kind = "case_tribunal_limit_reminder"
    assert [n.user for n in notices(kind)] == [people["cw_london"]]
    assert set(TribunalReminder.objects.values_list("days_before", flat=True)) == {28, 14}


def test_a_follow_up_reminds_its_officer_on_its_day_once(people, submit):
    officer = people["cw_london"]
    case = submit(people["member"])
    due = TODAY() + timedelta(days=2)
    services.case_add_follow_up(case=case, by=officer, due_on=due, what="Chase the head")
    services.deadlines_send_reminders(today=due - timedelta(days=1))
    assert notices("case_follow_up_due") == []
    services.deadlines_send_reminders(today=due)
    services.deadlines_send_reminders(today=due + timedelta(days=1))
    (notice,) = notices("case_follow_up_due")
    assert notice.user == officer and set(notice.context) == {"reference", "url"}


# --- The calendar feed ----------------------------------------------------------------------


def _feed_url(officer) -> str:
    return reverse("casework_calendar_feed", args=[CalendarFeed.objects.get(user=officer).token])


def test_the_feed_carries_reference_and_date_only(client, people, submit):
    officer = people["cw_london"]
    member = people["member"]
    today = TODAY()
    case = submit(member, hearing_date=today + timedelta(days=12))
    services.case_assign(case=case, officer=officer, by=people["manager"])
    set_limit(case, officer, today - timedelta(days=30))
    services.case_add_follow_up(
        case=case, by=officer, due_on=today + timedelta(days=4), what="SECRET-FOLLOW-UP words"
    )
    client.force_login(officer)
    assert client.post(reverse("admin:casework_case_deadlines"), {"action": "feed_reset"})
    url = _feed_url(officer)
    assert url.startswith("/casework/calendar/") and url.endswith(".ics")
    assert url in _deadlines(client).content.decode()
    client.logout()
    response = client.get(url)
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/calendar")
    body = response.content.decode()
    from icalendar import Calendar

    events = Calendar.from_ical(body).walk("VEVENT")
    summaries = sorted(str(e["SUMMARY"]) for e in events)
    assert summaries == sorted(
        f"{kind} – {case.reference}" for kind in ("Hearing", "Follow-up", "Tribunal limit")
    )
    assert all(f"/admin/casework/case/{case.pk}/change/" in str(e["URL"]) for e in events)
    unfolded = body.replace("\r\n ", "")
    for secret in (
        member.first_name,
        member.last_name,
        member.email,
        member.membership.employer.name,
        "SECRET-NARRATIVE",
        "SECRET-FOLLOW-UP",
        officer.last_name,
    ):
        assert secret not in unfolded, secret


def test_a_revoked_reset_or_unknown_feed_is_a_404(client, people):
    officer = people["cw_london"]
    client.force_login(officer)
    url = reverse("admin:casework_case_deadlines")
    client.post(url, {"action": "feed_reset"})
    first = _feed_url(officer)
    client.post(url, {"action": "feed_reset"})
    second = _feed_url(officer)
    assert first != second
    anonymous = type(client)()
    assert anonymous.get(first).status_code == 404
    assert anonymous.get(second).status_code == 200
    client.post(url, {"action": "feed_revoke"})
    assert anonymous.get(second).status_code == 404
    assert anonymous.get("/casework/calendar/not-a-token.ics").status_code == 404
    assert anonymous.get("/casework/calendar/" + "a" * 300 + ".ics").status_code == 404
    assert "Create my calendar link" in _deadlines(client).content.decode()


def test_an_officer_moved_to_another_region_no_longer_sees_the_case_in_the_feed(
    client, people, submit
):
    officer = people["cw_london"]
    today = TODAY()
    case = submit(people["member"])  # unassigned, in London
    set_limit(case, officer, today - timedelta(days=30))
    services.case_add_follow_up(case=case, by=officer, due_on=today, what="Chase")
    services.calendar_feed_reset(user=officer)
    url = _feed_url(officer)
    assert client.get(url).content.decode().count(case.reference) == 2
    officer.regions.set([Region.objects.get(slug="wales")])
    body = client.get(url).content.decode()
    assert client.get(url).status_code == 200 and case.reference not in body
    assert CaseEvent.objects.filter(case=case).exists()
    assert Case.objects.filter(pk=case.pk, tribunal_limit_on__isnull=False).exists()


def test_a_feed_of_someone_no_longer_an_officer_is_a_404(client, people):
    officer = people["cw_london"]
    services.calendar_feed_reset(user=officer)
    url = _feed_url(officer)
    officer.groups.clear()
    assert client.get(url).status_code == 404


def test_acas_started_after_the_limit_is_said_on_the_case(client, people, submit):
    case = submit(people["member"])
    client.force_login(people["cw_london"])
    act = TODAY() - timedelta(days=120)
    base = three_months_less_one_day(act)
    page = admin_post(
        client, case, **dates(act, base + timedelta(days=1), base + timedelta(days=10))
    ).content.decode()
    case.refresh_from_db()
    assert case.tribunal_limit_on == base
    assert "ACAS started after the limit: no extension." in page
    assert "passed" in page
    event = case.events.get(kind=EventKind.TRIBUNAL_LIMIT)
    assert "ACAS started after the limit" in event.body


def test_a_moved_limit_counts_its_reminders_down_again(people, submit):
    officer = people["cw_london"]
    case = submit(people["member"])
    services.case_assign(case=case, officer=officer, by=people["manager"])
    act = TODAY() - timedelta(days=3)
    set_limit(case, officer, act)
    case.refresh_from_db()
    services.deadlines_send_reminders(today=case.tribunal_limit_on - timedelta(days=20))
    assert TribunalReminder.objects.filter(case=case).count() == 1
    # ACAS early conciliation entered: the limit moves, the 28-day reminder is owed again.
    set_limit(case, officer, act, a=act + timedelta(days=1), b=act + timedelta(days=3))
    assert not TribunalReminder.objects.filter(case=case).exists()
    case.refresh_from_db()
    services.deadlines_send_reminders(today=case.tribunal_limit_on - timedelta(days=27))
    assert len(notices("case_tribunal_limit_reminder")) == 2


def test_closed_cases_and_lost_access_send_no_reminders(people, submit):
    officer = people["cw_london"]
    closed = submit(people["member"])
    set_limit(closed, officer, TODAY() - timedelta(days=80))
    services.case_assign(case=closed, officer=officer, by=people["manager"])
    services.case_change_status(case=closed, new_status="closed", by=officer, outcome="withdrawn")
    moved = submit(people["member_b"])
    services.case_add_follow_up(case=moved, by=officer, due_on=TODAY(), what="Chase")
    officer.regions.set([Region.objects.get(slug="wales")])
    counts = services.deadlines_send_reminders(today=TODAY())
    assert counts == {"tribunal_limit": 0, "follow_up": 0}
    assert notices("case_tribunal_limit_reminder") == notices("case_follow_up_due") == []


def test_the_reminders_run_hourly_from_beat(settings, people, submit):
    from casework import tasks

    schedule = settings.CELERY_BEAT_SCHEDULE["casework-deadline-reminders"]
    assert schedule["task"] == "casework.tasks.send_deadline_reminders"
    case = submit(people["member"])
    services.case_add_follow_up(case=case, by=people["cw_london"], due_on=TODAY(), what="Ring")
    assert tasks.send_deadline_reminders() == {"tribunal_limit": 0, "follow_up": 1}
    assert tasks.send_deadline_reminders() == {"tribunal_limit": 0, "follow_up": 0}


def test_a_long_list_shows_the_soonest_of_each_kind_and_says_so(
    client, people, submit, monkeypatch
):
    from casework import selectors

    monkeypatch.setattr(selectors, "DEADLINES_PER_KIND", 2)
    officer = people["cw_london"]
    case = submit(people["member"])
    for n in (5, 3, 9):
        services.case_add_follow_up(
            case=case, by=officer, due_on=TODAY() + timedelta(days=n), what=f"Chase {n}"
        )
    client.force_login(officer)
    page = _deadlines(client).content.decode()
    assert "Chase 3" in page and "Chase 5" in page and "Chase 9" not in page
    assert "Only the soonest 2 of each kind are shown" in page
