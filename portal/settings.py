"""Settings, read from the environment.

Without any environment variable the portal runs as the local demo (`make run`): DEBUG on,
a SQLite file, Celery tasks executed in-process, email printed to the console. With
DEBUG=0 it is production: SECRET_KEY and ALLOWED_HOSTS must be given, cookies are secure,
and `manage.py check --deploy` is clean.
"""

from __future__ import annotations

import ipaddress
import os
from pathlib import Path

import dj_database_url
from celery.schedules import crontab
from django.core.exceptions import ImproperlyConfigured

BASE_DIR = Path(__file__).resolve().parent.parent


def env(name: str, default: str | None = None) -> str | None:
    value = os.environ.get(name)
    return default if value is None or value == "" else value


def env_bool(name: str, default: bool) -> bool:
    value = os.environ.get(name)
    if value is None or value == "":
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def env_int(name: str, default: int) -> int:
    value = os.environ.get(name)
    return default if value is None or value == "" else int(value)


def env_list(name: str, default: str = "") -> list[str]:
    return [item.strip() for item in (env(name, default) or "").split(",") if item.strip()]


DEBUG = env_bool("DEBUG", False)
# Demo mode seeds the well-known demo accounts; never on a production database.
DEMO_MODE = env_bool("DEMO_MODE", DEBUG)

SECRET_KEY = env("SECRET_KEY")
if not SECRET_KEY:
    if not DEBUG:
        raise ImproperlyConfigured("SECRET_KEY must be set when DEBUG is off.")
    SECRET_KEY = "insecure-local-demo-key-not-for-production-use-0123456789abcdef"  # noqa: S105  # nosec B105

ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", "127.0.0.1,localhost" if DEBUG else "")
if not DEBUG and not ALLOWED_HOSTS:
    raise ImproperlyConfigured("ALLOWED_HOSTS must be set when DEBUG is off.")
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS")
# The address links in emails, unsubscribe headers and PDFs point at. In demo mode it
# follows the address `make run HOST=… PORT=…` serves on (a server listening on every
# interface is reached at localhost).
_DEMO_HOST = env("HOST", "127.0.0.1")
if _DEMO_HOST in {"0.0.0.0", "::"}:  # noqa: S104  # nosec B104 - a link, not a bind
    _DEMO_HOST = "localhost"
SITE_URL = env("SITE_URL") or (
    f"http://{_DEMO_HOST}:{env('PORT', '8000')}" if DEMO_MODE else "http://127.0.0.1:8000"
)

INSTALLED_APPS = [
    # Before the admin: Welsh columns beside staff-written content (README, "Cymraeg").
    "modeltranslation",
    "portal.admin.PortalAdminConfig",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "django.forms",
    "csp",
    "allauth",
    "allauth.account",
    "allauth.mfa",
    "allauth.usersessions",
    "portal.accounts",
    "portal.communications",
    "casework",
    "standards",
    "consultations",
    "membership",
    "subscriptions",
    "reps",
    "ballots",
    "events",
    "cpd",
]

MIDDLEWARE = [
    "portal.middleware.TrustedProxyMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "csp.middleware.CSPMiddleware",
    "portal.middleware.SecurityHeadersMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    # The language from the URL (/cy/…: Welsh, anything else: English), before
    # CommonMiddleware so that a missing slash is added to the right language's URL.
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "allauth.account.middleware.AccountMiddleware",
    "portal.i18n.LanguagePreferenceMiddleware",
    "portal.middleware.ThrottledUserSessionsMiddleware",
    "portal.middleware.SessionPolicyMiddleware",
    "portal.middleware.StaffMFAMiddleware",
    "portal.middleware.PrivatePageCacheMiddleware",
    "portal.middleware.PDFErrorMiddleware",
]

ROOT_URLCONF = "portal.urls"
WSGI_APPLICATION = "portal.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            # `{% url %}` remembering what it reversed (portal/urlcache.py).
            "builtins": ["portal.template_urls", "portal.template_dates", "portal.template_i18n"],
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "portal.context_processors.site",
                "portal.i18n.i18n_context",
            ],
        },
    }
]
FORM_RENDERER = "portal.forms.PortalFormRenderer"

