# The two commands: `make run` (a demo on embedded defaults) and `make test` (the suite,
# on PostgreSQL and Redis). Everything they need is installed from here.
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
MODULUS_TABLES := subscriptions/bacs/data/valacdos.txt
# Separate stamps: `make run` installs the portal's runtime dependencies only; the targets
# for developers (test, lint, bench) add the `dev` extras on top, once.
DEPS_HASH := $(shell cat pyproject.toml | sha1sum | cut -c1-12)
DEPS_STAMP := $(VENV)/.installed-run-$(DEPS_HASH)
DEV_STAMP := $(VENV)/.installed-dev-$(DEPS_HASH)
# libharfbuzz-subset0: WeasyPrint subsets fonts with it; without it every PDF render warns
# and falls back to fontTools. Pango does not pull it in (on a machine with Chromium it is
# there only as Chromium's dependency).
SYSTEM_PACKAGES := libpango-1.0-0 libpangoft2-1.0-0 libharfbuzz-subset0 fonts-dejavu-core \
	poppler-utils clamav-daemon gettext
# The Welsh catalogue, compiled from the committed django.po (gettext's msgfmt).
WELSH_PO := locale/cy/LC_MESSAGES/django.po
WELSH_MO := locale/cy/LC_MESSAGES/django.mo
ALLAUTH_WELSH_PO := locale/allauth/cy/LC_MESSAGES/django.po
ALLAUTH_WELSH_MO := locale/allauth/cy/LC_MESSAGES/django.mo
# The demo never uses services from the environment: SQLite, in-process tasks, console email.
# It prints the address, the demo logins, the requests and the console email: warnings and
# errors only from the portal's own log (LOG_LEVEL=INFO for more), no migration list, and not
# runserver's "development server" warning (the demo is exactly that).
LOG_LEVEL ?= WARNING
RUN_ENV := env -u DATABASE_URL -u REDIS_URL -u CELERY_BROKER_URL -u EMAIL_HOST \
	-u EMAIL_BACKEND -u SECRET_KEY DEBUG=1 DEMO_MODE=1 LOG_LEVEL=$(LOG_LEVEL) \
	DJANGO_RUNSERVER_HIDE_WARNING=true
HOST ?= 127.0.0.1
PORT ?= 8000

.PHONY: run test smoke smoke-deps install install-dev system-deps browser-deps lint format migrations-check check-deploy worker beat web \
	encryption-key backup restore bench bench-growth bench-budget bench-tools clean \
	messages compilemessages

run: install compilemessages
	@mkdir -p var
	@$(RUN_ENV) HOST=$(HOST) PORT=$(PORT) $(BIN)/python manage.py migrate --noinput --verbosity 0
	@$(RUN_ENV) HOST=$(HOST) PORT=$(PORT) $(BIN)/python manage.py seed_demo --url http://$(HOST):$(PORT)
	@$(RUN_ENV) HOST=$(HOST) PORT=$(PORT) PYTHONUNBUFFERED=1 $(BIN)/python manage.py runserver --noreload $(HOST):$(PORT)

test: install-dev compilemessages browser-deps smoke-deps lint migrations-check
	$(BIN)/python -m pytest $(PYTEST_ARGS)

# The production shape as processes on this machine (deploy/smoke.py): PostgreSQL with a
# streaming replica, PgBouncer, Redis, gunicorn (DEBUG=0), Celery worker and beat, nginx over
# TLS, an SMTP sink; a member's and officers' journeys through it; then everything stopped.
# `make test` runs it too (tests/ops/test_smoke.py).
smoke: install-dev smoke-deps
	$(BIN)/python deploy/smoke.py

# Debian packages the smoke test and the replica tests start; installed only when missing.
SMOKE_PACKAGES := pgbouncer nginx openssl redis-server postgresql
smoke-deps:
	@missing=""; for p in $(SMOKE_PACKAGES); do \
		dpkg-query -W -f='$${Status}' $$p 2>/dev/null | grep -q "ok installed" || missing="$$missing $$p"; \
	done; \
	if [ -n "$$missing" ]; then \
		echo "Installing Debian packages:$$missing"; \
		if [ "$$(id -u)" = 0 ]; then apt-get update -qq && apt-get install -y -qq $$missing; \
		else sudo apt-get update -qq && sudo apt-get install -y -qq $$missing; fi; \
	fi

