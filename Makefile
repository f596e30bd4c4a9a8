# Cities of Making portal. `make run` serves it; `make test` checks it. See README.md.
SHELL := /bin/bash
.SHELLFLAGS := -euo pipefail -c
.DEFAULT_GOAL := help

PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
MANAGE := $(BIN)/python manage.py

# Local development defaults. Set DATABASE_URL and REDIS_URL to use services
# elsewhere: provisioning then installs nothing and starts nothing.
export DJANGO_DEBUG ?= 1
export PYTHONUNBUFFERED := 1

.PHONY: help run test test-long provision provision-browser venv prepare lint format messages clean

help:
	@echo "make run    provision, migrate, load demo data, serve on http://127.0.0.1:8000 with a worker"
	@echo "make test   provision, lint, check migrations, run the whole test suite (browser tests too)"
	@echo "make test-long  the long fault runs (a worker killed mid-commit, ...), minutes each"
	@echo "make format apply ruff's formatting and safe fixes"
	@echo "make messages  refresh the translation catalogues (locale/)"

provision:
	@scripts/provision.sh

provision-browser:
	@scripts/provision.sh --browser

# Reinstalled only when pyproject.toml changes.
venv: $(VENV)/.installed
$(VENV)/.installed: pyproject.toml
	@$(PYTHON) -c 'import sys; sys.exit(sys.version_info < (3, 11))' \
	  || { echo "Python 3.11 or newer is needed (found $$($(PYTHON) --version))"; exit 1; }
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	@$(BIN)/pip install --quiet --upgrade pip
	@$(BIN)/pip install --quiet -e '.[dev]'
	@touch $@

# Everything `run` needs before serving; idempotent and quick the second time.
prepare: provision venv
	@$(MANAGE) migrate --no-input -v0
	@$(MANAGE) load_demo
	@$(MANAGE) compilemessages --ignore '.venv' -v0
	@$(MANAGE) collectstatic --no-input -v0

run: prepare
	@echo "Starting the web server, the Celery worker and beat; Ctrl-C stops them."
	@echo "The portal will be at http://127.0.0.1:8000/"
	@$(BIN)/honcho start -f Procfile

test: provision-browser venv
	@$(MANAGE) compilemessages --ignore '.venv' -v0
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(MANAGE) makemigrations --check --dry-run -v1
	$(BIN)/pytest $(if $(CI),--create-db,--reuse-db) $(PYTEST_ARGS)

test-long: provision venv
	$(BIN)/pytest -m long -n 0 $(if $(CI),--create-db,--reuse-db) $(PYTEST_ARGS)

lint:
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

format:
	$(BIN)/ruff format .
	$(BIN)/ruff check --fix .

messages: venv
	$(MANAGE) makemessages -l fr -l nl --ignore '.venv/*' --ignore 'staticfiles/*' --no-obsolete
	$(MANAGE) makemessages -d djangojs -l fr -l nl --ignore '.venv/*' --ignore 'staticfiles/*' --no-obsolete

clean:
	rm -rf staticfiles test-artifacts .ruff_cache