# PgBouncer in transaction mode (docker-compose.yml): DATABASE_POOLER=pgbouncer. Each
# transaction may run on another server connection, so no server-side cursors (a named
# cursor lives past its transaction) and no persistent connections of our own (the pooler
# keeps the server's; CONN_MAX_AGE=0 unless set). Nothing in the portal takes session-level
# advisory locks, LISTENs or SETs outside a transaction (see README, "PgBouncer").
DATABASE_POOLER = env("DATABASE_POOLER", "")
if DATABASE_POOLER not in {"", "pgbouncer"}:
    raise ImproperlyConfigured("DATABASE_POOLER must be empty or 'pgbouncer'.")
_CONN_MAX_AGE = env_int("CONN_MAX_AGE", 0 if DATABASE_POOLER else 60)
DATABASES = {
    "default": dj_database_url.parse(
        env("DATABASE_URL", f"sqlite:///{BASE_DIR / 'var' / 'portal.sqlite3'}"),
        conn_max_age=_CONN_MAX_AGE,
        conn_health_checks=True,
    )
}
# A read replica (a streaming standby) for reads where lag is harmless (portal/db_router.py).
if env("DATABASE_REPLICA_URL"):
    DATABASES["replica"] = dj_database_url.parse(
        env("DATABASE_REPLICA_URL"), conn_max_age=_CONN_MAX_AGE, conn_health_checks=True
    )
    # A stopped standby must not hold a page for long: give up connecting after 2 s.
    DATABASES["replica"].setdefault("OPTIONS", {})["connect_timeout"] = env_int(
        "REPLICA_CONNECT_TIMEOUT", 2
    )
    # Tests run against one database: the replica alias reads the test database.
    DATABASES["replica"]["TEST"] = {"MIRROR": "default"}
if DATABASE_POOLER == "pgbouncer":
    for _alias in DATABASES:
        DATABASES[_alias]["DISABLE_SERVER_SIDE_CURSORS"] = True
DATABASE_ROUTERS = ["portal.db_router.ReplicaRouter"]
# Reads go back to the primary when the replica is further behind than this, or stopped;
# each process checks again after REPLICA_CHECK_SECONDS.
REPLICA_MAX_LAG_SECONDS = float(env("REPLICA_MAX_LAG_SECONDS", "30"))
REPLICA_CHECK_SECONDS = float(env("REPLICA_CHECK_SECONDS", "5"))
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # The queue's covering indexes (INCLUDE columns) are PostgreSQL's; SQLite keeps the keys.
    SILENCED_SYSTEM_CHECKS = ["models.W040"]
    # The demo's SQLite: wait for a lock rather than fail, take write locks up front.
    DATABASES["default"]["OPTIONS"] = {
        "transaction_mode": "IMMEDIATE",
        "timeout": 20,
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
    }
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

REDIS_URL = env("REDIS_URL")
if not DEBUG and not REDIS_URL:
    # Rate limits and the TOTP replay guard must be shared by every process.
    raise ImproperlyConfigured("REDIS_URL must be set when DEBUG is off.")
if REDIS_URL:
    CACHES = {
        "default": {
            "BACKEND": "portal.cache.PortalRedisCache",
            "LOCATION": REDIS_URL,
            "KEY_PREFIX": env("CACHE_KEY_PREFIX", "portal"),
        }
    }
else:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}

