"""Ignite settings: one module, every deployment knob an environment variable.

Safe by default: DEBUG is off unless asked for, and outside DEBUG a missing secret is a
start-up error rather than a silent fallback. See README.md, "Operating".
"""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import environ
from django.core.exceptions import ImproperlyConfigured

BASE_DIR = Path(__file__).resolve().parent.parent

env = environ.Env()


def env_secret(name: str, default: str | None = None) -> str | None:
    """A secret from NAME, or from the file named by NAME_FILE (Docker/Kubernetes secrets)."""
    file_path = env.str(f"{name}_FILE", default="")
    if file_path:
        try:
            return Path(file_path).read_text().strip()
        except OSError as exc:
            raise ImproperlyConfigured(f"{name}_FILE={file_path} cannot be read: {exc}") from exc
    return env.str(name, default=default)


# The development instance's settings, written by `make run` (.env at the project root), so
# that every `python manage.py ...` of the README finds them. Never read by a production
# process: not when the environment turns DEBUG off, and not when it holds a production
# secret (SECRET_KEY, IGNITE_KEY_ENCRYPTION_SECRET or their _FILE forms); and the file
# itself must turn DEBUG on. IGNITE_DEV_ENV_FILE names another file ("" reads none).
_PRODUCTION_MARKERS = (
    "SECRET_KEY",
    "SECRET_KEY_FILE",
    "IGNITE_KEY_ENCRYPTION_SECRET",
    "IGNITE_KEY_ENCRYPTION_SECRET_FILE",
)
DEV_ENV_FILE = env.str("IGNITE_DEV_ENV_FILE", default=str(BASE_DIR / ".env"))


def _dev_env_read(path: str) -> None:
    if not path or not Path(path).is_file():
        return
    if env.str("DEBUG", default="").strip().lower() in {"0", "false", "off", "no", "n", "f"}:
        return
    if any(env.str(name, default="") for name in _PRODUCTION_MARKERS):
        return
    said: dict[str, str] = {}
    for line in Path(path).read_text().splitlines():
        key, sep, value = line.strip().removeprefix("export ").partition("=")
        if sep and not key.startswith("#"):
            said[key.strip()] = value.strip().strip("'\"")
    if said.get("DEBUG", "").lower() not in {"1", "true", "on", "yes", "y", "t"}:
        raise ImproperlyConfigured(
            f"{path} is a development settings file and must set DEBUG=1; production settings "
            "belong in the service's environment (deploy/ignite.env.example)."
        )
    environ.Env.read_env(path, overwrite=False)  # fills only what the environment lacks


_dev_env_read(DEV_ENV_FILE)

try:
    DEBUG = env.bool("DEBUG", default=False)
except ValueError as exc:  # environ raises on values such as DEBUG=maybe
    raise ImproperlyConfigured(f"DEBUG must be a boolean: {exc}") from exc

SECRET_KEY = env_secret("SECRET_KEY")
if not SECRET_KEY:
    if not DEBUG:
        raise ImproperlyConfigured(
            "SECRET_KEY is not set. Set SECRET_KEY (or SECRET_KEY_FILE) in the environment; "
            "only DEBUG=1 development runs may go without one."
        )
    SECRET_KEY = "dev-only-insecure-secret-key-do-not-use-in-production"  # noqa: S105

# The key-encryption secret protects the tool's private signing keys at rest. It is kept apart
# from SECRET_KEY so that rotating one does not make the other's data unreadable.
IGNITE_KEY_ENCRYPTION_SECRET = env_secret("IGNITE_KEY_ENCRYPTION_SECRET")
if not IGNITE_KEY_ENCRYPTION_SECRET:
    if not DEBUG:
        raise ImproperlyConfigured(
            "IGNITE_KEY_ENCRYPTION_SECRET is not set. It encrypts the tool's private signing keys; "
            "set it (or IGNITE_KEY_ENCRYPTION_SECRET_FILE) to a long random value and keep it safe."
        )
    IGNITE_KEY_ENCRYPTION_SECRET = "dev-only-key-encryption-secret"  # noqa: S105

ALLOWED_HOSTS = env.list(
    "ALLOWED_HOSTS", default=["127.0.0.1", "localhost", "[::1]", "testserver"] if DEBUG else []
)
CSRF_TRUSTED_ORIGINS = env.list("CSRF_TRUSTED_ORIGINS", default=[])

