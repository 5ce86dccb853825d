"""Settings of the baseline tool: what `django-admin startproject` gives, plus pylti1p3.

Storage is configured exactly as Ignite's (config/settings.py): the same DATABASE_URL and
REDIS_URL handling, SQLite in WAL mode with the same busy timeout, the database cache (or
Redis) shared by all workers. pylti1p3's login state, nonces and launch data must live in a
cache every gunicorn worker sees, and giving both tools the same storage means the bench
compares the LTI code, not the storage settings.
"""

from __future__ import annotations

import environ

env = environ.Env()

DEBUG = False
SECRET_KEY = env.str("SECRET_KEY")
ALLOWED_HOSTS = env.list("ALLOWED_HOSTS", default=["127.0.0.1"])

INSTALLED_APPS = [
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
]

# startproject's middleware without XFrameOptionsMiddleware (an LTI tool lives in a frame).
MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
]

ROOT_URLCONF = "baseline_tool.urls"
WSGI_APPLICATION = "baseline_tool.wsgi.application"
TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [],
        "APP_DIRS": True,
        "OPTIONS": {"context_processors": ["django.template.context_processors.request"]},
    }
]

DATABASES = {"default": env.db_url("DATABASE_URL")}
DATABASES["default"]["CONN_MAX_AGE"] = env.int("DB_CONN_MAX_AGE", default=60)
DATABASES["default"]["CONN_HEALTH_CHECKS"] = True
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    DATABASES["default"]["CONN_MAX_AGE"] = 0
    DATABASES["default"].setdefault("OPTIONS", {}).update(
        {
            "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
            "transaction_mode": "IMMEDIATE",
            "timeout": 20,
        }
    )
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

REDIS_URL = env.str("REDIS_URL", default="")
if REDIS_URL:
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": REDIS_URL,
            "KEY_PREFIX": env.str("CACHE_KEY_PREFIX", default=""),
        }
    }
else:
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.db.DatabaseCache",
            "LOCATION": "baseline_cache",
            "KEY_PREFIX": env.str("CACHE_KEY_PREFIX", default=""),
            # As Ignite's: the default of 300 would cull nonces of logins still in flight.
            "OPTIONS": {"MAX_ENTRIES": 100_000},
        }
    }

USE_TZ = True
TIME_ZONE = "UTC"

# The platform registration and the tool key, written by bench/launch.py.
BASELINE_LTI_CONFIG = env.str("BASELINE_LTI_CONFIG")
BASELINE_TOOL_KEY_FILE = env.str("BASELINE_TOOL_KEY_FILE")

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": "WARNING"},
}
