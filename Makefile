# Newsroom: `make run` serves the demo site, `make test` runs the whole suite.
SHELL := /bin/bash
VENV := .venv
PY := $(VENV)/bin/python
MANAGE := $(PY) manage.py
export UV_PYTHON_DOWNLOADS := never
export UV_SYSTEM_CERTS := 1

.PHONY: run test test-sqlite test-postgres lint fmt seed worker browser varnish bench bench-tools \
	bench-posting clean

run: $(VENV)/.installed
	$(MANAGE) migrate --noinput
	$(MANAGE) seed
	$(MANAGE) seed_comments
	$(MANAGE) seed --logins
	$(MANAGE) runserver 127.0.0.1:8000

test: $(VENV)/.dev-installed browser varnish
	$(PY) -m ruff check .
	$(PY) -m ruff format --check .
	env -u DATABASE_URL $(MANAGE) makemigrations --check --dry-run
	@if [ -n "$$DATABASE_URL" ]; then bin/run-side-by-side test-sqlite test-postgres; \
	else $(MAKE) --no-print-directory test-sqlite; \
	  echo "DATABASE_URL not set: skipping the PostgreSQL run."; fi

# The embedded defaults (SQLite, local-memory cache); then PostgreSQL with Redis when CI sets them.
# Each pass keeps its own browser artefacts: pytest-playwright empties its output directory.
test-sqlite:
	env -u DATABASE_URL -u REDIS_URL -u CACHE_URL $(PY) -m pytest --durations=10 --output test-results/sqlite

test-postgres:
	$(PY) -m pytest --durations=10 --output test-results/postgres

lint: $(VENV)/.dev-installed
	$(PY) -m ruff check .
	$(PY) -m ruff format --check .

fmt: $(VENV)/.dev-installed
	$(PY) -m ruff format .
	$(PY) -m ruff check --fix .

seed: $(VENV)/.installed
	$(MANAGE) migrate --noinput
	$(MANAGE) seed
	$(MANAGE) seed_comments

worker: $(VENV)/.installed
	$(MANAGE) db_worker

# Load benchmarks on PostgreSQL, Redis, gunicorn and Varnish; writes benchmarks/results.md.
# BENCH_ARGS="--duration 5 --no-queue" for a quicker, partial run.
bench: $(VENV)/.dev-installed bench-tools
	$(PY) -m benchmarks.run $(BENCH_ARGS)

# 50 concurrent comment posters for 60 s on gunicorn + PostgreSQL and on the embedded default;
# writes benchmarks/posting_results.md, exits non-zero when an invariant fails (about 7 minutes).
bench-posting: $(VENV)/.dev-installed
	$(PY) -m benchmarks.posting_load $(BENCH_ARGS)

# The load generator, from Debian packages (Varnish comes with `make varnish`).
bench-tools: varnish
	@command -v wrk >/dev/null || { \
	  echo "Installing wrk from Debian packages"; \
	  apt-get update -q && DEBIAN_FRONTEND=noninteractive apt-get install -y -q \
	    --no-install-recommends wrk; }

# Find a Python 3.12+ (Django 6 needs it; Debian 12's python3 is 3.11).
$(VENV)/bin/python:
	@py=$$(bin/find-python) || exit 1; \
	echo "Creating $(VENV) with $$py"; \
	"$$py" -m venv $(VENV) && $(PY) -m pip install -q --disable-pip-version-check uv

$(VENV)/.installed: pyproject.toml | $(VENV)/bin/python
	$(PY) -m uv pip install -q --python $(PY) -r pyproject.toml
	touch $@

$(VENV)/.dev-installed: pyproject.toml package-lock.json | $(VENV)/bin/python
	$(PY) -m uv pip install -q --python $(PY) -r pyproject.toml --extra dev
	npm ci --no-audit --no-fund --silent
	touch $(VENV)/.installed $@

# Chromium and its driver come from Debian (Playwright's own browser download cannot work here).
browser:
	@command -v chromium >/dev/null || { \
	  echo "Installing Chromium from Debian packages"; \
	  apt-get update -q && DEBIAN_FRONTEND=noninteractive apt-get install -y -q \
	    --no-install-recommends chromium chromium-driver; }

# Varnish (deploy/varnish.vcl) for the tests that put it in front of the app.
varnish:
	@command -v varnishd >/dev/null || [ -x /usr/sbin/varnishd ] || { \
	  echo "Installing Varnish from Debian packages"; \
	  apt-get update -q && DEBIAN_FRONTEND=noninteractive apt-get install -y -q \
	    --no-install-recommends varnish; }

clean:
	rm -rf $(VENV) node_modules