INSTALLED_APPS = [
    "operations",
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "corsheaders",
    "django_tasks",
    "django_tasks_db",
    "keys",
    "courses",
    "pagesession",
    "notifications",
    "mastery",
    "credentials",
    "dashboards",
    "reporting",
    "lti_tool",
    "facilitation",
    "exchange",
    "cohortsessions",
    "coaching",
    "privacy",
    "axes",
]

# The development platform: a working LMS in the same process, for `make run` and the tests.
IGNITE_DEV_PLATFORM = env.bool("IGNITE_DEV_PLATFORM", default=False)
if IGNITE_DEV_PLATFORM:
    if not DEBUG:
        raise ImproperlyConfigured(
            "IGNITE_DEV_PLATFORM=1 is refused when DEBUG is off: the development platform "
            "launches anyone as anyone and must never run in production."
        )
    INSTALLED_APPS.append("devplatform")

MIDDLEWARE = [
    # First: /healthz, /readyz and /metrics are answered before host checks, https redirects,
    # sessions or the database; every other request is counted for /metrics.
    "operations.middleware.OpsMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "corsheaders.middleware.CorsMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "lti_tool.middleware.RejectNulMiddleware",
    "lti_tool.middleware.DatabaseUnavailableMiddleware",
    "pagesession.middleware.LaunchMiddleware",
    "pagesession.middleware.LaunchCsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    # Django's, with its storage made on first use (config/messages.py).
    "config.messages.LazyMessageMiddleware",
    "lti_tool.middleware.SecurityHeadersMiddleware",
    # Last, as django-axes asks: turns a locked-out admin login into its 429 page.
    "axes.middleware.AxesMiddleware",
]

# Admin logins are throttled (django-axes): after IGNITE_ADMIN_LOGIN_FAILURES wrong passwords
# for one user name, or from one address, further attempts are refused for
# IGNITE_ADMIN_LOCKOUT_MINUTES, even with the right password. Only the admin has a login.
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]
AXES_FAILURE_LIMIT = env.int("IGNITE_ADMIN_LOGIN_FAILURES", default=5)
AXES_COOLOFF_TIME = timedelta(minutes=env.int("IGNITE_ADMIN_LOCKOUT_MINUTES", default=15))
AXES_LOCKOUT_PARAMETERS = ["username", "ip_address"]
AXES_RESET_ON_SUCCESS = True
AXES_VERBOSE = False
# The client address: REMOTE_ADDR, or behind the TLS proxy (SECURE_PROXY_SSL_HEADER set) the
# address that proxy appended to X-Forwarded-For, never one a client could write itself.
AXES_IPWARE_META_PRECEDENCE_ORDER = ["REMOTE_ADDR"]

# Ignite replaces Django's X-Frame-Options and CSRF middleware with its own (CSP frame-ancestors
# for pages framed by the LMS; CSRF that also accepts a launch token): lti_tool/checks.py makes
# their absence an error (ignite.E001, E002) in place of these two warnings.
SILENCED_SYSTEM_CHECKS = ["security.W002", "security.W003"]

ROOT_URLCONF = "config.urls"
WSGI_APPLICATION = "config.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "pagesession.context_processors.launch",
            ],
        },
    },
]

DATABASES = {
    "default": env.db_url("DATABASE_URL", default=f"sqlite:///{BASE_DIR / 'db.sqlite3'}"),
}
DATABASES["default"]["CONN_MAX_AGE"] = env.int("DB_CONN_MAX_AGE", default=60)
DATABASES["default"]["CONN_HEALTH_CHECKS"] = True
if DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql":
    # Django's backend whose health check skips the round trip when the connection is quiet
    # (config/postgresql/base.py).
    DATABASES["default"]["ENGINE"] = "config.postgresql"
    # Server-side parameter binding, and psycopg preparing a statement on the server after its
    # fifth run on a connection: PostgreSQL parses and plans the same launch and page
    # statements once per connection instead of on every run (bench/launch.py: a returning
    # launch's reads 0.6 -> 0.07 ms of the server's CPU). Django's defaults (client-side
    # binding, nothing prepared) with IGNITE_PG_PREPARED=0, e.g. behind a PgBouncer in
    # transaction mode without max_prepared_statements (1.21+).
    if env.bool("IGNITE_PG_PREPARED", default=True):
        DATABASES["default"].setdefault("OPTIONS", {}).update(
            {"server_side_binding": True, "prepare_threshold": 5}
        )
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    DATABASES["default"].setdefault("OPTIONS", {}).update(
        {
            # WAL and a busy timeout let the web process and the task worker share the file.
            "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
            "transaction_mode": "IMMEDIATE",
            "timeout": 20,
        }
    )
    # Tests use a file too: an in-memory shared-cache database answers concurrent writers
    # with "table is locked" instead of waiting, unlike the WAL file used in production.
    DATABASES["default"]["TEST"] = {"NAME": str(BASE_DIR / ".test-db.sqlite3")}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

