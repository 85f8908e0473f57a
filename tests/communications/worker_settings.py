"""Settings for the real Celery worker the communications tests start: the production
settings (Redis broker, SMTP to the test's mail server) plus the sending knobs from the
environment, so that each test can choose batch size, rate limit and retry back-off."""

import os

from portal.settings import *  # noqa: F403

PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
COMMUNICATIONS_BATCH_SIZE = int(os.environ.get("COMMUNICATIONS_BATCH_SIZE", "200"))
COMMUNICATIONS_RATE_LIMIT = int(os.environ.get("COMMUNICATIONS_RATE_LIMIT", "0"))
COMMUNICATIONS_RETRY_BACKOFF = int(os.environ.get("COMMUNICATIONS_RETRY_BACKOFF", "60"))
COMMUNICATIONS_MAX_ATTEMPTS = int(os.environ.get("COMMUNICATIONS_MAX_ATTEMPTS", "5"))
COMMUNICATIONS_STALE_AFTER = int(os.environ.get("COMMUNICATIONS_STALE_AFTER", "300"))
# A killed worker's unacknowledged tasks come back after seconds rather than an hour.
CELERY_BROKER_TRANSPORT_OPTIONS = {
    "visibility_timeout": int(os.environ.get("CELERY_VISIBILITY", "3")),
    "unacked_restore_interval": 1,
    "unacked_restore_throttle": 1,
}