# Browser tests: Debian's Chromium, Java for the Nu checker, axe-core + vnu-jar from the lock file.
BROWSER_NODE_STAMP := tests/browser/node_modules/.installed
browser-deps: $(BROWSER_NODE_STAMP)
	@missing=""; test -x /usr/bin/chromium || missing="$$missing chromium"; \
	command -v java >/dev/null || missing="$$missing default-jre-headless"; \
	if [ -n "$$missing" ]; then \
		echo "Installing Debian packages:$$missing"; \
		if [ "$$(id -u)" = 0 ]; then apt-get update -qq && apt-get install -y -qq $$missing; \
		else sudo apt-get update -qq && sudo apt-get install -y -qq $$missing; fi; \
	fi

$(BROWSER_NODE_STAMP): tests/browser/package.json tests/browser/package-lock.json
	@command -v npm >/dev/null || { if [ "$$(id -u)" = 0 ]; then apt-get update -qq && apt-get install -y -qq npm; \
		else sudo apt-get update -qq && sudo apt-get install -y -qq npm; fi; }
	npm ci --prefix tests/browser --ignore-scripts --no-audit --no-fund
	@touch $@

install: system-deps $(DEPS_STAMP) $(MODULUS_TABLES)

install-dev: install $(DEV_STAMP)

# Welsh: `make messages` adds newly marked strings to django.po (then translate them);
# the .mo that Django reads is compiled from it and never committed.
compilemessages: $(WELSH_MO) $(ALLAUTH_WELSH_MO)

$(WELSH_MO): $(WELSH_PO) | system-deps
	msgfmt --check-format -o $@ $<

$(ALLAUTH_WELSH_MO): $(ALLAUTH_WELSH_PO) | system-deps
	msgfmt --check-format -o $@ $<

messages: install
	$(BIN)/python manage.py makemessages_cy

# Vocalink's modulus-checking tables, from a pinned release checked by its SHA-256.
$(MODULUS_TABLES): subscriptions/bacs/get_tables.py | $(DEPS_STAMP)
	@$(BIN)/python -m subscriptions.bacs.get_tables --force

$(DEPS_STAMP): pyproject.toml
	@echo "Installing the portal's dependencies into $(VENV) (again only when pyproject.toml changes)"
	@$(BIN)/python -m pip --version >/dev/null 2>&1 || { rm -rf $(VENV) && $(PYTHON) -m venv $(VENV); }
	@$(BIN)/python -m pip install --quiet --upgrade pip
	@$(BIN)/python -m pip install --quiet -e .
	@rm -f $(VENV)/.installed-* && touch $@

$(DEV_STAMP): $(DEPS_STAMP)
	@echo "Installing the developers' tools (the dev extras) into $(VENV)"
	@$(BIN)/python -m pip install --quiet -e ".[dev]"
	@touch $@

# Debian packages WeasyPrint (PDFs) and the tests need; installed only when missing.
system-deps:
	@missing=""; for p in $(SYSTEM_PACKAGES); do \
		dpkg-query -W -f='$${Status}' $$p 2>/dev/null | grep -q "ok installed" || missing="$$missing $$p"; \
	done; \
	if [ -n "$$missing" ]; then \
		echo "Installing Debian packages:$$missing"; \
		if [ "$$(id -u)" = 0 ]; then apt-get update -qq && apt-get install -y -qq $$missing; \
		else sudo apt-get update -qq && sudo apt-get install -y -qq $$missing; fi; \
	fi

lint: install-dev
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/lint-imports
	$(BIN)/bandit -q -r portal casework standards consultations membership subscriptions -x '*/migrations/*'

format: install-dev
	$(BIN)/ruff format .
	$(BIN)/ruff check --fix .

migrations-check: install
	DJANGO_SETTINGS_MODULE=portal.settings_test DATABASE_URL=sqlite://:memory: \
		$(BIN)/python manage.py makemigrations --check --dry-run

