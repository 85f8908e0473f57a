"""What an operator sees of the running portal, none of it confidential: request ids, JSON log
lines, error reports to Sentry with everything personal taken out, and the Celery hooks that
carry the request id into tasks.

- Every request has an id (`X-Request-ID`: the caller's if it is well formed, otherwise a new
  one), returned in the response header, put on every log line of the request, handed to the
  Celery tasks the request enqueues (a message header) and restored while the task runs, so
  that one id joins the web log, the task's log and the email it sent.
- `JsonFormatter` writes one JSON object per line: time, level, logger, message, request_id,
  user_id, view (`LOG_FORMAT=json`, the default when DEBUG is off).
- Sentry (`SENTRY_DSN`): `before_send` and `before_breadcrumb` keep only what identifies
  without revealing: ids, case references (they are in the URL path), view names, exception
  types and where they were raised. Request bodies, cookies, headers outside a short list,
  query strings, local variables, log arguments and email addresses never leave.
"""

from __future__ import annotations

import contextvars
import json
import logging
import re
import time
import traceback
import uuid
from datetime import UTC, datetime

logger = logging.getLogger(__name__)

REQUEST_ID_HEADER = "X-Request-ID"
# An incoming id is kept only if it looks like one: letters, digits and - _ . : (8-64).
_REQUEST_ID_RE = re.compile(r"^[A-Za-z0-9._:-]{8,64}$")
# The Celery message header that carries the id from the web process to the task.
TASK_HEADER = "portal_request_id"

request_id_var: contextvars.ContextVar[str | None] = contextvars.ContextVar(
    "portal_request_id", default=None
)
user_id_var: contextvars.ContextVar[str | None] = contextvars.ContextVar(
    "portal_user_id", default=None
)
view_var: contextvars.ContextVar[str | None] = contextvars.ContextVar("portal_view", default=None)


def clean_request_id(value: str | None) -> str | None:
    """The caller's id if it is well formed, else None."""
    if value and _REQUEST_ID_RE.match(value):
        return value
    return None


def new_request_id() -> str:
    return uuid.uuid4().hex


def view_name(request) -> str:
    """The resolved view's name (never the path: paths hold references and ids)."""
    match = getattr(request, "resolver_match", None)
    if match is None:
        return "<unresolved>"
    return match.view_name or "<unnamed>"


