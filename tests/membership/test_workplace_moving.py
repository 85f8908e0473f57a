"""Moving to a workplace chosen by name (the join form's workplace box in the life event)."""

import pytest
from django.urls import reverse

from portal.accounts.models import Workplace
from tests.accounts.test_workplace_choice import trust  # noqa: F401 (fixture)
from tests.factories import MembershipFactory

pytestmark = pytest.mark.django_db


def test_moving_to_a_named_workplace_applies_it(client, trust, clock):  # noqa: F811
    from membership.models import LifeEventKind
    from tests.membership.test_services import TODAY, record

    clock.set(TODAY)
    membership = MembershipFactory(employer=trust)
    client.force_login(membership.user)
    page = client.get(reverse("membership:change", args=["moving"])).content.decode()
    assert 'name="workplace"' in page and 'id="workplace-options"' in page
    annexe = Workplace.objects.get(name="Riverside Annexe")
    common = {
        "employer": trust,
        "job_role": membership.job_role,
        "workplace_postcode": membership.workplace_postcode,
        "nation": membership.nation,
        "region_id": membership.region_id,
    }
    event = record(membership, LifeEventKind.MOVING, workplace=annexe, **common)
    assert event.sets["workplace_choice"] == {"id": annexe.pk}
    membership.refresh_from_db()
    assert membership.workplace == annexe