AUTH_USER_MODEL = "accounts.User"
AUTHENTICATION_BACKENDS = [
    "django.contrib.auth.backends.ModelBackend",
    "allauth.account.auth_backends.AuthenticationBackend",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {
        "NAME": "django.contrib.auth.password_validation.MinimumLengthValidator",
        "OPTIONS": {"min_length": 10},
    },
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "account_login"
LOGIN_REDIRECT_URL = "accounts:dashboard"

# django-allauth: email is the login, verification is mandatory, nothing reveals whether
# an address is registered.
ACCOUNT_ADAPTER = "portal.accounts.adapter.AccountAdapter"
ACCOUNT_USER_MODEL_USERNAME_FIELD = None
ACCOUNT_LOGIN_METHODS = {"email"}
ACCOUNT_SIGNUP_FIELDS = ["email*", "password1*", "password2*"]
ACCOUNT_EMAIL_VERIFICATION = "mandatory"
ACCOUNT_UNIQUE_EMAIL = True
ACCOUNT_PREVENT_ENUMERATION = True
ACCOUNT_CONFIRM_EMAIL_ON_GET = False
# Opening the link in the browser that joined signs the new member in (allauth only does
# so while that browser's sign-up is still pending, LOGIN_TIMEOUT: 15 minutes).
ACCOUNT_LOGIN_ON_EMAIL_CONFIRMATION = True
ACCOUNT_LOGOUT_ON_PASSWORD_CHANGE = False
ACCOUNT_EMAIL_NOTIFICATIONS = True
ACCOUNT_REAUTHENTICATION_REQUIRED = True
ACCOUNT_CHANGE_EMAIL = True
ACCOUNT_EMAIL_SUBJECT_PREFIX = "[Member portal] "
ACCOUNT_DEFAULT_HTTP_PROTOCOL = "http" if DEBUG else "https"
# allauth's forms with the union's labels (portal/accounts/forms.py).
ACCOUNT_FORMS = {
    "change_password": "portal.accounts.forms.ChangePasswordForm",  # nosec B105 - a form's path, not a password
    "set_password": "portal.accounts.forms.SetPasswordForm",  # nosec B105 - a form's path, not a password
    "reset_password_from_key": "portal.accounts.forms.ResetPasswordKeyForm",  # nosec B105 - a form's path, not a password
}
# Failed logins, three limits (portal.accounts.adapter.AccountAdapter):
# - "login_failed" 10/m/ip: 10 a minute from one address whatever the account, so an
#   attacker hammering from one address slows down;
# - "login_failed" 5/300s/key: 5 in 5 minutes for one account *from one address* (the key is
#   email + address), so one address guessing at one account stops after five while the
#   owner, elsewhere, goes on. allauth's own key is the email alone, which lets anyone lock
#   anyone out with five wrong passwords;
# - "login_failed_account" 20/h/key (ours): 20 an hour at one account from all addresses
#   together, so many addresses (a botnet) guessing at one account are stopped too. Once it
#   is used up, only an address the owner has logged in from (the last
#   LOGIN_KNOWN_ADDRESSES_KEPT, for LOGIN_KNOWN_DAYS) or a browser they have logged in with
#   (a signed cookie, which works behind carrier NAT) may still try that account; everyone
#   else gets "Too many failed login attempts". A completed password reset starts it again.
ACCOUNT_RATE_LIMITS = {
    "login": "30/m/ip",
    "login_failed": "10/m/ip,5/300s/key",  # nosec B105 - a rate, not a password
    "login_failed_account": env("LOGIN_FAILED_ACCOUNT_RATE", "20/h/key"),
    "signup": "20/m/ip",
    "reset_password": "20/m/ip,5/m/key",  # nosec B105 - a rate, not a password
    "reset_password_from_key": "20/m/ip",  # nosec B105 - a rate, not a password
    "change_password": "5/m/user",  # nosec B105 - a rate, not a password
    "manage_email": "10/m/user",
    "reauthenticate": "10/m/user",
    "confirm_email": "1/180s/key",
}
LOGIN_KNOWN_ADDRESSES_KEPT = env_int("LOGIN_KNOWN_ADDRESSES_KEPT", 5)
LOGIN_KNOWN_DAYS = env_int("LOGIN_KNOWN_DAYS", 90)

# Behind a reverse proxy (deploy/nginx.conf, docker-compose.yml). TRUSTED_PROXY_COUNT is how
# many proxies of ours stand in front of gunicorn (0: none, the client's address is
# REMOTE_ADDR); TRUSTED_PROXY_IPS the networks they connect from. Only a request from one of
# those networks has its client address taken from X-Forwarded-For (the
# TRUSTED_PROXY_COUNT-th from the right) or from TRUSTED_CLIENT_IP_HEADER (e.g. X-Real-IP);
# from anywhere else forwarding headers are dropped (portal.middleware.TrustedProxyMiddleware).
TRUSTED_PROXY_COUNT = env_int("TRUSTED_PROXY_COUNT", 0)
TRUSTED_PROXY_IPS = env_list("TRUSTED_PROXY_IPS", "127.0.0.1/32,::1/128")
TRUSTED_CLIENT_IP_HEADER = env("TRUSTED_CLIENT_IP_HEADER", "")
if TRUSTED_PROXY_COUNT < 0:
    raise ImproperlyConfigured("TRUSTED_PROXY_COUNT must be 0 or more.")
for _cidr in TRUSTED_PROXY_IPS:
    try:
        ipaddress.ip_network(_cidr, strict=False)
    except ValueError as _error:
        raise ImproperlyConfigured(f"TRUSTED_PROXY_IPS: {_cidr!r} is not a network.") from _error
# allauth reads the address from REMOTE_ADDR, which the middleware has already set from the
# proxy's header: it must not read X-Forwarded-For itself (it cannot tell who sent it).
ALLAUTH_TRUSTED_PROXY_COUNT = 0
ALLAUTH_TRUSTED_CLIENT_IP_HEADER = None

MFA_SUPPORTED_TYPES = ["totp", "recovery_codes", "webauthn"]
# Security keys need a secure origin; plain http://127.0.0.1 is allowed only for the demo.
MFA_WEBAUTHN_ALLOW_INSECURE_ORIGIN = DEBUG
MFA_TOTP_ISSUER = "Member portal"
MFA_FORMS = {
    "authenticate": "portal.accounts.forms.AuthenticateForm",
    "reauthenticate": "portal.accounts.forms.ReauthenticateForm",
    "activate_totp": "portal.accounts.forms.ActivateTOTPForm",
    "add_webauthn": "portal.accounts.forms.AddWebAuthnForm",
    "edit_webauthn": "portal.accounts.forms.EditWebAuthnForm",
}
# Staff must have a second factor before any admin page opens (portal.middleware).
PORTAL_STAFF_MFA_REQUIRED = True
USERSESSIONS_TRACK_ACTIVITY = True

# Content Security Policy (django-csp): no inline script or style, nothing framed.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "script-src": ["'self'"],
        "style-src": ["'self'"],
        "img-src": ["'self'", "data:"],
        "font-src": ["'self'"],
        "connect-src": ["'self'"],
        "object-src": ["'none'"],
        "base-uri": ["'none'"],
        "form-action": ["'self'"],
        "frame-ancestors": ["'none'"],
    }
}

