"""Loaded by pytest before Django (see `-p tests._env` in pyproject.toml).

The suite runs with the development platform enabled, which needs DEBUG at start-up; the
Django test runner then turns DEBUG off while tests run, so error pages are the real ones.
"""

import os

os.environ.setdefault("DEBUG", "1")
os.environ.setdefault("IGNITE_DEV_PLATFORM", "1")
os.environ.setdefault("CACHE_KEY_PREFIX", "ignite-test")
# A developer's .env (written by `make run`) is for their manage.py commands, not for the tests.
os.environ.setdefault("IGNITE_DEV_ENV_FILE", "")
