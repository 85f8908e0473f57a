"""The browser harness: an `Actor` (one person in one browser context) drives the portal by
mouse, by keyboard only, or on a phone-sized screen, and `check_page` records everything the
page checks in test_zz_page_checks.py assert on.

What `check_page(page, name)` records for the page now in the browser:
- axe-core's violations (tags in AXE_TAGS), run in the page itself;
- the HTML the server sent, saved for the Nu HTML checker (one call for the whole session);
- a full-page screenshot under test-artifacts/screenshots/<journey>/;
- console errors, failed requests and responses slower than SLOW_MS since the previous check;
- on a phone, how far the page is wider than the screen;
- with the keyboard, focused elements that showed no focus indicator and focus moving
  backwards through the document.

Journeys assert what a user would notice (text, status, focus); quality findings are
asserted per page by test_zz_page_checks.py, so that a single known problem can be marked
as an expected failure without hiding the rest of its journey.
"""

from __future__ import annotations

import json
import os
import re
import time
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit

from allauth.mfa.totp.internal.auth import format_hotp_value, hotp_value
from django.conf import settings
from playwright.sync_api import TimeoutError as PlaywrightTimeoutError

from .pages import PAGES

HERE = Path(__file__).resolve().parent
NODE_MODULES = HERE / "node_modules"
AXE_JS = NODE_MODULES / "axe-core" / "axe.min.js"
VNU_JAR = NODE_MODULES / "vnu-jar" / "build" / "dist" / "vnu.jar"
ARTIFACTS = Path(settings.BASE_DIR) / "test-artifacts"
SCREENSHOTS = ARTIFACTS / "screenshots"
HTML_DIR = ARTIFACTS / "html"

AXE_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa"]
# axe-core is served to the page from this same-origin path by a Playwright route, so that
# `add_script_tag(url=...)` passes the portal's Content-Security-Policy (script-src 'self')
# without turning the policy off: a CSP violation by the portal itself still shows up.
AXE_PATH = "/__browser-tests__/axe.min.js"
# A guard, not the benchmark: any response slower than this on the demo data fails its page.
# A smoke alarm for a page gone badly wrong (a query per row, a render that blocks), not a
# speed measurement: speed is `make bench`'s. 500 ms tripped on a shared 2-core machine
# whenever another process ran; 2 s does not, and still catches the pathological page.
SLOW_MS = int(os.environ.get("BROWSER_SLOW_MS", "2000"))

MOUSE, KEYBOARD, PHONE = "mouse", "keyboard", "phone"
PHONE_VIEWPORT = {"width": 390, "height": 844}
DESKTOP_VIEWPORT = {"width": 1280, "height": 900}


@dataclass
class PageResult:
    journey: str
    name: str
    url: str
    status: int | None
    admin: bool
    mode: str
    axe: list[dict] = field(default_factory=list)
    html_path: Path | None = None
    screenshot: Path | None = None
    console_errors: list[str] = field(default_factory=list)
    failed_requests: list[str] = field(default_factory=list)
    slow_responses: list[str] = field(default_factory=list)
    overflow: dict | None = None
    focus_problems: list[str] = field(default_factory=list)
    seconds: float = 0.0  # from the previous check to this one, checks included

    @property
    def key(self) -> str:
        return f"{self.journey}/{self.name}"


# Filled while the browser tests run; read by test_zz_page_checks.py and the terminal summary.
RESULTS: dict[str, PageResult] = {}
VNU: dict[str, list[dict]] = {}  # html file -> the Nu checker's errors, once it has run
STARTED: set[str] = set()  # journeys (with mode) that ran in this session