# Sessions: staff time out after 30 minutes idle, members after 2 hours; nobody stays
# logged in longer than 12 hours (portal.middleware.SessionPolicyMiddleware).
PORTAL_STAFF_IDLE_SECONDS = env_int("PORTAL_STAFF_IDLE_SECONDS", 30 * 60)
PORTAL_MEMBER_IDLE_SECONDS = env_int("PORTAL_MEMBER_IDLE_SECONDS", 2 * 60 * 60)
PORTAL_SESSION_MAX_SECONDS = env_int("PORTAL_SESSION_MAX_SECONDS", 12 * 60 * 60)
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
SESSION_COOKIE_AGE = env_int("SESSION_COOKIE_AGE", 60 * 60 * 12)
CSRF_COOKIE_HTTPONLY = True

SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
if not DEBUG:
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True
    SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", True)
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    SECURE_HSTS_SECONDS = env_int("SECURE_HSTS_SECONDS", 60 * 60 * 24 * 365)
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    SECURE_HSTS_PRELOAD = env_bool("SECURE_HSTS_PRELOAD", True)
    SESSION_COOKIE_NAME = "__Host-sessionid"
    CSRF_COOKIE_NAME = "__Host-csrftoken"

# English (British) and Welsh. English pages keep their URLs; Welsh ones are under /cy/
# (portal/urls.py). `<html lang>` is "en-GB" or "cy".
LANGUAGE_CODE = "en-gb"
LANGUAGES = [("en-gb", "English"), ("cy", "Cymraeg")]
# The portal's catalogue (`make messages` keeps it in step with the code), then the Welsh of
# allauth's own messages and forms, which allauth ships no Welsh for (kept apart so that
# makemessages, which sees only the portal's code, never marks them obsolete).
LOCALE_PATHS = [BASE_DIR / "locale", BASE_DIR / "locale" / "allauth"]
# The language cookie remembers a visitor's choice; a member's is kept on their account.
LANGUAGE_COOKIE_NAME = "portal_language"
LANGUAGE_COOKIE_AGE = 60 * 60 * 24 * 365
LANGUAGE_COOKIE_SECURE = not DEBUG
LANGUAGE_COOKIE_SAMESITE = "Lax"
# django-modeltranslation: `title` reads `title_cy` on a Welsh page, English when the Welsh
# is empty; English stays in the original column that search and indexes read.
MODELTRANSLATION_DEFAULT_LANGUAGE = "en-gb"
MODELTRANSLATION_LANGUAGES = ("en-gb", "cy")
MODELTRANSLATION_FALLBACK_LANGUAGES = ("en-gb",)
TIME_ZONE = "Europe/London"
USE_I18N = True
USE_TZ = True

