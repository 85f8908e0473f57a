"""One-click unsubscribe (RFC 8058): a signed, per-member, per-kind token, no login."""

import pytest
from django.core import signing
from django.test import Client
from django.urls import reverse

from portal.accounts.choices import Channel
from portal.accounts.models import ConsentEvent, ConsentState
from portal.communications.models import Communication, Kind
from portal.communications.selectors import audience_for
from portal.communications.tokens import unsubscribe_token

from .helpers import CAMPAIGN, NEWSLETTER, member

pytestmark = pytest.mark.django_db
ONE_CLICK = "List-Unsubscribe=One-Click"


def url(token):
    return reverse("communications:unsubscribe", args=[token])


def consents(user, kind=NEWSLETTER):
    return ConsentState.objects.get(user=user, kind=kind, channel=Channel.EMAIL).granted


def one_click(token):
    # What a mail client sends: no cookie, no CSRF token, a form-encoded body.
    return Client(enforce_csrf_checks=True).post(
        url(token), ONE_CLICK, content_type="application/x-www-form-urlencoded"
    )


def test_the_page_explains_and_asks_to_confirm_without_changing_anything(client):
    reader = member(consents=[NEWSLETTER])
    page = client.get(url(unsubscribe_token(user_id=reader.pk, kind=NEWSLETTER)))
    html = page.content.decode()
    assert page.status_code == 200
    assert "Unsubscribe from newsletters" in html and 'method="post"' in html
    assert reader.email not in html  # masked: a forwarded email does not reveal it
    assert "no-store" in page["Cache-Control"]
    assert consents(reader)


def test_one_post_unsubscribes_from_that_kind_only():
    reader = member(consents=[NEWSLETTER, CAMPAIGN])
    response = one_click(unsubscribe_token(user_id=reader.pk, kind=NEWSLETTER))
    assert response.status_code == 200
    assert "You are unsubscribed" in response.content.decode()
    assert not consents(reader, NEWSLETTER)
    assert consents(reader, CAMPAIGN)
    event = ConsentEvent.objects.get(user=reader, kind=NEWSLETTER, granted=False)
    assert event.source == "unsubscribe" and event.channel == Channel.EMAIL


def test_a_replayed_token_is_harmless_and_says_so(client):
    reader = member(consents=[NEWSLETTER])
    token = unsubscribe_token(user_id=reader.pk, kind=NEWSLETTER)
    one_click(token)
    again = one_click(token)
    assert again.status_code == 200
    assert "already unsubscribed" in again.content.decode()
    assert ConsentEvent.objects.filter(user=reader, granted=False).count() == 1
    assert "already unsubscribed" in client.get(url(token)).content.decode()


@pytest.mark.parametrize(
    "tamper",
    [
        lambda t: t[:-1] + ("A" if t[-1] != "A" else "B"),  # signature changed
        lambda t: "x" + t,  # payload changed
        lambda t: t.split(":")[0],  # signature removed
        lambda t: "forged-token-123",
        lambda t: signing.Signer(salt="another.purpose").sign_object({"u": 1, "k": "newsletter"}),
        lambda t: "a" * 400,
    ],
)
def test_tampered_or_forged_tokens_are_refused(client, tamper):
    reader = member(consents=[NEWSLETTER])
    bad = tamper(unsubscribe_token(user_id=reader.pk, kind=NEWSLETTER))
    assert client.get(url(bad)).status_code == 400
    response = one_click(bad)
    assert response.status_code == 400
    assert "does not work" in response.content.decode()
    assert consents(reader)


def test_a_token_for_an_account_that_is_gone_is_refused(client):
    reader = member(consents=[NEWSLETTER])
    token = unsubscribe_token(user_id=reader.pk, kind=NEWSLETTER)
    reader.delete()
    assert client.get(url(token)).status_code == 400
    assert one_click(token).status_code == 400


def test_service_messages_have_no_unsubscribe_token():
    with pytest.raises(ValueError):
        unsubscribe_token(user_id=1, kind=Kind.SERVICE)


def test_the_next_newsletter_skips_whoever_unsubscribed():
    stays, leaves = member(consents=[NEWSLETTER]), member(consents=[NEWSLETTER])
    one_click(unsubscribe_token(user_id=leaves.pk, kind=NEWSLETTER))
    next_issue = Communication(kind=Kind.NEWSLETTER, statuses=["active"])
    assert set(audience_for(next_issue)) == {stays}
