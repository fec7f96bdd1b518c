# The two commands a newcomer needs: `make run` and `make test`.
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
PY := $(BIN)/python
# make run's console: WARNING and above (RUN_LOG_LEVEL=INFO shows every payment step);
# the emails Kassa sends go to files in var/mail/, one per message, not to the console.
RUN_LOG_LEVEL ?= WARNING
RUN_EMAIL_URL ?= filemail:///$(CURDIR)/var/mail
define WAIT_FOR_SERVER
import time, urllib.request
for _ in range(120):
    try:
        urllib.request.urlopen("http://127.0.0.1:8000/healthz", timeout=1)
        break
    except OSError:
        time.sleep(0.5)
endef
export WAIT_FOR_SERVER

.PHONY: run test lint format verify-ledger bench bench-instructions soak fuzz screenshots lighthouse \
	clean lock upgrade-deps

# Each stamp records which requirements file the venv was last synced with.
$(VENV)/.run-deps: requirements.txt
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -r requirements.txt
	touch $@

$(VENV)/.test-deps: $(VENV)/.run-deps requirements-test.txt
	$(PY) -m pip install --quiet -r requirements-test.txt
	touch $@

run: $(VENV)/.run-deps  ## Migrate, seed demo data, serve on :8000 with a Celery worker + beat
	@echo "Preparing the database and the demo data ..."
	@$(PY) manage.py migrate --noinput -v 0
	@LOG_LEVEL=WARNING EMAIL_URL="$${EMAIL_URL:-$(RUN_EMAIL_URL)}" $(PY) manage.py seed_demo
	@trap 'kill $$worker 2>/dev/null; wait $$worker 2>/dev/null' EXIT INT TERM; \
	export LOG_LEVEL=$(RUN_LOG_LEVEL) DJANGO_SETTINGS_MODULE=config.settings.local; \
	export EMAIL_URL="$${EMAIL_URL:-$(RUN_EMAIL_URL)}"; \
	$(BIN)/celery -A config --quiet worker --beat --loglevel=warning --concurrency=2 \
		--schedule=var/celerybeat-schedule & worker=$$!; \
	{ $(PY) -c "$$WAIT_FOR_SERVER" && printf '%s\n' "" \
		"Kassa is ready: http://127.0.0.1:8000/  (log in as customer@example.com / customer123;" \
		"README lists the other demo logins). API docs /api/v1/docs/, admin /admin/." \
		"Emails (receipts, password resets) are written to var/mail/. Ctrl-C stops everything." ""; } & \
	$(PY) manage.py runserver 127.0.0.1:8000

test: $(VENV)/.test-deps  ## Lint, check migrations are complete, then the whole test suite
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	DJANGO_SETTINGS_MODULE=config.settings.test $(PY) manage.py makemigrations --check --dry-run
	$(BIN)/pytest -n auto --durations=15 $(PYTEST_ARGS)

lint: $(VENV)/.test-deps
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

format: $(VENV)/.test-deps
	$(BIN)/ruff check --fix .
	$(BIN)/ruff format .

verify-ledger: $(VENV)/.run-deps  ## Check every ledger invariant (non-zero exit on a violation)
	$(PY) manage.py verify_ledger

# Needs DATABASE_URL (PostgreSQL) and REDIS_URL; wrk and pgbench come from Debian.
bench: $(VENV)/.run-deps  ## Checkout and catalog vs pgbench and /healthz (QUICK=1: 3 s each)
	@command -v wrk >/dev/null || { apt-get update -qq && apt-get install -y -qq wrk; }
	@command -v pgbench >/dev/null || apt-get install -y -qq postgresql-client
	QUICK=$(QUICK) $(PY) -m bench.run

# Instructions per checkout under valgrind: compares two versions of the code on a noisy machine.
bench-instructions: $(VENV)/.run-deps  ## Instructions per checkout, counted by callgrind (N=100)
	@command -v valgrind >/dev/null || { apt-get update -qq && apt-get install -y -qq valgrind; }
	$(PY) -m bench.instructions $(or $(N),100)

$(VENV)/.bench-deps: $(VENV)/.run-deps requirements-bench.txt
	$(PY) -m pip install --quiet -r requirements-bench.txt
	touch $@

# Not in CI: SOAK_MINUTES (10) of mixed load, then the books. Needs DATABASE_URL and REDIS_URL.
soak: $(VENV)/.bench-deps  ## Steady mixed load, then verify_ledger, stock and payment checks
	$(PY) -m bench.soak

fuzz: $(VENV)/.test-deps  ## schemathesis against a live server on a throwaway database
	$(PY) tests/fuzz.py

# Both serve the demo data from a throwaway SQLite database (nothing configured)
# and drive Debian's /usr/bin/chromium: docs/contributing.md.
screenshots: $(VENV)/.test-deps  ## Refresh docs/screenshots/ from the demo data (1280 and 390 px)
	$(PY) tests/screenshots.py

lighthouse: $(VENV)/.test-deps  ## Lighthouse on the demo's catalog, a product and the cart; fails below 95
	$(PY) tests/lighthouse.py

# requirements*.txt are lock files: every transitive pin, compiled by pip-tools from
# the *.in files (which name only what Kassa uses directly).
PIP_COMPILE = $(VENV)/bin/pip-compile --quiet --strip-extras --no-header \
	--no-emit-index-url --no-emit-find-links --annotation-style=line

$(VENV)/bin/pip-compile: $(VENV)/.run-deps
	$(PY) -m pip install --quiet pip-tools

lock: $(VENV)/bin/pip-compile  ## Recompile the lock files from requirements*.in (same versions)
	$(PIP_COMPILE) --output-file requirements.txt requirements.in
	$(PIP_COMPILE) --output-file requirements-test.txt requirements-test.in
	$(PIP_COMPILE) --output-file requirements-bench.txt requirements-bench.in

upgrade-deps: $(VENV)/bin/pip-compile  ## Newest transitive versions within the .in pins; then make test
	$(PIP_COMPILE) --upgrade --output-file requirements.txt requirements.in
	$(PIP_COMPILE) --upgrade --output-file requirements-test.txt requirements-test.in
	$(PIP_COMPILE) --upgrade --output-file requirements-bench.txt requirements-bench.in

clean:
	rm -rf $(VENV) var db.sqlite3 staticfiles
