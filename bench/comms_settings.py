"""Settings for the communications benchmark (its own process and its worker): production
settings from the environment plus the sending knobs, until settings.py reads them itself."""

import os

from portal.settings import *  # noqa: F403

COMMUNICATIONS_BATCH_SIZE = int(os.environ.get("COMMUNICATIONS_BATCH_SIZE", "500"))
COMMUNICATIONS_RATE_LIMIT = int(os.environ.get("COMMUNICATIONS_RATE_LIMIT", "0"))
