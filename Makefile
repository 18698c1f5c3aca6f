# Xinyu (心育) portal. Two commands for a new user: `make run` and `make test`.
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
PIP := $(VENV)/bin/pip
PORT ?= 8000
HOST ?= 127.0.0.1
WORKERS ?= 2
# gunicorn kills a worker whose request runs longer than TIMEOUT seconds; the portal stops
# such a request itself 10 seconds earlier with its own error page (XINYU_REQUEST_DEADLINE).
TIMEOUT ?= 60
VAR := var

.PHONY: run test serve setup migrate demo static lint format ci bench backup clean messages

# --- environment -----------------------------------------------------------------------
# Reinstall only when a requirements file changed (the stamp files are newer otherwise).
$(PY):
	$(PYTHON) -m venv $(VENV)
	$(PIP) install --quiet --upgrade pip

$(VENV)/.runtime-installed: requirements.txt | $(PY)
	$(PIP) install --quiet -r requirements.txt
	touch $@

$(VENV)/.dev-installed: requirements.txt requirements-dev.txt | $(PY)
	$(PIP) install --quiet -r requirements-dev.txt
	touch $(VENV)/.runtime-installed $@

$(VAR)/secret_key:
	mkdir -p $(VAR)
	$(PYTHON) -c "import secrets; print(secrets.token_urlsafe(50))" > $@
	chmod 600 $@

# --- make run: set up and serve the portal with demo content ---------------------------
# One process, no task worker: background tasks (text extraction, reminders) run inline.
run: export XINYU_IMMEDIATE_TASKS ?= 1
run: export XINYU_BASE_URL ?= http://$(HOST):$(PORT)
run: export XINYU_REQUEST_DEADLINE ?= $(shell expr $(TIMEOUT) - 10)
run: $(VENV)/.runtime-installed $(VAR)/secret_key
	DJANGO_SETTINGS_MODULE=portal.settings.production $(PY) manage.py migrate --noinput
	DJANGO_SETTINGS_MODULE=portal.settings.production $(PY) manage.py load_demo --if-empty
	DJANGO_SETTINGS_MODULE=portal.settings.production $(PY) manage.py site_address
	DJANGO_SETTINGS_MODULE=portal.settings.production $(PY) manage.py collectstatic --noinput --verbosity 0
	@echo "心育平台: http://$(HOST):$(PORT)/  (后台 http://$(HOST):$(PORT)/admin/)"
	DJANGO_SETTINGS_MODULE=portal.settings.production $(VENV)/bin/gunicorn portal.wsgi:application \
		--bind $(HOST):$(PORT) --workers $(WORKERS) --access-logfile - --timeout $(TIMEOUT)

# --- make test: set up and run the whole suite -------------------------------------------
test: $(VENV)/.dev-installed
	$(PY) -m pytest -n auto $(PYTEST_ARGS)

# Recompile locale/**/*.mo after editing a .po (the .mo files are committed; no gettext needed).
# `scripts/wagtail_zh.py check` lists Wagtail admin strings still without Chinese.
messages: $(VENV)/.runtime-installed
	$(PY) scripts/wagtail_zh.py compile
	$(PY) scripts/wagtail_zh.py check

lint: $(VENV)/.dev-installed
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .

format: $(VENV)/.dev-installed
	$(VENV)/bin/ruff format .
	$(VENV)/bin/ruff check --fix .

bench: $(VENV)/.dev-installed $(VAR)/secret_key
	$(PY) bench/http_bench.py

backup: $(VENV)/.runtime-installed $(VAR)/secret_key
	DJANGO_SETTINGS_MODULE=portal.settings.production $(PY) manage.py backup

clean:
	rm -rf $(VENV) $(VAR)/static