STATIC_URL = "/static/"
STATIC_ROOT = BASE_DIR / "staticfiles"
STATICFILES_DIRS = [BASE_DIR / "static"]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": (
            "django.contrib.staticfiles.storage.StaticFilesStorage"
            if DEBUG
            else "whitenoise.storage.CompressedManifestStaticFilesStorage"
        )
    },
}
# Special category data is encrypted at rest with these keys (first encrypts, all decrypt).
# Generate one with `make encryption-key`.
FIELD_ENCRYPTION_KEYS = env_list("FIELD_ENCRYPTION_KEYS")
if not DEBUG and not FIELD_ENCRYPTION_KEYS:
    raise ImproperlyConfigured("FIELD_ENCRYPTION_KEYS must be set when DEBUG is off.")

# Files members upload are private: outside anything served, read only through views
# that check access.
PRIVATE_MEDIA_ROOT = Path(env("PRIVATE_MEDIA_ROOT", str(BASE_DIR / "var" / "private")))

# Email: console for the demo; SMTP (or any backend, e.g. django-anymail) by settings.
EMAIL_BACKEND = env(
    "EMAIL_BACKEND",
    "django.core.mail.backends.smtp.EmailBackend"
    if env("EMAIL_HOST")
    else "django.core.mail.backends.console.EmailBackend",
)
EMAIL_HOST = env("EMAIL_HOST", "localhost")
EMAIL_PORT = env_int("EMAIL_PORT", 25)
EMAIL_HOST_USER = env("EMAIL_HOST_USER", "")
EMAIL_HOST_PASSWORD = env("EMAIL_HOST_PASSWORD", "")
EMAIL_USE_TLS = env_bool("EMAIL_USE_TLS", False)
EMAIL_TIMEOUT = env_int("EMAIL_TIMEOUT", 30)
DEFAULT_FROM_EMAIL = env("DEFAULT_FROM_EMAIL", "Member portal <no-reply@portal.example>")
SERVER_EMAIL = env("SERVER_EMAIL", DEFAULT_FROM_EMAIL)

# Celery: Redis as broker when REDIS_URL is set; otherwise tasks run in-process.
CELERY_BROKER_URL = env("CELERY_BROKER_URL", REDIS_URL)
CELERY_RESULT_BACKEND = None
CELERY_TASK_ALWAYS_EAGER = not CELERY_BROKER_URL
if CELERY_TASK_ALWAYS_EAGER:
    # In-process runs still build a producer (Celery checks the exchange type): the in-memory
    # transport rather than the default amqp://, which warns "No hostname was supplied".
    CELERY_BROKER_URL = "memory://localhost/"
CELERY_TASK_EAGER_PROPAGATES = True
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TASK_SERIALIZER = "json"
CELERY_ACCEPT_CONTENT = ["json"]
CELERY_TIMEZONE = TIME_ZONE
CELERY_BROKER_TRANSPORT_OPTIONS = {"visibility_timeout": env_int("CELERY_VISIBILITY", 3600)}
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
# Publishing gives up quickly when the broker is down: the sweeps re-enqueue from the rows.
CELERY_BROKER_CONNECTION_TIMEOUT = 2
CELERY_TASK_PUBLISH_RETRY_POLICY = {"max_retries": 1, "interval_start": 0, "interval_step": 0.5}
CELERY_BEAT_SCHEDULE: dict = {
    "casework-flags": {"task": "casework.tasks.refresh_case_flags", "schedule": 60 * 60},
    "casework-retention": {"task": "casework.tasks.apply_case_retention", "schedule": 24 * 3600},
    # Tribunal limits and follow-ups: hourly, each reminder recorded so it goes once.
    "casework-deadline-reminders": {
        "task": "casework.tasks.send_deadline_reminders",
        "schedule": 60 * 60,
    },
    "casework-complaints-overdue": {
        "task": "casework.tasks.flag_overdue_complaints",
        "schedule": 60 * 60,
    },
    "standards-publish-scheduled": {
        "task": "standards.tasks.publish_scheduled_editions",
        "schedule": 60.0,
    },
    "standards-render-missing-pdfs": {
        "task": "standards.tasks.render_missing_pdfs",
        "schedule": 600.0,
    },
    "communications-start-scheduled": {
        "task": "portal.communications.tasks.communications_start_due",
        "schedule": 60.0,
    },
    "communications-sweep": {
        "task": "portal.communications.tasks.deliveries_sweep",
        "schedule": 120.0,
    },
    "consultations-notifications": {
        "task": "consultations.tasks.send_due_notifications",
        "schedule": 15 * 60,
    },
    # Ballots: open those approved and due (audience frozen); queue lost notices again.
    "ballots-run-due": {"task": "ballots.tasks.run_due", "schedule": 60.0},
    "membership-run-due": {"task": "membership.tasks.run_due", "schedule": 60 * 60},
    # Events: lapsed waiting-list offers pass on, reminders, needs deleted after the event.
    "events-run-due": {"task": "events.tasks.run_due", "schedule": 15 * 60},
    "subscriptions-daily": {"task": "subscriptions.tasks.run_daily", "schedule": 60 * 60},
    # A Direct Debit's confirmation email whose task was never queued (broker down).
    "subscriptions-confirmations-sweep": {
        "task": "subscriptions.mandate_confirmations_sweep",
        "schedule": 10 * 60,
    },
    # GoCardless: queue again the API calls a lost or failed task left unfinished.
    "subscriptions-gocardless-sweep": {
        "task": "subscriptions.gocardless_tasks.gocardless_sweep",
        "schedule": 10 * 60,
    },
    # The Bacs bureau's daily files (AUDDIS, then collections); the job skips days that are
    # not Bacs processing days.
    "subscriptions-bureau-files": {
        "task": "subscriptions.bureau_tasks.write_bureau_files",
        "schedule": crontab(hour=16, minute=0, day_of_week="mon-fri"),
    },
    "standards-review-reminders": {
        "task": "standards.tasks.send_review_reminders",
        "schedule": crontab(hour=7, minute=0),
    },
    "accounts-data-exports-sweep": {
        "task": "portal.accounts.tasks.data_exports_sweep",
        "schedule": 300.0,
    },
    # Reps: reminders 30 and 7 days before accreditation ends, then the role expires.
    "reps-accreditation": {
        "task": "reps.tasks.rep_accreditation_daily",
        "schedule": crontab(hour=6, minute=30),
    },
}