REDIS_URL = env.str("REDIS_URL", default="")
if REDIS_URL:
    CACHES = {
        "default": {
            # Django's RedisCache, keeping its redis-py client (config/redis_cache.py).
            "BACKEND": "config.redis_cache.KeptClientRedisCache",
            "LOCATION": REDIS_URL,
            "KEY_PREFIX": env.str("CACHE_KEY_PREFIX", default="ignite"),
        }
    }
else:
    # The database cache is shared by every worker process, which single-use nonces and
    # login state need; a per-process memory cache would let a replay through another worker.
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.db.DatabaseCache",
            "LOCATION": "ignite_cache",
            "KEY_PREFIX": env.str("CACHE_KEY_PREFIX", default="ignite"),
            "OPTIONS": {"MAX_ENTRIES": 100_000},
        }
    }

TASKS = {
    "default": {
        "BACKEND": "django_tasks_db.DatabaseBackend",
        # "reporting": the program view's refresh, run by the grade worker in its own thread
        # so that it never holds back score deliveries (reporting/tasks.py).
        "QUEUES": ["default", "reporting"],
    }
}

# The task that delivers the grade outbox (mastery never imports the LMS side directly).
IGNITE_GRADE_DELIVERY_TASK = "lti_tool.tasks.deliver_grades"

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

LANGUAGE_CODE = "en-us"
# The zone times are shown in where no platform names one (a registration's own `time_zone`
# wins on its launches' pages); stored times are always UTC.
TIME_ZONE = env.str("TIME_ZONE", default="") or "UTC"
# Neither the platform nor the operator chose a zone: pages show times in the reader's own
# (browser) zone, server-rendered in UTC until the page's script rewrites them (times.js).
IGNITE_TIME_ZONE_CHOSEN = bool(env.str("TIME_ZONE", default=""))
try:
    ZoneInfo(TIME_ZONE)
except (ZoneInfoNotFoundError, ValueError) as exc:
    raise ImproperlyConfigured(
        f"TIME_ZONE={TIME_ZONE!r} is not an IANA time zone (e.g. America/Chicago)"
    ) from exc
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = BASE_DIR / "staticfiles"
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": (
            "django.contrib.staticfiles.storage.StaticFilesStorage"
            if DEBUG
            # WhiteNoise's compressed manifest storage; URLs kept per process.
            else "config.static_storage.KeptUrlStaticFilesStorage"
        )
    },
}
MEDIA_ROOT = env.path("MEDIA_ROOT", default=BASE_DIR / "media")

# --- Cookies and transport -------------------------------------------------------------
# Pages live in an LMS iframe: any cookie we set must be SameSite=None; Secure to be sent at
# all. Nothing after the launch depends on a cookie (see pagesession/launch_token.py).
# The login-state cookie (lti_tool/views.py) is the one cookie a framed page needs; it sets
# SameSite=None itself. Django's session and CSRF cookies serve only the admin, which is never
# framed: SameSite=Lax keeps them off every cross-site request.
SESSION_COOKIE_SAMESITE = "Lax"
SESSION_COOKIE_SECURE = True
SESSION_COOKIE_HTTPONLY = True
CSRF_COOKIE_SAMESITE = "Lax"
CSRF_COOKIE_SECURE = True
CSRF_FAILURE_VIEW = "lti_tool.views.csrf_failure"

