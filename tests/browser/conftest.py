"""Browser tests: Debian's Chromium driven by Playwright's sync API against pytest-django's
live server on PostgreSQL, with the demo data loaded.

Extension points for new journeys (see README.md in this folder):
- `portal.journey(name, mode)` starts a journey declared in pages.py;
- `portal.actor(journey, who)` opens a browser context for one person (its own cookies);
- `portal.member()`, `portal.officer(role, regions=...)` make people; `Actor.log_in` logs in,
  with a TOTP code for staff;
- `check_page(actor, name)` / `actor.check(name)` records axe, HTML, screenshot and guards
  for the page now in the browser; test_zz_page_checks.py asserts on them.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import urllib.request
from pathlib import Path

import pytest

from .harness import (
    AXE_JS,
    DESKTOP_VIEWPORT,
    PHONE,
    PHONE_VIEWPORT,
    RESULTS,
    SLOW_MS,
    VNU,
    VNU_JAR,
    Actor,
    Broker,
    Journey,
    describe_axe,
    write_report,
)

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-quic",
]
TIMEOUT_MS = 10_000


@pytest.fixture(scope="package")
def browser(django_db_setup):
    """One Chromium for the whole browser package. Playwright's sync API keeps an event loop
    running in this thread, so Django's ORM refuses to run here unless
    DJANGO_ALLOW_ASYNC_UNSAFE is set: it is set for this package only, and removed after.

    With that loop running, asgiref gives this thread a second set of database connection
    objects; the test database (set up first, by depending on django_db_setup) lends them
    the data serialized after migrations, which `serialized_rollback` restores before each
    test (regions and roles come from data migrations)."""
    from django.db import connections

    missing = []
    if not Path(CHROMIUM).exists():
        missing.append(f"Chromium is not installed at {CHROMIUM}: apt-get install -y chromium")
    if not AXE_JS.exists():
        missing.append("axe-core is not installed: npm ci --prefix tests/browser")
    if missing:
        pytest.fail("The browser tests cannot run:\n" + "\n".join(missing), pytrace=False)
    from playwright.sync_api import Error, sync_playwright

    previous = os.environ.get("DJANGO_ALLOW_ASYNC_UNSAFE")
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    serialized = {
        alias: connections[alias]._test_serialized_contents
        for alias in connections
        if hasattr(connections[alias], "_test_serialized_contents")
    }
    manager = sync_playwright().start()
    for alias, contents in serialized.items():
        connections[alias]._test_serialized_contents = contents
    try:
        try:
            chromium = manager.chromium.launch(
                executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True
            )
        except Error as error:
            pytest.fail(f"Chromium ({CHROMIUM}) could not start:\n{error}", pytrace=False)
        yield chromium
        chromium.close()
    finally:
        # Close the connections made while the loop ran: the test database is dropped at
        # the end of the session and must have no one connected.
        connections.close_all()
        manager.stop()
        if previous is None:
            os.environ.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)
        else:
            os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = previous


_warm = False


def _warm_up(base_url: str) -> None:
    """The first request to a fresh server imports and compiles what every later one reuses;
    the response-time guard is about pages, not about that, so each page is fetched once first."""
    global _warm
    if _warm:
        return
    for path in ("/", "/join/", "/accounts/login/", "/accounts/password/reset/", "/cases/"):
        # A redirect to log in or an error page warms up as well as the page itself.
        with contextlib.suppress(Exception):
            urllib.request.urlopen(base_url + path, timeout=30).read()  # noqa: S310
    _warm = True


class Portal:
    """What a browser journey needs: the live server, the demo data, people, browsers."""

    def __init__(self, *, browser, base_url: str):
        self.browser = browser
        self.url = base_url.rstrip("/")
        self.actors: list[Actor] = []

    def journey(self, name: str, mode: str) -> Journey:
        return Journey(name, mode)

    def actor(self, journey: Journey, who: str) -> Actor:
        phone = journey.mode == PHONE
        context = self.browser.new_context(
            viewport=PHONE_VIEWPORT if phone else DESKTOP_VIEWPORT,
            is_mobile=phone,
            has_touch=phone,
            device_scale_factor=1,
            locale="en-GB",
            timezone_id="Europe/London",
            accept_downloads=True,
        )
        context.set_default_timeout(TIMEOUT_MS)
        actor = Actor(context=context, base_url=self.url, journey=journey, who=who)
        self.actors.append(actor)
        return actor

    # --- People ---------------------------------------------------------------------------

    @staticmethod
    def member(**kwargs):
        from datetime import date

        from tests.factories import MembershipFactory

        kwargs.setdefault("joined_on", date(2020, 1, 1))
        return MembershipFactory(**kwargs).user

    @staticmethod
    def officer(role: str, *, regions: tuple[str, ...] = (), **kwargs):
        """A staff account in a role with TOTP set up: returns (user, secret)."""
        from tests.factories import region, staff_user

        user, secret = staff_user(role, **kwargs)
        for slug in regions:
            user.regions.add(region(slug))
        return user, secret

    @staticmethod
    def mail():
        from django.core import mail

        return mail.outbox

    def close(self) -> list[str]:
        leftovers = []
        for actor in self.actors:
            console, failed, slow, focus = actor.guard.take()
            leftovers += console + failed + slow + focus
            actor.context.close()
        return leftovers


@pytest.fixture
def private_files(tmp_path, settings):
    """Members' files go to a folder of this test (the live server reads the same settings)."""
    from django.utils.functional import empty

    from casework.models import private_storage

    settings.PRIVATE_MEDIA_ROOT = tmp_path / "private"
    private_storage._wrapped = empty
    yield settings.PRIVATE_MEDIA_ROOT
    private_storage._wrapped = empty
    shutil.rmtree(tmp_path / "private", ignore_errors=True)


