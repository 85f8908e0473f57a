"""Where a page's time goes, in this process: `python -m bench.budget --scale 1`
(`make bench-budget`).

For each page a `make bench` row times, against the reference that row divides by (the
constant view or the constant POST, through the same middleware and session): the time of
one request (median of many, one at a time, Django's test client against the bench's
database with the bench's settings), how much of it is waiting for PostgreSQL (time inside
the database cursor's execute, every query), how much is template rendering (the outermost
template's render, less the queries it ran), and what is left (the view, forms, the ORM
building queries and models).
Then the budget the row's goal leaves: a goal of 0.35× the reference allows reference / 0.35
for the whole page, and the table says how far each part alone goes into it.

`--profile` adds a cProfile of each page, its own time summed by where the code lives
(Django's templates, its ORM, psycopg, the admin, forms, the portal's own code...): the
summary the "why rows miss" section of bench/README.md quotes.

It reads the seeded database `make bench` uses (seed it first with `bench.run`); the cases its
POSTs submit are deleted at the end (the consultation response is the member's one, replaced).
"""

from __future__ import annotations

import argparse
import cProfile
import os
import pstats
import sys
import time
from collections import defaultdict
from contextlib import contextmanager
from pathlib import Path
from statistics import median

ROOT = Path(__file__).resolve().parent.parent

# (row, the page, its reference, the row's goal as a fraction of the reference's rate)
GOALS = {
    "member dashboard": 0.5,
    "case submit POST": 0.35,
    "consultation response POST": 0.35,
    "officers' queue": 0.3,
}


# How deep in template rendering this thread is (0: not rendering).
_rendering = [0]


@contextmanager
def _timed_sql(totals: dict):
    """Every query's time inside the cursor (the round trip to PostgreSQL and back)."""
    from django.db import connection

    def wrapper(execute, sql, params, many, context):
        start = time.perf_counter()
        try:
            return execute(sql, params, many, context)
        finally:
            spent = time.perf_counter() - start
            totals["sql"] += spent
            totals["queries"] += 1
            if _rendering[0]:  # a query the template ran (a lazy queryset): SQL, not template
                totals["sql_in_templates"] += spent

    with connection.execute_wrapper(wrapper):
        yield


@contextmanager
def _timed_templates(totals: dict):
    """The outermost template render of a response (included templates are inside it)."""
    from django.template.backends.django import Template

    original = Template.render

    def render(self, context=None, request=None):
        _rendering[0] += 1
        start = time.perf_counter()
        try:
            return original(self, context, request)
        finally:
            _rendering[0] -= 1
            if _rendering[0] == 0:
                totals["template"] += time.perf_counter() - start

    Template.render = render
    try:
        yield
    finally:
        Template.render = original


# Where a function's own time is counted in the profile summary: the first prefix of its
# file's path (after site-packages/ or the project's root) that matches.
AREAS = [
    ("django/template/", "templates"),
    ("django/templatetags/", "templates"),
    ("django/contrib/admin/templatetags/", "templates"),
    ("django/db/", "ORM"),
    ("psycopg", "psycopg (driver)"),
    ("django/contrib/admin/", "admin"),
    ("django/forms/", "forms"),
    ("django/contrib/sessions/", "sessions and auth"),
    ("django/contrib/auth/", "sessions and auth"),
    ("allauth/", "sessions and auth"),
    ("django/middleware/", "middleware"),
    ("django/core/handlers/", "middleware"),
    ("django/test/", "test client"),
    ("django/utils/", "django.utils (escaping, translation, dates)"),
    ("django/urls/", "URL resolving and reversing"),
    ("celery/", "Celery publish"),
    ("kombu/", "Celery publish"),
    ("redis/", "Redis"),
    ("django/", "Django, other"),
]


def _area(filename: str) -> str:
    path = filename.replace("\\", "/")
    if "site-packages/" in path:
        path = path.split("site-packages/", 1)[1]
        for prefix, area in AREAS:
            if path.startswith(prefix):
                return area
        return "other libraries"
    if path.startswith(str(ROOT)):
        return "the portal's own code"
    return "Python itself"


