"""Settings of the portal under `make bench`: the production settings (DEBUG off, from the
environment) with the benchmark's reference views added to the URLs and the rate limits
relaxed. Nothing else differs from what a deployment runs."""

from pathlib import Path

from portal.settings import *  # noqa: F403
from portal.settings import BASE_DIR, LOGGING

ROOT_URLCONF = "bench.urls"

# Thousands of logins a minute from one address are the point of the benchmark.
ACCOUNT_RATE_LIMITS = False

# The benchmark's own files, apart from anything the demo or a deployment uses.
BENCH_VAR = Path(BASE_DIR) / "var" / "bench"
STATIC_ROOT = BENCH_VAR / "staticfiles"
PRIVATE_MEDIA_ROOT = BENCH_VAR / "private"

LOGGING = {**LOGGING, "root": {**LOGGING["root"], "level": "WARNING"}}