@pytest.fixture
def demo_data(private_files):
    """The demo data `make run` loads (accounts and cases): pages are timed against it."""
    from casework import demo as casework_demo
    from portal.accounts import demo as accounts_demo

    accounts_demo.seed()
    casework_demo.seed()


@pytest.fixture
def portal(browser, live_server, demo_data, mailoutbox):
    portal = Portal(browser=browser, base_url=live_server.url)
    _warm_up(portal.url)
    yield portal
    leftovers = portal.close()
    assert not leftovers, "after the last checked page:\n" + "\n".join(leftovers)


def pytest_terminal_summary(terminalreporter):
    """Admin pages are Django's own markup: what axe finds there is reported, not failed."""
    if not RESULTS:
        return
    path = write_report()
    tr = terminalreporter
    tr.section("browser checks")
    tr.write_line(f"{len(RESULTS)} pages checked; report: {path}")
    admin = {k: r for k, r in RESULTS.items() if r.admin and r.axe}
    if admin:
        tr.write_line("axe on Django admin pages (reported, not failed):")
        seen = set()
        for key, result in sorted(admin.items()):
            for violation in result.axe:
                if (violation["id"], result.name) in seen:
                    continue
                seen.add((violation["id"], result.name))
                tr.write_line(f"  {key}: " + describe_axe([violation]).replace("\n", "\n    "))
    html = {k: r for k, r in RESULTS.items() if r.admin and VNU.get(str(r.html_path))}
    if html:
        tr.write_line("Nu HTML checker on Django admin pages (reported, not failed):")
        for key, result in sorted(html.items()):
            for error in VNU[str(result.html_path)][:10]:
                tr.write_line(
                    f"  {key}: line {error.get('lastLine')}: {error['message']} "
                    f"«{error.get('extract', '').strip()[:80]}»"
                )
    slow = [s for r in RESULTS.values() for s in r.slow_responses]
    tr.write_line(f"responses over {SLOW_MS} ms: {len(slow)}")
    if not VNU_JAR.exists():
        tr.write_line("vnu-jar is not installed: npm ci --prefix tests/browser")


@pytest.fixture
def broker(portal):
    """Requests queue their tasks on the real broker instead of running them in-process;
    the test runs them when a worker would (`broker.work()`). See harness.Broker."""
    from portal.celery import app

    with Broker(app) as queue:
        yield queue