# The member's data download (/me/data/): made while they wait up to this many files and
# bytes, by a Celery task above; the link works once, for DATA_EXPORT_LINK_SECONDS.
DATA_EXPORT_INLINE_MAX_FILES = env_int("DATA_EXPORT_INLINE_MAX_FILES", 10)
DATA_EXPORT_INLINE_MAX_BYTES = env_int("DATA_EXPORT_INLINE_MAX_BYTES", 5 * 1024 * 1024)
DATA_EXPORT_LINK_SECONDS = env_int("DATA_EXPORT_LINK_SECONDS", 3600)

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "root": {"handlers": ["console"], "level": env("LOG_LEVEL", "INFO")},
    "loggers": {
        "django.db.backends": {"level": "WARNING"},
        "weasyprint": {"level": "WARNING"},
        "fontTools": {"level": "WARNING"},
    },
}
if CELERY_TASK_ALWAYS_EAGER:
    # Tasks run inside the request (the demo): one "Task ... succeeded" line each is noise.
    LOGGING["loggers"]["celery.app.trace"] = {"level": "WARNING"}

# The join and profile forms' employer search (public): requests per minute per address.
EMPLOYER_SEARCH_PER_MINUTE = env_int("EMPLOYER_SEARCH_PER_MINUTE", 60)

# Membership rules that the union sets, not the code.
PORTAL_UNION_NAME = env("PORTAL_UNION_NAME", "Education Union")
# The union's postal address on its letterhead (casework letters): lines separated by "|".
PORTAL_UNION_ADDRESS = env("PORTAL_UNION_ADDRESS", "1 Example Street|London|WC1A 1AA").replace(
    "|", "\n"
)

# Member communications (portal/communications/conf.py)
COMMUNICATIONS_BATCH_SIZE = env_int("COMMUNICATIONS_BATCH_SIZE", 200)
COMMUNICATIONS_RATE_LIMIT = env_int("COMMUNICATIONS_RATE_LIMIT", 0)  # messages/second; 0 = none
COMMUNICATIONS_MAX_ATTEMPTS = env_int("COMMUNICATIONS_MAX_ATTEMPTS", 5)
COMMUNICATIONS_RETRY_BACKOFF = env_int("COMMUNICATIONS_RETRY_BACKOFF", 60)
COMMUNICATIONS_STALE_AFTER = env_int("COMMUNICATIONS_STALE_AFTER", 300)
COMMUNICATIONS_HARD_BOUNCE_LIMIT = env_int("COMMUNICATIONS_HARD_BOUNCE_LIMIT", 3)
COMMUNICATIONS_WEBHOOK_SECRET = env("COMMUNICATIONS_WEBHOOK_SECRET", "")

