"""The member's data download holds what the membership app knows of them: today's rate and
why, every change to their membership, their life events and reduced rates."""

from datetime import date

import pytest

from membership.models import LifeEventKind
from tests.exports import exported_json
from tests.factories import MembershipFactory
from tests.membership.test_services import TODAY, record

pytestmark = pytest.mark.django_db


def test_the_download_has_the_rate_history_and_life_events(client, clock):
    clock.set(TODAY)
    m = MembershipFactory()
    record(m, LifeEventKind.LEAVE, ends_on=date(2027, 9, 30), leave_kind="maternity")
    client.force_login(m.user)
    data = exported_json(client, m.user)
    assert data["subscription"]["you_pay"] == "0.00"
    assert data["subscription"]["why"], "the reasons for the rate"
    fields = {c["field"] for c in data["membership_history"]}
    assert {"reduction", "rate"} <= fields
    assert all(c["by"] == "you" for c in data["membership_history"])
    assert [e["effective_on"] for e in data["life_events"]] == ["2027-02-01"]
    assert data["reduced_rates"][0]["ends_on"] == "2027-09-30"
    assert data["resignations"] == []