class Budget:
    def __init__(self, args):
        self.args = args
        self.results = []

    def setup(self):
        from django.test import Client

        from bench.seed import OFFICER_DOMAIN, member_email
        from portal.accounts.models import User

        backend = "django.contrib.auth.backends.ModelBackend"
        self.member_user = User.objects.get(email=member_email(0))
        self.member = Client(HTTP_HOST="127.0.0.1")
        self.member.force_login(self.member_user, backend=backend)
        self.officer = Client(HTTP_HOST="127.0.0.1")
        self.officer.force_login(
            User.objects.get(email=f"manager@{OFFICER_DOMAIN}"), backend=backend
        )
        self.anonymous = Client(HTTP_HOST="127.0.0.1")

    def pages(self):
        """(row, client, method, url, data, expected status, (reference url, its method))"""
        from bench.run import Bench

        bench = Bench.__new__(Bench)  # only for its URLs and bodies
        bench.member_cookies = []
        search = {label: (url, expect) for label, url, _, expect in bench.search_urls()}
        member_ref = ("/_bench/constant/member/", "get")
        post_ref = ("/_bench/constant/post/", "post")
        consultation = bench.consultation_load()[0]
        member, officer = self.member, self.officer
        rows = [
            ("member dashboard", member, "get", "/me/", None, 200, member_ref),
            (
                "case submit POST",
                member,
                "post",
                "/cases/new/",
                _parse(bench.case_submit_load().bodies[0]),
                302,
                post_ref,
            ),
            (
                "consultation response POST",
                member,
                "post",
                consultation.paths[0],
                _parse(consultation.bodies[0]),
                302,
                post_ref,
            ),
        ]
        for view, url in (
            ("default view", bench._queue_url(1)),
            ("3 filters + search", bench._triage_url(1)),
        ):
            rows.append(
                (f"officers' queue, {view}, page 1", officer, "get", url, None, 200, member_ref)
            )
        for label, client, ref in (
            ("cases by reference", officer, member_ref),
            ("cases by member name", officer, member_ref),
            ("standards by text", self.anonymous, ("/_bench/constant/", "get")),
        ):
            url, expect = search[label]
            rows.append((f"search: {label}", client, "get", url, None, expect, ref))
        return rows

    def once(self, client, method, url, data, expect, totals):
        start = time.perf_counter()
        with _timed_sql(totals), _timed_templates(totals):
            response = client.post(url, data) if method == "post" else client.get(url)
        totals["total"] += time.perf_counter() - start
        if response.status_code != expect:
            raise SystemExit(f"{url} answered {response.status_code}, not {expect}")

    def measure(self, client, method, url, data, expect) -> dict:
        from standards.page_cache import clear_local

        for _ in range(5):
            self.once(client, method, url, data, expect, defaultdict(float))
        samples = []
        for _ in range(self.args.requests):
            clear_local()  # the SQL of a fresh render, as `make bench`'s SQL rows
            totals = defaultdict(float)
            self.once(client, method, url, data, expect, totals)
            samples.append(totals)
        middle = sorted(samples, key=lambda t: t["total"])[len(samples) // 2]
        return {
            "total_ms": median(t["total"] for t in samples) * 1000,
            "sql_ms": median(t["sql"] for t in samples) * 1000,
            "template_ms": median(t["template"] - t["sql_in_templates"] for t in samples) * 1000,
            "queries": int(middle["queries"]),
        }

    def profile(self, client, method, url, data, expect) -> list[tuple[str, float]]:
        profiler = cProfile.Profile()
        profiler.enable()
        for _ in range(self.args.requests):
            self.once(client, method, url, data, expect, defaultdict(float))
        profiler.disable()
        areas = defaultdict(float)
        for (filename, _, _), (_, _, own, _, _) in pstats.Stats(profiler).stats.items():
            areas[_area(filename)] += own
        whole = sum(areas.values()) or 1.0
        return sorted(((a, t / whole) for a, t in areas.items()), key=lambda x: -x[1])

    def run(self):
        from casework.models import Case

        self.setup()
        first_new = (Case.objects.order_by("-pk").values_list("pk", flat=True).first() or 0) + 1
        try:
            self.report()
        finally:
            # The cases its POSTs submitted: the seeded database stays as it was (a member
            # with hundreds of cases more would make their case list another page).
            Case.objects.filter(pk__gte=first_new, member=self.member_user).delete()

    def report(self):
        print(
            "| page | one request | reference | SQL (queries) | templates | the rest | "
            "budget at the goal | what the goal leaves beyond the reference |"
        )
        print("| --- | --- | --- | --- | --- | --- | --- | --- |")
        for row, client, method, url, data, expect, (ref_url, ref_method) in self.pages():
            page = self.measure(client, method, url, data, expect)
            ref = self.measure(
                client,
                ref_method,
                ref_url,
                {} if ref_method == "post" else None,
                302 if ref_method == "post" else 200,
            )
            goal = next((g for name, g in GOALS.items() if row.startswith(name)), None)
            rest = page["total_ms"] - page["sql_ms"] - page["template_ms"]
            budget = f"{ref['total_ms'] / goal:.1f} ms ({goal}x)" if goal else "-"
            beyond = f"{ref['total_ms'] / goal - ref['total_ms']:.1f} ms" if goal else "-"
            print(
                f"| {row} | {page['total_ms']:.1f} ms | {ref['total_ms']:.1f} ms | "
                f"{page['sql_ms']:.1f} ms ({page['queries']}; reference {ref['queries']}) | "
                f"{page['template_ms']:.1f} ms | {rest:.1f} ms | {budget} | {beyond} |",
                flush=True,
            )
            result = {"row": row, "url": url, "page": page, "reference": ref}
            if self.args.profile:
                result["profile"] = self.profile(client, method, url, data, expect)
            self.results.append(result)
        if self.args.profile:
            print("\nOwn time by area (cProfile):")
            for result in self.results:
                shares = ", ".join(f"{a} {s:.0%}" for a, s in result["profile"] if s >= 0.02)
                print(f"- {result['row']}: {shares}")
        print(f"\nORM cost of one query beyond its SQL: {self.orm_per_query():.2f} ms")

    def orm_per_query(self) -> float:
        """One primary-key read through the ORM, less its time in the cursor."""
        from portal.accounts.models import User

        pk = User.objects.order_by("pk").values_list("pk", flat=True).first()
        samples = []
        for _ in range(200):
            totals = defaultdict(float)
            start = time.perf_counter()
            with _timed_sql(totals):
                User.objects.filter(pk=pk).first()
            samples.append(time.perf_counter() - start - totals["sql"])
        return median(samples) * 1000


def _parse(body: str) -> dict:
    from urllib.parse import parse_qs

    return {k: v if len(v) > 1 else v[0] for k, v in parse_qs(body).items()}


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--scale", type=float, default=float(os.environ.get("SCALE", "1")))
    parser.add_argument("--requests", type=int, default=60)
    parser.add_argument("--profile", action="store_true")
    args = parser.parse_args()

    sys.path.insert(0, str(ROOT))
    from bench import run

    run.check_services()
    name = run.database_name(args.scale)
    run.ensure_database(name)
    marker = run.seeded_marker(name)
    if marker is None:
        raise SystemExit(
            f"{name} is not seeded: python -m bench.run --scale {args.scale:g} --seed-only"
        )
    marker = run.seeded_marker(name)
    env = run.configure(args.scale, marker["field_key"])
    env.update({"CACHE_KEY_PREFIX": "bench-budget"})
    os.environ.update(env)
    import django

    django.setup()
    Budget(args).run()


if __name__ == "__main__":
    main()