# PDFs are rendered by long-lived worker processes with these limits (portal.pdf): at most
# PDF_WORKERS per web or Celery process, each limited to PDF_MAX_MEMORY_MB of address space,
# each render to PDF_TIMEOUT_SECONDS (then the worker is killed and replaced).
PDF_TIMEOUT_SECONDS = env_int("PDF_TIMEOUT_SECONDS", 60)
PDF_MAX_MEMORY_MB = env_int("PDF_MAX_MEMORY_MB", 1536)
PDF_WORKERS = env_int("PDF_WORKERS", 1)
# Start one worker as each web process starts (portal/wsgi.py), so that the first PDF after
# a restart does not wait a second or two for WeasyPrint to load. Off by default: PDFs are
# rendered by the Celery worker on publication, the web processes only render one that is
# missing, and each prestarted worker takes CPU at boot and ~130 MB for as long as it lives.
PDF_PRESTART = env_bool("PDF_PRESTART", False)

# Casework rules.
# Membership and subscriptions (membership/): the rule book's periods.
# Members are told of a new rate at least this many working days before it applies (the
# Direct Debit scheme's advance notice is 10), and the notice goes this many days ahead.
MEMBERSHIP_RATE_NOTICE_WORKING_DAYS = env_int("MEMBERSHIP_RATE_NOTICE_WORKING_DAYS", 10)
MEMBERSHIP_RATE_NOTICE_LEAD_DAYS = env_int("MEMBERSHIP_RATE_NOTICE_LEAD_DAYS", 30)
# How far in the past a member may date a life event.
MEMBERSHIP_BACKDATE_DAYS = env_int("MEMBERSHIP_BACKDATE_DAYS", 31)
# The rule book's notice of resignation, in days (0: resigned at once).
MEMBERSHIP_RESIGNATION_NOTICE_DAYS = env_int("MEMBERSHIP_RESIGNATION_NOTICE_DAYS", 30)

# Subscriptions collected (subscriptions/): who collects, and the rule book's arrears rules.
# "bureau": Direct Debits collected through a Bacs bureau's files (AUDDIS and Standard 18
# written by the portal, ARUDD/ADDACS/AUDDIS reports uploaded back); "gocardless": through
# GoCardless's API and signed webhooks.
SUBSCRIPTIONS_PROVIDER = env("SUBSCRIPTIONS_PROVIDER", "bureau")
# The union's Bacs service user: its number (SUN), the name on members' statements, and the
# account the collections are paid into (the contra record).
BACS_SERVICE_USER_NUMBER = env("BACS_SERVICE_USER_NUMBER", "999123")
BACS_SERVICE_USER_NAME = env("BACS_SERVICE_USER_NAME", "EDUCATION UNION")
BACS_UNION_SORT_CODE = env("BACS_UNION_SORT_CODE", "200000")
BACS_UNION_ACCOUNT_NUMBER = env("BACS_UNION_ACCOUNT_NUMBER", "58951365")
BACS_UNION_ACCOUNT_NAME = env("BACS_UNION_ACCOUNT_NAME", "EDUCATION UNION SUBS")
# The Direct Debit scheme's advance notice of a first collection or a change of amount, in
# calendar days (the Guarantee promises 10 working days; the portal gives at least this).
DIRECT_DEBIT_NOTICE_DAYS = env_int("DIRECT_DEBIT_NOTICE_DAYS", 14)
# Monthly subscriptions are collected on this day of the month (the next processing day
# when it falls on a weekend or bank holiday).
DIRECT_DEBIT_COLLECTION_DAY = env_int("DIRECT_DEBIT_COLLECTION_DAY", 1)
# Months of unpaid subscriptions after which the rule book lapses the membership.
SUBSCRIPTIONS_LAPSE_AFTER_UNPAID_MONTHS = env_int("SUBSCRIPTIONS_LAPSE_AFTER_UNPAID_MONTHS", 3)
# GoCardless, when SUBSCRIPTIONS_PROVIDER is "gocardless".
GOCARDLESS_ACCESS_TOKEN = env("GOCARDLESS_ACCESS_TOKEN", "")
GOCARDLESS_ENVIRONMENT = env("GOCARDLESS_ENVIRONMENT", "sandbox")
GOCARDLESS_WEBHOOK_SECRET = env("GOCARDLESS_WEBHOOK_SECRET", "")
GOCARDLESS_BASE_URL = env("GOCARDLESS_BASE_URL", "")  # tests point this at a local server
# The card provider for arrears and one-off payments: "demo" records intents without
# charging anything (and says so on screen).
CARD_PROVIDER = env("CARD_PROVIDER", "demo")

