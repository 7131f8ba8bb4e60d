# The two commands a newcomer types: `make run` and `make test`. Everything else is a step of them.
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
PY := $(VENV)/bin/python
ADDR ?= 127.0.0.1:8000
CHROMIUM ?= /usr/bin/chromium
# One test process per core; each has its own test database, Redis database and folders.
TEST_PROCESSES ?= auto
LDAP_HEADERS ?= /usr/include/ldap.h
SLAPD ?= /usr/sbin/slapd
PANGO ?= $(firstword $(wildcard /usr/lib/*/libpangoft2-1.0.so.0) /usr/lib/libpangoft2-1.0.so.0)
PDF_LIBS := libpango-1.0-0 libpangoft2-1.0-0 libharfbuzz-subset0 fonts-dejavu-core fonts-liberation
APT_INSTALL := DEBIAN_FRONTEND=noninteractive apt-get install -y -q

.PHONY: run test install lint worker beat web demo clean-demo bench-deps

# --no-compile: Python compiles each module the first time it is imported, instead of pip
# compiling every module of every package (most never imported) during the install.
$(VENV)/.installed: requirements.txt | $(LDAP_HEADERS) $(PANGO)
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet --no-compile -r requirements.txt
	touch $@

node_modules/.installed: package.json package-lock.json
	npm ci --no-audit --no-fund --loglevel=error
	touch $@

# H5Web (the HDF5 viewer of the dataset page, React) is bundled from node_modules into
# static/build/ (git-ignored, served by Django as static files): esbuild, production, minified.
H5WEB_BUNDLE := static/build/h5web.js
$(H5WEB_BUNDLE): node_modules/.installed $(wildcard static/src/h5web/*)
	npx --no-install esbuild static/src/h5web/index.jsx --bundle --minify --jsx=automatic \
		--target=es2020 --define:process.env.NODE_ENV='"production"' --log-level=warning \
		--outfile=$@

install: $(VENV)/.installed node_modules/.installed $(H5WEB_BUNDLE)

# Development: DEBUG on, embedded defaults (SQLite, filesystem queue, demo data) unless the
# environment names real services; links in e-mails and DOIs point at ADDR unless SITE_URL is set.
# pip and npm install side by side; the site serves while the demo is generated (a minute: the
# logins are printed when it is ready, then the worker starts: it would only wait for the
# generator's locks on SQLite), beat inside it (`--beat`: one process to stop); runserver alone
# runs the system checks (each command's would import every URL module again). Ctrl-C stops
# everything: the trap stops each process by its pid (not `kill 0`, which signals the shell itself
# and re-enters the trap), the worker with a cold shutdown (QUIT: an interrupted task is
# redelivered, acks are late) so nobody waits 30 s for a warm one.
# `migrate` with nothing to do still loads every migration (seconds): on the embedded SQLite
# database it is skipped while no migration file (nor requirements.txt) is newer than its stamp.
MIGRATED := $(or $(VAR_DIR),var)/.migrated
run: export DEBUG ?= 1
run: export SITE_URL ?= http://$(ADDR)
run:
	@$(MAKE) --no-print-directory -j2 install
	@if [ -z "$$DATABASE_URL" ] && [ -f $(MIGRATED) ] && [ -f $(dir $(MIGRATED))db.sqlite3 ] && \
		[ -z "$$(find requirements.txt */migrations -newer $(MIGRATED) -name '*.py' -o \
		-newer $(MIGRATED) -name requirements.txt)" ]; then \
		echo "Database schema up to date."; \
	else $(PY) manage.py migrate --noinput --skip-checks && \
		{ [ -n "$$DATABASE_URL" ] || touch $(MIGRATED); }; fi
	@$(PY) manage.py seed_demo --if-empty --skip-checks --logins-url http://$(ADDR)/ & seed=$$!; \
	trap 'trap - EXIT; kill -TERM $$web $$seed 2>/dev/null; \
		kill -QUIT $$worker 2>/dev/null; wait' EXIT; \
	trap 'exit 0' INT TERM; \
	$(PY) manage.py runserver --noreload $(ADDR) & web=$$!; \
	wait $$seed; \
	$(PY) -m celery -A portal worker --beat --loglevel INFO --concurrency 2 \
		--without-heartbeat --without-gossip --without-mingle & worker=$$!; \
	wait $$web

# The browser tests need Debian's Chromium; as root we install it, otherwise we say how.
$(CHROMIUM):
	@if [ "$$(id -u)" = 0 ]; then apt-get update -q && apt-get install -y -q chromium; \
	else echo "Browser tests need Chromium at $(CHROMIUM): sudo apt-get install chromium" >&2; exit 1; fi

# python-ldap (for LDAP sign-in) compiles against OpenLDAP's and SASL's headers; the LDAP tests
# start Debian's slapd. As for Chromium: as root we install them, otherwise we say how.
$(LDAP_HEADERS):
	@if [ "$$(id -u)" = 0 ]; then apt-get update -q && \
	$(APT_INSTALL) gcc python3-dev libldap2-dev libsasl2-dev; \
	else echo "python-ldap needs: sudo apt-get install gcc python3-dev libldap2-dev libsasl2-dev" >&2; \
	exit 1; fi

# WeasyPrint (the logbook's PDFs) loads Pango and HarfBuzz at run time, and lays text out with the
# fonts installed. As for Chromium: as root we install them, otherwise we say how.
$(PANGO):
	@if [ "$$(id -u)" = 0 ]; then apt-get update -q && $(APT_INSTALL) $(PDF_LIBS); \
	else echo "Logbook PDFs need Pango and fonts: sudo apt-get install $(PDF_LIBS)" >&2; \
	exit 1; fi

$(SLAPD):
	@if [ "$$(id -u)" = 0 ]; then apt-get update -q && $(APT_INSTALL) slapd ldap-utils openssl; \
	else echo "LDAP tests need slapd at $(SLAPD): sudo apt-get install slapd ldap-utils openssl" >&2; \
	exit 1; fi

test: install $(CHROMIUM) $(SLAPD)
	$(PY) -m pytest -n $(TEST_PROCESSES) --dist loadfile --durations=15 $(PYTEST_ARGS)

# Benchmarks (bench/, README "Benchmarks"; never part of `make test`): bench/http_bench.py drives
# gunicorn with wrk, a load generator from Debian.
bench-deps:
	@if [ "$$(id -u)" = 0 ]; then apt-get update -q && $(APT_INSTALL) wrk; \
	else echo "bench/http_bench.py needs wrk: sudo apt-get install wrk" >&2; exit 1; fi

lint: install
	$(PY) -m ruff check .
	$(PY) -m ruff format --check .
