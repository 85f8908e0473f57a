"""The real SMTP server and Celery worker of the communications tests, for the tests where
the worker is the point (its heartbeat, a request id carried into its tasks)."""

from tests.communications.conftest import (  # noqa: F401
    broker,
    smtp,
    smtp_server,
    wait_for,
    worker_factory,
)