# Behind a TLS-terminating proxy set SECURE_PROXY_SSL_HEADER=HTTP_X_FORWARDED_PROTO,https.
_proxy_header = env.list("SECURE_PROXY_SSL_HEADER", default=[])
if _proxy_header:
    if len(_proxy_header) != 2:
        raise ImproperlyConfigured("SECURE_PROXY_SSL_HEADER must be 'HEADER,value'")
    SECURE_PROXY_SSL_HEADER = tuple(_proxy_header)
    AXES_IPWARE_META_PRECEDENCE_ORDER = ["HTTP_X_FORWARDED_FOR", "REMOTE_ADDR"]
    AXES_IPWARE_PROXY_ORDER = "right-most"
    AXES_IPWARE_PROXY_COUNT = env.int("IGNITE_PROXY_COUNT", default=1)
SECURE_SSL_REDIRECT = env.bool("SECURE_SSL_REDIRECT", default=False)
SECURE_HSTS_SECONDS = env.int("SECURE_HSTS_SECONDS", default=0)
SECURE_HSTS_INCLUDE_SUBDOMAINS = env.bool("SECURE_HSTS_INCLUDE_SUBDOMAINS", default=False)
SECURE_HSTS_PRELOAD = env.bool("SECURE_HSTS_PRELOAD", default=False)
SECURE_CONTENT_TYPE_NOSNIFF = True
# The launch token travels in URLs; never let it leave the tool's origin in a Referer.
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin-allow-popups"

# X-Frame-Options is replaced by CSP frame-ancestors, built from the registered platforms
# (pagesession/middleware.py). Admin pages are never framed.
X_FRAME_OPTIONS = "DENY"

CORS_ALLOW_ALL_ORIGINS = False
# Public documents other sites' scripts read: keys, LMS config, and credentials for verifiers.
CORS_URLS_REGEX = (
    r"^/(\.well-known/jwks\.json|lti/jwks/|lti/canvas\.json"
    r"|credentials/(issuer\.json|keys/[^/]+\.json|status/\d+|[0-9a-f-]{36}\.(json|jwt|svg)))$"
)
CORS_ALLOWED_ORIGIN_REGEXES = [r"^https?://.*$"]
CORS_ALLOW_METHODS = ["GET", "OPTIONS"]
CORS_ALLOW_CREDENTIALS = False

# --- LTI ------------------------------------------------------------------------------
# Seconds a launch token stays valid; pages carry it instead of a cookie.
IGNITE_LAUNCH_TOKEN_TTL = env.int("IGNITE_LAUNCH_TOKEN_TTL", default=8 * 3600)
# Allowed clock difference between the platform and us when checking iat/exp.
IGNITE_CLOCK_SKEW = env.int("IGNITE_CLOCK_SKEW", default=60)
# Tokens older than this (iat) or living longer than this (exp - iat) are refused as absurd.
IGNITE_MAX_TOKEN_AGE = env.int("IGNITE_MAX_TOKEN_AGE", default=3600)
# Seconds a login state waits for its launch.
IGNITE_LOGIN_STATE_TTL = env.int("IGNITE_LOGIN_STATE_TTL", default=600)
# Platform key sets: how long to keep them, and how often an unknown kid may force a re-fetch.
IGNITE_JWKS_CACHE_TTL = env.int("IGNITE_JWKS_CACHE_TTL", default=3600)
IGNITE_JWKS_REFETCH_INTERVAL = env.int("IGNITE_JWKS_REFETCH_INTERVAL", default=60)
# Timeout (seconds) on every outgoing HTTP call to a platform.
IGNITE_HTTP_TIMEOUT = env.float("IGNITE_HTTP_TIMEOUT", default=10.0)
# Hours a rotated-out key stays published in the JWKS.
IGNITE_KEY_GRACE_HOURS = env.int("IGNITE_KEY_GRACE_HOURS", default=72)
# Platform URLs must be https; plain http is allowed in development (DEBUG) and, outside it,
# only when an admin says so for an LMS that has no https (IGNITE_ALLOW_HTTP_PLATFORMS=1).
IGNITE_ALLOW_HTTP_PLATFORMS = env.bool("IGNITE_ALLOW_HTTP_PLATFORMS", default=DEBUG)
# Outgoing calls to platform-supplied URLs (lti_tool/outbound.py) refuse loopback, private,
# link-local and other non-public addresses, except: in development (DEBUG at start-up, where
# the LMS, the tests and Ignite share one machine), and for these hosts (comma-separated), for
# a district that runs its LMS on its own network.
IGNITE_OUTBOUND_LOCAL_OK = DEBUG
IGNITE_PRIVATE_PLATFORM_HOSTS = env.list("IGNITE_PRIVATE_PLATFORM_HOSTS", default=[])
# The largest answer Ignite reads from a platform (bytes).
IGNITE_HTTP_MAX_BYTES = env.int("IGNITE_HTTP_MAX_BYTES", default=5 * 1024 * 1024)
# Public base URL when behind a proxy that rewrites Host (e.g. https://ignite.example.org).
IGNITE_BASE_URL = env.str("IGNITE_BASE_URL", default="")
IGNITE_CONTENT_DIR = env.path("IGNITE_CONTENT_DIR", default=BASE_DIR / "content")
IGNITE_REGISTRY_CACHE_TTL = env.int("IGNITE_REGISTRY_CACHE_TTL", default=30)
IGNITE_ROSTER_TTL = env.int("IGNITE_ROSTER_TTL", default=300)  # seconds a synced roster is kept
# Issuers that may use LTI Dynamic Registration without a one-time link (comma-separated).
IGNITE_REGISTRATION_ALLOWED_ISSUERS = env.list("IGNITE_REGISTRATION_ALLOWED_ISSUERS", default=[])
IGNITE_DEV_TOOL_ORIGIN = env.str("IGNITE_DEV_TOOL_ORIGIN", default="")
# How long a worker may hold a score it is sending before another worker may take it over.
IGNITE_GRADE_LEASE_SECONDS = env.int("IGNITE_GRADE_LEASE_SECONDS", default=120)
# Scores a grade worker sends one platform at once (halved on each HTTP 429, regained slowly).
IGNITE_GRADE_CONCURRENCY = env.int("IGNITE_GRADE_CONCURRENCY", default=8)
# Days after a cohort's end (its last activity or last placement due date, whichever is later)
# when `manage.py privacy retention` deletes evidence files and free text. 0 or unset: off.
IGNITE_RETENTION_DAYS = env.int("IGNITE_RETENTION_DAYS", default=0)
if IGNITE_RETENTION_DAYS < 0:
    raise ImproperlyConfigured("IGNITE_RETENTION_DAYS must be a number of days (0 turns it off).")