# Production check: DEBUG off with the settings a deployment gives.
check-deploy: install
	env DEBUG=0 SECRET_KEY=$$(head -c 48 /dev/urandom | base64) ALLOWED_HOSTS=portal.example \
		REDIS_URL=$${REDIS_URL:-redis://127.0.0.1:6379/0} \
		FIELD_ENCRYPTION_KEYS=$$($(BIN)/python -c "from cryptography.fernet import Fernet; print(Fernet.generate_key().decode())") \
		$(BIN)/python manage.py check --deploy --fail-level WARNING

# The production processes without Docker (see README): set DATABASE_URL, REDIS_URL, etc.
web: install
	$(BIN)/python manage.py collectstatic --noinput
	$(BIN)/gunicorn portal.wsgi --config deploy/gunicorn.conf.py --bind $(HOST):$(PORT) \
		--workers $${WEB_CONCURRENCY:-3}

worker: install
	$(BIN)/celery -A portal worker --loglevel=INFO

beat: install
	$(BIN)/celery -A portal beat --loglevel=INFO

# Backups: the database in pg_dump's custom format plus the private files (already
# encrypted). Keep FIELD_ENCRYPTION_KEYS somewhere else: a backup is useless without them.
BACKUP_DIR ?= backups
backup: install
	@test -n "$$DATABASE_URL" || { echo "Set DATABASE_URL to the database to back up."; exit 2; }
	@mkdir -p $(BACKUP_DIR)
	pg_dump --format=custom --no-owner --file=$(BACKUP_DIR)/portal-$$(date -u +%Y%m%dT%H%M%SZ).dump "$$DATABASE_URL"
	tar -czf $(BACKUP_DIR)/private-files-$$(date -u +%Y%m%dT%H%M%SZ).tar.gz -C $${PRIVATE_MEDIA_ROOT:-var/private} . 2>/dev/null || true
	@ls -1t $(BACKUP_DIR) | head -2

# Restore a dump into a scratch database and check it: make restore DUMP=backups/x.dump
# (RESTORE_URL defaults to a new database portal_restore_check on the local server).
RESTORE_URL ?= postgres://postgres@127.0.0.1:5432/portal_restore_check
restore: install
	@test -n "$(DUMP)" || { echo "Usage: make restore DUMP=backups/portal-....dump"; exit 2; }
	dropdb --if-exists "$$(basename $(RESTORE_URL))" -h 127.0.0.1 -U postgres
	createdb "$$(basename $(RESTORE_URL))" -h 127.0.0.1 -U postgres
	pg_restore --no-owner --dbname="$(RESTORE_URL)" "$(DUMP)"
	DATABASE_URL="$(RESTORE_URL)" $(BIN)/python manage.py smoke_check

# The benchmark at national-union scale (bench/README.md): make bench, or make bench SCALE=0.1
# (SCALE=4: two million members). DURATION (seconds per wrk run) and RUNS pass through.
# make bench-growth: the member and officer pages at SCALE 0.1, 1 and 4 (SCALES=...).
SCALE ?= 1
SCALES ?= 0.1,1,4
BENCH_ARGS = $(if $(DURATION),--duration $(DURATION)) $(if $(RUNS),--runs $(RUNS))
bench: install-dev bench-tools
	$(BIN)/python -m bench.run --scale $(SCALE) $(BENCH_ARGS)

bench-growth: install-dev bench-tools
	$(BIN)/python -m bench.run --growth --scales $(SCALES) $(BENCH_ARGS)

# make bench-budget: where each page's time goes (SQL, templates, the rest) against the
# reference its row divides by, and a cProfile summary; on the database `make bench` seeded.
bench-budget: install-dev
	$(BIN)/python -m bench.budget --scale $(SCALE) --profile

bench-tools:
	@missing=""; command -v wrk >/dev/null || missing="$$missing wrk"; \
	command -v psql >/dev/null || missing="$$missing postgresql-client"; \
	if [ -n "$$missing" ]; then echo "Installing Debian packages:$$missing"; \
		if [ "$$(id -u)" = 0 ]; then apt-get update -qq && apt-get install -y -qq $$missing; \
		else sudo apt-get update -qq && sudo apt-get install -y -qq $$missing; fi; fi

# A new key for FIELD_ENCRYPTION_KEYS (put it first, run `manage.py rotate_encryption`).
encryption-key: install
	@$(BIN)/python -c "from cryptography.fernet import Fernet; print(Fernet.generate_key().decode())"

clean:
	rm -rf var/portal.sqlite3 staticfiles .pytest_cache
