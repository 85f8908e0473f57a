"""Journey 10 (issue 21): on any admin form, not only the case screen, a refused save puts
focus on the first field in error, which scrolls it into view, rather than leaving the
officer at the top of a long form. Here: a publisher adds a standards document with a
slug already taken and no nation, then with only the nation missing."""

import json
import subprocess
from unittest import mock

import pytest

from portal.accounts.roles import Role
from standards import demo as standards_demo
from standards import services
from standards.models import Document
from tests.factories import PASSWORD

from .harness import MOUSE, PAGES, VNU_JAR, Journey, describe_axe

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]

# This journey's pages are declared here, and checked below, rather than in pages.py.
NAME = "j10-admin-errors"
CHECKED = ("admin-document-refused", "admin-document-refused-again")
DECLARED = ("publisher-login", "publisher-login-code", "admin-document-add", *CHECKED)

FOCUSED = "() => document.activeElement && document.activeElement.id"
IN_VIEW = """() => { const r = document.activeElement.getBoundingClientRect();
  return r.top >= 0 && r.bottom <= window.innerHeight; }"""


def nu_errors(paths) -> dict:
    done = subprocess.run(
        ["java", "-jar", str(VNU_JAR), "--errors-only", "--format", "json", *map(str, paths)],
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert done.returncode in (0, 1), done.stderr[-2000:]
    report: dict = {}
    for message in json.loads(done.stderr or '{"messages": []}')["messages"]:
        report.setdefault(message.get("url", "").removeprefix("file:"), []).append(message)
    return report


def set_slug(staff, slug: str) -> None:
    """The slug, typed over the one Django's script makes from the title."""
    staff.page.eval_on_selector(
        "#id_slug",
        "(el, slug) => { el.value = slug; el.dispatchEvent(new Event('change')); }",
        slug,
    )
    assert staff.page.input_value("#id_slug") == slug


def test_a_refused_admin_form_puts_focus_on_the_first_field_in_error(portal):
    standards_demo.seed()
    with mock.patch.dict(PAGES, {NAME: DECLARED}):
        journey = Journey(NAME, MOUSE)
    user, secret = portal.officer(Role.PUBLISHER)
    staff = portal.actor(journey, "publisher")
    staff.log_in(user.email, PASSWORD, secret=secret, prefix="publisher-")
    staff.goto("/admin/standards/document/add/", "admin-document-add")
    count = Document.objects.count()

    staff.fill("#id_title", "Standards for school business managers")
    set_slug(staff, standards_demo.PRINCIPLES_SLUG)  # taken already
    staff.fill("#id_summary", "What school business managers can expect of each other.")
    staff.submit("input[name=_save]")
    results = [staff.check("admin-document-refused")]
    # Django's own script focuses the first field of an add form (the title): the slug,
    # the first field in error, keeps focus, in view.
    staff.page.wait_for_function("() => document.readyState === 'complete'")
    assert staff.page.evaluate(FOCUSED) == "id_slug"
    assert staff.page.evaluate(IN_VIEW)
    assert services.SLUG_TAKEN in staff.page.inner_text(".form-row.field-slug")
    assert services.NO_NATION in staff.page.inner_text(".form-row.field-nations")
    assert Document.objects.count() == count

    set_slug(staff, "school-business-managers")
    staff.submit("input[name=_save]")
    results.append(staff.check("admin-document-refused-again"))
    staff.page.wait_for_function("() => document.readyState === 'complete'")
    assert staff.page.evaluate(FOCUSED) == "id_nations_0"
    assert staff.page.evaluate(IN_VIEW)
    assert Document.objects.count() == count

    # axe and the Nu checker, on the refused pages (not in pages.py: checked here).
    for result in results:
        assert not result.axe, f"axe on {result.url}:\n{describe_axe(result.axe)}"
    report = nu_errors([r.html_path for r in results])
    for result in results:
        errors = report.get(str(result.html_path), [])
        assert not errors, "\n".join(f"{e.get('lastLine')}: {e['message']}" for e in errors)