# Who teachers write to about their data (an email address or a web page), shown on the page that
# answers an LTI Data Privacy Launch; empty: "ask your district's LMS or Ignite administrator".
IGNITE_PRIVACY_CONTACT = env.str("IGNITE_PRIVACY_CONTACT", default="")
IGNITE_EVIDENCE_MAX_BYTES = env.int("IGNITE_EVIDENCE_MAX_BYTES", default=10 * 1024 * 1024)
# Evidence files go through Django's storage API: FileSystemStorage under MEDIA_ROOT by default,
# or e.g. storages.backends.s3.S3Storage (pip install ".[s3]") for any S3-compatible store.
STORAGES["default"]["BACKEND"] = env.str(
    "IGNITE_FILE_STORAGE", default="django.core.files.storage.FileSystemStorage"
)
# The issuer named in micro-credentials (Open Badges 3.0 Profile): the district or program.
IGNITE_ISSUER_NAME = env.str("IGNITE_ISSUER_NAME", default="Ignite")
IGNITE_ISSUER_EMAIL = env.str("IGNITE_ISSUER_EMAIL", default="")
# Notifications by email (notifications/), sent by the grade worker through Django's email API.
# EMAIL_URL names any SMTP server: smtp+tls://user:password@mail.example.org:587 (or
# smtp+ssl://...:465). Unset: in development the worker prints emails; in production Ignite
# queues notifications and sends none (`check --deploy` warns) until it is set.
IGNITE_EMAIL_ENABLED = DEBUG or bool(env.str("EMAIL_URL", default=""))
vars().update(env.email_url("EMAIL_URL", default="consolemail://"))
DEFAULT_FROM_EMAIL = env.str("DEFAULT_FROM_EMAIL", default="Ignite <ignite@localhost>")
EMAIL_TIMEOUT = env.int("EMAIL_TIMEOUT", default=20)
# A trainer's digest gathers what needs them into one email at most this often (hours).
IGNITE_NOTIFICATION_DIGEST_HOURS = env.int("IGNITE_NOTIFICATION_DIGEST_HOURS", default=24)
# How often the worker sends what is due and runs the time-based producers (seconds).
IGNITE_NOTIFICATION_INTERVAL = env.int("IGNITE_NOTIFICATION_INTERVAL", default=60)
# On SIGTERM the grade worker waits this long (seconds, in all) for its threads (the sweeper,
# the notifier, the program view's refresh) to finish what they hold: an email sent is marked
# sent before the process ends. Keep it below the unit's TimeoutStopSec (60).
try:
    IGNITE_WORKER_STOP_SECONDS = env.float("IGNITE_WORKER_STOP_SECONDS", default=20.0)