def totp_code(secret: str) -> str:
    """The current TOTP code, as tests/accounts/test_mfa.py computes it. The portal accepts
    only the code of the current 30 seconds: near the end of them, wait for the next."""
    left = 30 - time.time() % 30
    if left < 4:
        time.sleep(left + 0.1)
    return format_hotp_value(hotp_value(secret, int(time.time()) // 30))


def slug(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-")


# --- What the page itself is asked ------------------------------------------------------

FOCUS_JS = """
(selector) => {
  const el = document.activeElement;
  if (!el || el === document.body || el === document.documentElement) {
    window.__lastFocused = null;
    return {matches: false, inDocument: false};
  }
  const style = getComputedStyle(el);
  const outline = style.outlineStyle !== "none" && parseFloat(style.outlineWidth) > 0;
  const shadow = style.boxShadow && style.boxShadow !== "none";
  // Focus inside the browser's own closed shadow tree (a date field's calendar button)
  // leaves the field itself unmatched by :focus; the browser draws that ring itself.
  const native = !el.matches(":focus");
  const rect = el.getBoundingClientRect();
  const onScreen = rect.width > 0 && rect.height > 0 && rect.bottom > 0 && rect.right > 0
    && rect.top < window.innerHeight && rect.left < window.innerWidth;
  const prev = window.__lastFocused;
  let backwards = false;
  if (prev && prev.isConnected && prev !== el) {
    backwards = !(prev.compareDocumentPosition(el) & Node.DOCUMENT_POSITION_FOLLOWING)
      && !(prev.compareDocumentPosition(el) & Node.DOCUMENT_POSITION_CONTAINED_BY);
  }
  window.__lastFocused = el;
  const label = (el.getAttribute("aria-label") || el.innerText || el.value || "").trim();
  const describe = el.tagName.toLowerCase() + (el.id ? "#" + el.id : "")
    + (el.name ? "[name=" + el.name + "]" : "")
    + (label ? " \\"" + label.slice(0, 40) + "\\"" : "");
  return {matches: el.matches(selector), inDocument: true, indicator: outline || shadow || native,
          onScreen, backwards, describe};
}
"""

OVERFLOW_JS = """
() => {
  const root = document.documentElement;
  const width = root.clientWidth;
  const extra = root.scrollWidth - width;
  if (extra <= 0) { return null; }
  const culprits = [];
  for (const el of document.body.querySelectorAll("*")) {
    const rect = el.getBoundingClientRect();
    if (rect.right > width + 1 && culprits.length < 5) {
      const classes = typeof el.className === "string" && el.className.trim()
        ? "." + el.className.trim().split(/\\s+/).join(".") : "";
      culprits.push(el.tagName.toLowerCase() + (el.id ? "#" + el.id : "") + classes
        + " (right edge " + Math.round(rect.right) + "px)");
    }
  }
  return {scroll_width: root.scrollWidth, viewport: width, culprits};
}
"""


class Guard:
    """Watches one page: console errors, failed requests, slow responses, the last main
    document (whose body is the HTML the Nu checker gets)."""

    def __init__(self, page, base_url: str):
        self.page = page
        self.base_url = base_url
        self.console_errors: list[str] = []
        self.failed: list[str] = []
        self.slow: list[str] = []
        self.document = None
        self.documents: list = []
        self.focus_problems: list[str] = []
        page.on("console", self._console)
        page.on("pageerror", lambda error: self.console_errors.append(f"page error: {error}"))
        page.on("requestfailed", self._request_failed)
        page.on("requestfinished", self._request_finished)
        page.on("response", self._response)

    def _console(self, message):
        if message.type == "error":
            where = (message.location or {}).get("url", "")
            if AXE_PATH in where:  # axe's own probes (an inline style the CSP refuses)
                return
            self.console_errors.append(f"{message.text} ({where})")

    def _request_failed(self, request):
        if AXE_PATH in request.url:
            return
        # A load the browser abandons because the page moved on (a favicon still loading
        # when a form is sent) is not a failure of the portal; anything else is.
        if request.failure == "net::ERR_ABORTED":
            return
        self.failed.append(f"{request.method} {request.url}: {request.failure}")

    def _response(self, response):
        request = response.request
        if request.resource_type == "document" and request.frame == self.page.main_frame:
            self.document = response
            self.documents.append(response)
        elif response.status >= 400 and AXE_PATH not in response.url:
            self.failed.append(f"{request.method} {response.url}: HTTP {response.status}")

    def _request_finished(self, request):
        if AXE_PATH in request.url or not request.url.startswith(self.base_url):
            return
        timing = request.timing
        if timing.get("requestStart", -1) < 0 or timing.get("responseEnd", -1) < 0:
            return
        elapsed = timing["responseEnd"] - timing["requestStart"]
        if elapsed > SLOW_MS:
            self.slow.append(f"{request.method} {request.url}: {elapsed:.0f} ms")

    def take(self) -> tuple[list[str], list[str], list[str], list[str]]:
        taken = (self.console_errors, self.failed, self.slow, self.focus_problems)
        self.console_errors, self.failed, self.slow, self.focus_problems = [], [], [], []
        return taken


class Journey:
    """One run of one journey (in one mode): names its artifacts and counts its pages."""

    def __init__(self, name: str, mode: str):
        self.name = f"{name}[{mode}]" if mode != MOUSE else name
        self.base = name
        self.mode = mode
        self.count = 0
        self.clock = time.monotonic()
        declared = PAGES.get(name)
        assert declared is not None, f"declare the pages of journey {name!r} in pages.py"
        self.declared = declared
        STARTED.add(self.name)
        for folder in (SCREENSHOTS, HTML_DIR):
            target = folder / slug(self.name)
            if target.exists():
                for old in target.iterdir():
                    old.unlink()
            target.mkdir(parents=True, exist_ok=True)


class Actor:
    """One person in their own browser context. The same journey code runs by mouse, by
    keyboard only (every control reached with Tab, operated with keys) or on a phone."""

    def __init__(self, *, context, base_url: str, journey: Journey, who: str):
        self.context = context
        self.page = context.new_page()
        self.base_url = base_url.rstrip("/")
        self.journey = journey
        self.mode = journey.mode
        self.who = who
        self.guard = Guard(self.page, self.base_url)
        self.focus_log: list[str] = []  # every element focused with Tab, in order
        self.page.route(f"{self.base_url}{AXE_PATH}", _serve_axe)

    # --- Navigation and checks ---------------------------------------------------------

    def url(self, path: str) -> str:
        return path if path.startswith("http") else f"{self.base_url}{path}"

    @property
    def path(self) -> str:
        parts = urlsplit(self.page.url)
        return parts.path + (f"?{parts.query}" if parts.query else "")

    def goto(self, path: str, name: str | None = None, *, status: int = 200):
        """Open a URL as a person types it into the address bar, then check the page."""
        response = self.page.goto(self.url(path))
        assert response is not None
        assert response.status == status, f"{path}: HTTP {response.status}, expected {status}"
        if name:
            self.check(name, status=status)
        return response

    def check(self, name: str, *, status: int = 200, admin: bool = False) -> PageResult:
        return check_page(self, name, status=status, admin=admin)

    def text(self) -> str:
        return self.page.inner_text("main") if self.page.locator("main").count() else ""

    # --- Operating controls: by mouse, or by keyboard only ------------------------------

    def tab_to(self, selector: str, *, limit: int = 250) -> None:
        """Press Tab until the focused element matches `selector`; every element focused on
        the way must show where focus is, and focus must move forward through the page."""
        page = self.page
        state = page.evaluate(FOCUS_JS, selector)
        if state["matches"]:
            return
        for _ in range(limit):
            page.keyboard.press("Tab")
            state = page.evaluate(FOCUS_JS, selector)
            if not state["inDocument"]:
                continue
            self.focus_log.append(state["describe"])
            problems = self.guard.focus_problems
            if not state["indicator"]:
                problems.append(f"{self.path}: no visible focus on {state['describe']}")
            if not state["onScreen"]:
                problems.append(f"{self.path}: focused element off screen: {state['describe']}")
            if state["backwards"]:
                problems.append(f"{self.path}: focus moved backwards to {state['describe']}")
            if state["matches"]:
                return
        raise AssertionError(f"{selector} was not reached with Tab on {self.path}")

    def focused(self) -> dict:
        return self.page.evaluate(FOCUS_JS, "*")

    def fill(self, selector: str, value: str) -> None:
        if self.mode == KEYBOARD:
            self.tab_to(selector)
            self.page.keyboard.press("Control+A")
            if value:
                self.page.keyboard.insert_text(value)
            else:
                self.page.keyboard.press("Delete")
        else:
            self.page.fill(selector, value)
        assert self.page.input_value(selector) == value

    def fill_date(self, selector: str, iso: str) -> None:
        """A date field: by keyboard, the digits are typed into the browser's date control.
        Its order of day and month follows the browser's language, not the page's: day
        first is tried, then month first."""
        if self.mode == KEYBOARD:
            year, month, day = iso.split("-")
            self.tab_to(selector)
            self.page.keyboard.type(f"{day}{month}{year}")
            if self.page.input_value(selector) != iso:
                self.page.keyboard.press("ArrowLeft")
                self.page.keyboard.press("ArrowLeft")
                self.page.keyboard.type(f"{month}{day}{year}")
        else:
            self.page.fill(selector, iso)
        assert self.page.input_value(selector) == iso

    def select(self, selector: str, label: str) -> None:
        if self.mode == KEYBOARD:
            self.tab_to(selector)
            self.page.keyboard.type(label)  # type-ahead selects the option
            current = self.page.locator(selector).evaluate("s => s.selectedOptions[0].label")
            tries = 0
            while current.strip() != label and tries < 80:
                self.page.keyboard.press("ArrowDown")
                current = self.page.locator(selector).evaluate("s => s.selectedOptions[0].label")
                tries += 1
        else:
            self.page.select_option(selector, label=label)
        chosen = self.page.locator(selector).evaluate("s => s.selectedOptions[0].label")
        assert chosen.strip() == label, f"{selector}: {chosen!r} chosen, wanted {label!r}"

    def select_value(self, selector: str, value: str) -> None:
        """`select` the option with this value, by its label as the person reads it (in
        whatever language the page is in)."""
        label = self.page.locator(f"{selector} option[value='{value}']").inner_text()
        self.select(selector, label.strip())

    def choose(self, selector: str) -> None:
        """A radio button or a checkbox to turn on."""
        if self.mode == KEYBOARD:
            name = self.page.get_attribute(selector, "name")
            kind = self.page.get_attribute(selector, "type")
            self.tab_to(f"input[name='{name}']" if kind == "radio" else selector)
            for _ in range(20):
                if self.page.evaluate(f"document.activeElement.matches({selector!r})"):
                    if not self.page.is_checked(selector):
                        self.page.keyboard.press("Space")
                    break
                self.page.keyboard.press("ArrowDown")
        else:
            self.page.check(selector)
        assert self.page.is_checked(selector)

    def open_menu_for(self, selector: str) -> None:
        """On a phone the site's links sit behind the menu button: open it first, as a
        person would, when the control asked for is in the closed menu."""
        toggle = self.page.locator("[data-menu-toggle]")
        if not toggle.count() or not toggle.is_visible():
            return
        if self.page.locator(selector).first.is_visible():
            return
        if toggle.get_attribute("aria-expanded") != "true":
            toggle.click()
            assert toggle.get_attribute("aria-expanded") == "true"

    def press(self, selector: str, *, navigates: bool = True) -> None:
        """Follow a link or press a button: Enter by keyboard, a click (a tap on a phone)
        otherwise; waits for the page it leads to unless `navigates` is False."""
        if self.mode == PHONE:
            self.open_menu_for(selector)
        if self.mode == KEYBOARD:
            self.tab_to(selector)
        if not navigates:
            if self.mode == KEYBOARD:
                self.page.keyboard.press("Enter")
            else:
                self.page.click(selector)
            return
        with self.page.expect_navigation():
            if self.mode == KEYBOARD:
                self.page.keyboard.press("Enter")
            else:
                self.page.click(selector)

    submit = press

    def upload(self, selector: str, files: list[dict]) -> None:
        """Attach files; by keyboard the file chooser is opened with Space."""
        payload = [{"name": f["name"], "mimeType": f["mime"], "buffer": f["data"]} for f in files]
        if self.mode == KEYBOARD:
            self.tab_to(selector)
            # Under load headless Chromium sometimes drops the first activation of a file
            # control; the person would press Space again, and so do we (focus stays put).
            for attempt in range(3):
                try:
                    with self.page.expect_file_chooser(timeout=5000) as chooser:
                        self.page.keyboard.press("Space")
                    break
                except PlaywrightTimeoutError:
                    if attempt == 2:
                        raise
                    assert self.page.evaluate(FOCUS_JS, selector)["matches"], selector
            chooser.value.set_files(payload)
        else:
            self.page.set_input_files(selector, payload)

    # --- People --------------------------------------------------------------------------

    def log_in(self, email: str, password: str, *, secret: str | None = None, prefix: str = ""):
        """Log in through the portal's own form; staff (and members with MFA) give a code."""
        self.goto("/accounts/login/")
        self.check(f"{prefix}login")
        self.fill("#id_login", email)
        self.fill("#id_password", password)
        self.submit("main form button[type=submit]")
        if secret:
            assert self.path.startswith("/accounts/2fa/authenticate/"), self.path
            self.check(f"{prefix}login-code")
            self.fill("#id_code", totp_code(secret))
            self.submit("main form button[type=submit]")
        assert not self.path.startswith("/accounts/login/"), "the login was refused"

    def log_out(self) -> None:
        self.press("form[action='/accounts/logout/'] button")
        if self.path.startswith("/accounts/logout/"):  # allauth asks to confirm on GET only
            self.submit("main form button[type=submit]")


def _serve_axe(route):
    route.fulfill(path=str(AXE_JS), content_type="application/javascript; charset=utf-8")


def check_page(actor: Actor, name: str, *, status: int = 200, admin: bool = False) -> PageResult:
    """Check the page now in the browser and record the result under `<journey>/<name>`."""
    journey = actor.journey
    assert name in journey.declared, (
        f"{name!r} is not among the pages of {journey.base} in pages.py: declare it there"
    )
    admin = admin or name.startswith("admin-")
    page = actor.page
    page.wait_for_load_state("load")
    journey.count += 1
    stem = f"{journey.count:02d}-{slug(name)}"
    document = actor.guard.document
    doc_status = document.status if document is not None else None
    result = PageResult(
        journey=journey.name,
        name=name,
        url=actor.path,
        status=doc_status,
        admin=admin,
        mode=actor.mode,
    )
    assert doc_status == status, f"{name} ({actor.path}): HTTP {doc_status}, expected {status}"
    # The HTML as the server sent it, for the Nu checker.
    if document is not None:
        html_path = HTML_DIR / slug(journey.name) / f"{stem}.html"
        html_path.write_bytes(document.body())
        result.html_path = html_path
    # axe-core, from the same origin (see AXE_PATH).
    if not page.evaluate("typeof window.axe !== 'undefined'"):
        page.add_script_tag(url=f"{actor.base_url}{AXE_PATH}")
    outcome = page.evaluate(
        """async (tags) => {
            const r = await axe.run(document, {runOnly: {type: "tag", values: tags},
                                               resultTypes: ["violations"]});
            return r.violations.map(v => ({id: v.id, impact: v.impact, help: v.help,
              helpUrl: v.helpUrl, nodes: v.nodes.map(n => ({target: n.target.join(" "),
              html: n.html.slice(0, 300), summary: n.failureSummary}))}));
        }""",
        AXE_TAGS,
    )
    result.axe = outcome
    if actor.mode == PHONE:
        result.overflow = page.evaluate(OVERFLOW_JS)
    shot = SCREENSHOTS / slug(journey.name) / f"{stem}.png"
    page.screenshot(path=str(shot), full_page=True)
    result.screenshot = shot
    (
        result.console_errors,
        result.failed_requests,
        result.slow_responses,
        result.focus_problems,
    ) = actor.guard.take()
    if status >= 400:
        # Chromium logs the expected error status of the document itself as a console error.
        expected = f"status of {status}"
        result.console_errors = [
            e
            for e in result.console_errors
            if not (e.startswith("Failed to load resource") and expected in e)
        ]
    now = time.monotonic()
    result.seconds = round(now - journey.clock, 2)
    journey.clock = now
    RESULTS[result.key] = result
    return result


def describe_axe(violations: list[dict]) -> str:
    lines = []
    for v in violations:
        lines.append(f"- {v['id']} ({v['impact']}): {v['help']} [{v['helpUrl']}]")
        for node in v["nodes"][:5]:
            lines.append(f"    {node['target']}: {node['html']}")
    return "\n".join(lines)


def write_report() -> Path:
    """All results as JSON, beside the screenshots, for a person or CI to read."""
    ARTIFACTS.mkdir(exist_ok=True)
    path = ARTIFACTS / "browser-report.json"
    data = {
        key: {
            "url": r.url,
            "status": r.status,
            "admin": r.admin,
            "mode": r.mode,
            "axe": r.axe,
            "html": str(r.html_path) if r.html_path else None,
            "screenshot": str(r.screenshot) if r.screenshot else None,
            "console_errors": r.console_errors,
            "failed_requests": r.failed_requests,
            "slow_responses": r.slow_responses,
            "overflow": r.overflow,
            "focus_problems": r.focus_problems,
            "seconds": r.seconds,
            "html_errors": VNU.get(str(r.html_path), []),
        }
        for key, r in sorted(RESULTS.items())
    }
    path.write_text(json.dumps(data, indent=2))
    return path


class Broker:
    """The real Celery broker (Redis) in place of in-process tasks, for a journey whose
    requests hand slow work to a worker (a PDF to render, a newsletter to send): each
    request then answers in the time it takes in production, and the test plays the worker
    with `work()`, running every queued task (and those they queue) in this thread."""

    QUEUE = "celery"

    def __init__(self, app):
        import redis

        self.app = app
        self.redis = redis.Redis.from_url(app.conf.broker_url, socket_connect_timeout=3)
        self.done: list[str] = []  # the names of the tasks run, in order

    def __enter__(self) -> Broker:
        self._purge()
        self._eager = self.app.conf.task_always_eager
        self.app.conf.task_always_eager = False
        return self

    def __exit__(self, *exc) -> None:
        self.app.conf.task_always_eager = self._eager
        self._purge()

    def _purge(self) -> None:
        self.redis.delete(self.QUEUE, "unacked", "unacked_index", "unacked_mutex")

    def queued(self) -> list[str]:
        """The names of the tasks waiting in the queue, oldest first."""
        raws = reversed(self.redis.lrange(self.QUEUE, 0, -1))  # pushed left, taken right
        return [json.loads(raw)["headers"]["task"] for raw in raws]

    def work(self, *, limit: int = 100) -> list[str]:
        """Run what is queued, oldest first, until the queue is empty; returns the names."""
        import base64

        ran = []
        for _ in range(limit):
            raw = self.redis.rpop(self.QUEUE)
            if raw is None:
                return ran
            message = json.loads(raw)
            headers = message["headers"]
            body = message["body"]
            if message.get("properties", {}).get("body_encoding") == "base64":
                body = base64.b64decode(body)
            args, kwargs, _embed = json.loads(body)
            task = self.app.tasks[headers["task"]]
            task.apply(args=args, kwargs=kwargs, task_id=headers["id"], throw=True)
            ran.append(headers["task"])
            self.done.append(headers["task"])
        raise AssertionError(f"the queue did not empty after {limit} tasks: {ran[-10:]}")