class RequestIdMiddleware:
    """First in the chain: sets the request's id (and later its user and view) for every log
    line and error report, and returns the id in `X-Request-ID`."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        rid = clean_request_id(request.META.get("HTTP_X_REQUEST_ID")) or new_request_id()
        request.request_id = rid
        tokens = (request_id_var.set(rid), user_id_var.set(None), view_var.set(None))
        try:
            response = self.get_response(request)
        finally:
            request_id_var.reset(tokens[0])
            user_id_var.reset(tokens[1])
            view_var.reset(tokens[2])
        response[REQUEST_ID_HEADER] = rid
        return response

    def process_view(self, request, view_func, view_args, view_kwargs):
        # Runs after every middleware's first half: the user is known by now.
        view_var.set(view_name(request))
        user = getattr(request, "user", None)
        user_id = str(user.pk) if user is not None and user.is_authenticated else None
        user_id_var.set(user_id)
        if sentry_enabled():
            import sentry_sdk

            scope = sentry_sdk.get_isolation_scope()
            scope.set_tag("request_id", request.request_id)
            scope.set_tag("view", view_var.get())
            if user_id:
                scope.set_user({"id": user_id})
        return None


# --- JSON log lines --------------------------------------------------------------------------


class JsonFormatter(logging.Formatter):
    """One JSON object per line. An exception adds its type and where it was raised, not its
    message (a message may quote the data that caused it)."""

    def format(self, record: logging.LogRecord) -> str:
        line = {
            "time": datetime.fromtimestamp(record.created, tz=UTC).isoformat(
                timespec="milliseconds"
            ),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
            "request_id": request_id_var.get(),
            "user_id": user_id_var.get(),
            "view": view_var.get(),
        }
        if record.exc_info and record.exc_info[0] is not None:
            exc_type, _, tb = record.exc_info
            line["exception"] = exc_type.__name__
            line["stack"] = "".join(traceback.format_tb(tb)).rstrip()
        return json.dumps(line, ensure_ascii=False, default=str)


# --- Sentry ----------------------------------------------------------------------------------

# Request headers that say nothing about a person.
SAFE_HEADERS = frozenset(
    {"host", "user-agent", "accept", "accept-language", "content-type", "content-length"}
)
EMAIL_RE = re.compile(r"[A-Za-z0-9._%+-]+@[A-Za-z0-9.-]+\.[A-Za-z]{2,}")
REDACTED = "[removed]"

_sentry_on = False


def sentry_enabled() -> bool:
    return _sentry_on


def _no_emails(value):
    if isinstance(value, str):
        return EMAIL_RE.sub(REDACTED, value)
    return value


def _scrub_frames(container: dict | None) -> None:
    if not container:
        return
    for frame in (container.get("stacktrace") or {}).get("frames") or []:
        frame.pop("vars", None)
        # Source lines stay (they are our code); their context is code too.


def scrub_event(event: dict, hint: dict | None = None) -> dict:
    """`before_send`: the event with everything confidential removed."""
    request = event.get("request")
    if isinstance(request, dict):
        url = request.get("url")
        event["request"] = {
            "method": request.get("method"),
            # The path without the query string: paths hold references, never text.
            "url": _no_emails(url.split("?", 1)[0]) if isinstance(url, str) else None,
            "headers": {
                k: v for k, v in (request.get("headers") or {}).items() if k.lower() in SAFE_HEADERS
            },
        }
    user = event.get("user")
    if isinstance(user, dict):
        event["user"] = {"id": str(user["id"])} if user.get("id") is not None else {}
    for exception in (event.get("exception") or {}).get("values") or []:
        # The type and the stack say where; the message could quote what was being handled.
        exception["value"] = REDACTED if exception.get("value") else exception.get("value")
        _scrub_frames(exception)
    for thread in (event.get("threads") or {}).get("values") or []:
        _scrub_frames(thread)
    logentry = event.get("logentry") or event.get("message")
    if isinstance(logentry, dict):
        # The format string is ours; the arguments are data.
        event["logentry"] = {"message": _no_emails(logentry.get("message"))}
        event.pop("message", None)
    elif isinstance(logentry, str):
        event["message"] = _no_emails(logentry)
    for key in ("extra", "contexts_extra", "modules"):
        event.pop(key, None)
    contexts = event.get("contexts")
    if isinstance(contexts, dict):
        # Runtime, OS, trace ids and Celery's task name stay; anything a caller put there goes.
        event["contexts"] = {
            k: v
            for k, v in contexts.items()
            if k in {"runtime", "os", "trace", "device", "culture", "celery"}
        }
        celery = event["contexts"].get("celery")
        if isinstance(celery, dict):
            event["contexts"]["celery"] = {k: celery.get(k) for k in ("task_name", "task_id")}
    tags = event.get("tags")
    if isinstance(tags, dict):
        event["tags"] = {k: _no_emails(v) for k, v in tags.items()}
    breadcrumbs = event.get("breadcrumbs")
    if isinstance(breadcrumbs, dict):
        values = [scrub_breadcrumb(b) for b in breadcrumbs.get("values") or []]
        breadcrumbs["values"] = [b for b in values if b]
    event.pop("server_name", None)
    return event


def scrub_breadcrumb(crumb: dict, hint: dict | None = None) -> dict | None:
    """`before_breadcrumb`: a log message's format string without its arguments; SQL without
    its parameters; nothing else the crumb carried."""
    if not isinstance(crumb, dict):
        return None
    category = crumb.get("category")
    record = (hint or {}).get("log_record")
    # Only a log line's own format string is kept: SQL (its values interpolated), Redis
    # commands (their keys), URLs called and anything else a crumb says are dropped.
    message = record.msg if record is not None and isinstance(record.msg, str) else None
    kept = {
        "type": crumb.get("type"),
        "category": category,
        "level": crumb.get("level"),
        "timestamp": crumb.get("timestamp"),
        "message": _no_emails(message) if isinstance(message, str) else None,
    }
    return {k: v for k, v in kept.items() if v is not None}


def scrub_transaction(event: dict, hint: dict | None = None) -> dict:
    """`before_send_transaction` (when tracing is on): the request scrubbed as for errors,
    and each span reduced to what it was and how long it took (no SQL, keys or URLs)."""
    event = scrub_event(event, hint)
    keep = ("op", "span_id", "parent_span_id", "trace_id", "start_timestamp", "timestamp")
    event["spans"] = [
        {k: span[k] for k in (*keep, "status") if k in span} for span in event.get("spans") or []
    ]
    return event


def sentry_init(dsn: str, *, environment: str | None = None, release: str | None = None, **extra):
    """Start Sentry with the Django and Celery integrations and the scrubbers (`extra` is for
    tests: a transport that keeps events in memory)."""
    global _sentry_on
    import sentry_sdk
    from sentry_sdk.integrations.celery import CeleryIntegration
    from sentry_sdk.integrations.django import DjangoIntegration
    from sentry_sdk.integrations.logging import LoggingIntegration

    sentry_sdk.init(
        dsn=dsn,
        environment=environment,
        release=release,
        send_default_pii=False,
        include_local_variables=False,
        max_request_body_size="never",
        before_send=scrub_event,
        before_breadcrumb=scrub_breadcrumb,
        before_send_transaction=scrub_transaction,
        integrations=[
            DjangoIntegration(),
            CeleryIntegration(),
            LoggingIntegration(level=logging.INFO, event_level=logging.ERROR),
        ],
        **extra,
    )
    _sentry_on = True


# --- Celery: the request id into tasks --------------------------------------------------------

_task_tokens: dict[str, tuple] = {}


def _on_before_publish(sender=None, headers=None, **kwargs):
    rid = request_id_var.get()
    if rid and isinstance(headers, dict):
        headers[TASK_HEADER] = rid


def _on_task_prerun(sender=None, task_id=None, task=None, **kwargs):
    request = getattr(task, "request", None)
    rid = None
    if request is not None:
        rid = clean_request_id(getattr(request, TASK_HEADER, None)) or clean_request_id(
            (getattr(request, "headers", None) or {}).get(TASK_HEADER)
        )
    if rid is None:
        rid = request_id_var.get()  # run in-process: the caller's id is already there
    if task_id:
        _task_tokens[task_id] = (request_id_var.set(rid), time.monotonic())


def _on_task_postrun(sender=None, task_id=None, **kwargs):
    entry = _task_tokens.pop(task_id, None) if task_id else None
    if entry is not None:
        try:
            request_id_var.reset(entry[0])
        except ValueError:  # set in another context (a thread pool): just clear it
            request_id_var.set(None)


def _json_handlers(logger=None, **kwargs):
    """Celery sets up its own handlers in the worker: give them the JSON formatter too."""
    from django.conf import settings

    if getattr(settings, "LOG_FORMAT", "plain") != "json":
        return
    for handler in getattr(logger, "handlers", []):
        handler.setFormatter(JsonFormatter())


def connect_celery(app) -> None:
    from celery import signals

    signals.before_task_publish.connect(_on_before_publish, weak=False)
    signals.task_prerun.connect(_on_task_prerun, weak=False)
    signals.task_postrun.connect(_on_task_postrun, weak=False)
    signals.after_setup_logger.connect(_json_handlers, weak=False)
    signals.after_setup_task_logger.connect(_json_handlers, weak=False)