except ValueError:
    IGNITE_WORKER_STOP_SECONDS = -1.0
if not 0 < IGNITE_WORKER_STOP_SECONDS <= 3600:
    raise ImproperlyConfigured(
        "IGNITE_WORKER_STOP_SECONDS must be a number of seconds above 0 and at most 3600, not "
        f"{env.str('IGNITE_WORKER_STOP_SECONDS')!r}"
    )
IGNITE_USER_AGENT = "Ignite-LTI/0.1 (+https://github.com/ignite-pd)"

LOG_LEVEL = env.str("LOG_LEVEL", default="INFO")
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "root": {"handlers": ["console"], "level": LOG_LEVEL},
    "loggers": {
        "django.security.DisallowedHost": {"level": "ERROR"},
    },
}

# --- Embedded launches and page links bound to their browser (docs: README, "Operating") ---
# Seconds a launch token is accepted without its browser's binding cookie: a teacher's link
# copied into another browser, or a launch in a frame that keeps no cookie. Trainers' tokens
# are never accepted without it.
IGNITE_UNBOUND_TOKEN_TTL = env.int("IGNITE_UNBOUND_TOKEN_TTL", default=10 * 60)
# The program view's figures are computed ahead by the worker and kept this many seconds in the
# shared cache (reporting/rollups.py); 0 computes them on every page.
IGNITE_PROGRAM_VIEW_MAX_AGE = env.int("IGNITE_PROGRAM_VIEW_MAX_AGE", default=600)
# Each worker process keeps who could be a program lead of each platform (reporting/leads.py)
# for at most this many seconds: a lead named in another process shows up within it (removing
# one counts at once everywhere); 0 asks the database on every page.
IGNITE_PROGRAM_LEAD_CACHE_SECONDS = env.int("IGNITE_PROGRAM_LEAD_CACHE_SECONDS", default=60)
# --- Operations (operations/, docs/operations.md) ---------------------------------------
# A bearer token that opens /metrics and /readyz's details; unset, only a direct loopback
# connection (no proxy in between) may read them.
IGNITE_OPS_TOKEN = env_secret("IGNITE_OPS_TOKEN", default="")
# /readyz fails when the grade worker's heartbeat is older than this (seconds; it beats every 5).
IGNITE_WORKER_HEARTBEAT_MAX_AGE = env.int("IGNITE_WORKER_HEARTBEAT_MAX_AGE", default=60)
# /readyz fails when more scores than this wait in the grade outbox (pending or being sent).
IGNITE_READY_OUTBOX_MAX = env.int("IGNITE_READY_OUTBOX_MAX", default=5000)
# LOG_FORMAT=json writes one JSON object a line (python-json-logger), for a log collector.
LOG_FORMAT = env.str("LOG_FORMAT", default="plain")
if LOG_FORMAT not in {"plain", "json"}:
    raise ImproperlyConfigured("LOG_FORMAT must be plain or json")
LOGGING["formatters"]["json"] = {
    "()": "pythonjsonlogger.json.JsonFormatter",
    "format": "%(asctime)s %(levelname)s %(name)s %(message)s",
    "rename_fields": {"asctime": "time", "levelname": "level", "name": "logger"},
}
LOGGING["handlers"]["console"]["formatter"] = LOG_FORMAT

# Launch tokens (?lt=) and handoff codes are redacted from every log line.
LOGGING["filters"] = {"redact_launch_tokens": {"()": "lti_tool.log_redact.RedactLaunchTokens"}}
LOGGING["handlers"]["console"]["filters"] = ["redact_launch_tokens"]
# The development server's access lines through the same handler (Django's own has no filter).
LOGGING["loggers"]["django.server"] = {"handlers": ["console"], "level": "INFO", "propagate": False}
