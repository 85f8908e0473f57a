"""The checks on every page the journeys visit, one test per page and mode (from pages.py):
axe-core at WCAG 2.0/2.1/2.2 A and AA, the W3C Nu HTML checker (one run for the whole
session), no console errors, no failed requests, no response over the guard
(BROWSER_SLOW_MS, 2 s), nothing wider than a phone's screen, and a visible focus moving
forward when using the keyboard.

These tests need no database, so pytest-django runs them after every test that does: by then
the journeys have recorded their pages. A page whose journey did not run in this session is
skipped; a page its journey did not reach fails.

A known problem in a shared template is marked in KNOWN below as an expected failure
(strict: once fixed, the mark must go), with the fix in its reason.
"""

from __future__ import annotations

import json
import os
import subprocess

import pytest

from .harness import RESULTS, STARTED, VNU, VNU_JAR, describe_axe
from .pages import JOURNEYS

pytestmark = pytest.mark.browser

# (check, "journey[mode]/page") -> reason naming the fix. Keep empty when all is well.
KNOWN: dict[tuple[str, str], str] = {}


def _keys() -> list[tuple[str, str, str]]:
    keys = []
    for journey, (modes, pages) in JOURNEYS.items():
        for mode in modes:
            run = journey if mode == "mouse" else f"{journey}[{mode}]"
            for page in pages:
                keys.append((run, page, mode))
    return keys


def _params(check: str, *, modes: tuple[str, ...] | None = None, portal_only: bool = False):
    params = []
    for run, page, mode in _keys():
        if modes and mode not in modes:
            continue
        if portal_only and page.startswith("admin-"):
            continue
        key = f"{run}/{page}"
        marks = []
        if (check, key) in KNOWN:
            marks.append(pytest.mark.xfail(strict=True, reason=KNOWN[(check, key)]))
        params.append(pytest.param(key, id=key, marks=marks))
    return params


def _result(key: str):
    run = key.rsplit("/", 1)[0]
    if run not in STARTED:
        pytest.skip(f"journey {run} did not run in this session")
    result = RESULTS.get(key)
    assert result is not None, f"journey {run} stopped before it reached this page"
    return result


@pytest.fixture(scope="session")
def vnu_report() -> dict[str, list[dict]]:
    """The Nu HTML checker on every page recorded, in one call (it takes seconds to start)."""
    files = sorted(str(r.html_path) for r in RESULTS.values() if r.html_path)
    if not files:
        return {}
    if not VNU_JAR.exists():
        pytest.fail("vnu-jar is not installed: npm ci --prefix tests/browser", pytrace=False)
    done = subprocess.run(
        ["java", "-jar", str(VNU_JAR), "--errors-only", "--format", "json", *files],
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    if done.returncode not in (0, 1):
        pytest.fail(f"vnu could not run: {done.stderr[-2000:]}", pytrace=False)
    report: dict[str, list[dict]] = {}
    for message in json.loads(done.stderr or '{"messages": []}')["messages"]:
        path = message.get("url", "").removeprefix("file:")
        report.setdefault(path, []).append(message)
    VNU.update(report)
    return report


@pytest.mark.parametrize("key", _params("axe"))
def test_no_accessibility_violations(key):
    result = _result(key)
    assert not result.axe, f"axe on {result.url}:\n{describe_axe(result.axe)}"


@pytest.mark.parametrize("key", _params("html"))
def test_html_is_valid(key, vnu_report):
    result = _result(key)
    assert result.html_path is not None
    errors = vnu_report.get(str(result.html_path), [])
    lines = [
        f"- line {e.get('lastLine')}: {e['message']}  «{e.get('extract', '').strip()}»"
        for e in errors
    ]
    assert not errors, f"Nu checker on {result.url} ({result.html_path}):\n" + "\n".join(lines)


@pytest.mark.parametrize("key", _params("guards"))
def test_no_console_errors_failed_requests_or_slow_responses(key):
    result = _result(key)
    problems = (
        [f"console: {e}" for e in result.console_errors]
        + [f"failed request: {e}" for e in result.failed_requests]
        + [f"slow response: {e}" for e in result.slow_responses]
    )
    if result.slow_responses:
        load = ", ".join(f"{n:.1f}" for n in os.getloadavg())
        problems.append(f"(load average {load} on {os.cpu_count()} cores)")
    assert not problems, f"{result.url}:\n" + "\n".join(problems)


@pytest.mark.parametrize("key", _params("phone", modes=("phone",)))
def test_fits_a_phone_screen_without_scrolling_sideways(key):
    result = _result(key)
    assert result.overflow is None, f"{result.url} is wider than the screen: {result.overflow}"


@pytest.mark.parametrize("key", _params("keyboard", modes=("keyboard",)))
def test_focus_is_visible_and_moves_forward(key):
    result = _result(key)
    assert not result.focus_problems, "\n".join(result.focus_problems)
