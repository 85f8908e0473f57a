"""`portal.urlcache` and the `{% url %}` tag that uses it: the same links as Django's own
`reverse()`, whatever the script prefix, and never an old answer for a changed object."""

from __future__ import annotations

import pytest
from django.template import Context, Template
from django.urls import NoReverseMatch, clear_script_prefix, reverse, set_script_prefix

from portal.urlcache import cached_reverse


def render(source: str, **context) -> str:
    return Template(source).render(Context(context))


def test_same_links_as_reverse():
    assert cached_reverse("accounts:dashboard") == reverse("accounts:dashboard")
    assert cached_reverse("consultations:detail", args=["pay-2026"]) == reverse(
        "consultations:detail", args=["pay-2026"]
    )
    assert cached_reverse("casework:detail", args=[12]) == reverse("casework:detail", args=[12])
    assert render("{% url 'accounts:dashboard' %}") == reverse("accounts:dashboard")
    assert render("{% url 'consultations:detail' slug %}", slug="a-b") == reverse(
        "consultations:detail", args=["a-b"]
    )


def test_script_prefix_is_part_of_the_answer():
    plain = cached_reverse("accounts:dashboard")
    set_script_prefix("/portal/")
    try:
        assert cached_reverse("accounts:dashboard") == "/portal" + plain
        assert render("{% url 'accounts:dashboard' %}") == "/portal" + plain
    finally:
        clear_script_prefix()
    assert cached_reverse("accounts:dashboard") == plain


def test_unknown_names_still_fail_and_as_var_still_swallows():
    with pytest.raises(NoReverseMatch):
        cached_reverse("no-such-page")
    with pytest.raises(NoReverseMatch):
        render("{% url 'no-such-page' %}")
    assert render("{% url 'no-such-page' as link %}[{{ link }}]") == "[]"
    assert render("{% url 'accounts:dashboard' as link %}{{ link }}") == reverse(
        "accounts:dashboard"
    )


def test_objects_are_not_remembered():
    """An argument that is not a plain str or int (a model instance: its text may change)
    is reversed afresh each time."""

    class Named:
        def __init__(self, name):
            self.name = name

        def __str__(self):
            return self.name

    thing = Named("first")
    assert cached_reverse("consultations:detail", args=[thing]).endswith("/first/")
    thing.name = "second"
    assert cached_reverse("consultations:detail", args=[thing]).endswith("/second/")