CASEWORK_URGENT_WORKING_DAYS = env_int("CASEWORK_URGENT_WORKING_DAYS", 5)
CASEWORK_OVERDUE_WORKING_DAYS = {"urgent": 1, "high": 2, "normal": 5}
CASEWORK_MANAGER_REMINDER_WORKING_DAYS = env_int("CASEWORK_MANAGER_REMINDER_WORKING_DAYS", 3)
CASEWORK_QUALIFYING_DAYS = env_int("CASEWORK_QUALIFYING_DAYS", 28)
CASEWORK_RETENTION_YEARS = env_int("CASEWORK_RETENTION_YEARS", 6)
# Complaints about case handling: acknowledged and answered within these working days.
CASEWORK_COMPLAINT_ACKNOWLEDGE_WORKING_DAYS = env_int(
    "CASEWORK_COMPLAINT_ACKNOWLEDGE_WORKING_DAYS", 2
)
CASEWORK_COMPLAINT_RESPONSE_WORKING_DAYS = env_int("CASEWORK_COMPLAINT_RESPONSE_WORKING_DAYS", 10)
CASEWORK_MAX_FILE_MB = env_int("CASEWORK_MAX_FILE_MB", 10)
CASEWORK_MAX_FILES_PER_UPLOAD = env_int("CASEWORK_MAX_FILES_PER_UPLOAD", 5)
CASEWORK_MAX_FILES_PER_CASE = env_int("CASEWORK_MAX_FILES_PER_CASE", 30)
DATA_UPLOAD_MAX_NUMBER_FILES = 10
# Virus scanning of uploads through clamd (casework.scanning); unset means not scanned.
CLAMD_SOCKET = env("CLAMD_SOCKET", "")
CLAMD_HOST = env("CLAMD_HOST", "")
CLAMD_PORT = env_int("CLAMD_PORT", 3310)
FILE_UPLOAD_MAX_MEMORY_SIZE = 2_621_440

# --- Operations: metrics, error reports, JSON logs, service status (portal/observability.py,
# portal/metrics.py, portal/service_status.py; README "Running production") -----------------
# /metrics answers a bearer token or these addresses; everyone else gets a 404.
METRICS_TOKEN = env("METRICS_TOKEN", "")
METRICS_ALLOWED_IPS = env_list("METRICS_ALLOWED_IPS", "127.0.0.1/32,::1/128")
for _cidr in METRICS_ALLOWED_IPS:
    try:
        ipaddress.ip_network(_cidr, strict=False)
    except ValueError as _error:
        raise ImproperlyConfigured(f"METRICS_ALLOWED_IPS: {_cidr!r} is not a network.") from _error
# The request id and the metrics come first, so that they see every request.
MIDDLEWARE = [
    "portal.observability.RequestIdMiddleware",
    "portal.metrics.MetricsMiddleware",
    *MIDDLEWARE,
]
# One JSON object per log line in production (DEBUG off, the tests included); the demo
# (`make run`, DEBUG on) keeps plain lines. LOG_FORMAT=json|plain chooses either way.
LOG_FORMAT = env("LOG_FORMAT", "plain" if DEBUG else "json")
if LOG_FORMAT not in {"json", "plain"}:
    raise ImproperlyConfigured("LOG_FORMAT must be json or plain.")
LOGGING["formatters"]["json"] = {"()": "portal.observability.JsonFormatter"}
LOGGING["handlers"]["console"]["formatter"] = LOG_FORMAT
# The Celery worker's heartbeat (seconds) and how late a scheduled job may be before the
# Service status page and the metrics call it late.
WORKER_HEARTBEAT_SECONDS = env_int("WORKER_HEARTBEAT_SECONDS", 15)
SCHEDULE_GRACE_SECONDS = env_int("SCHEDULE_GRACE_SECONDS", 600)
# Error reports: only when SENTRY_DSN is set, with everything personal removed.
SENTRY_DSN = env("SENTRY_DSN", "")
if SENTRY_DSN:
    from portal.observability import sentry_init

    sentry_init(
        SENTRY_DSN,
        environment=env("SENTRY_ENVIRONMENT", "production"),
        release=env("SENTRY_RELEASE"),
        traces_sample_rate=float(env("SENTRY_TRACES_SAMPLE_RATE", "0") or 0),
    )
