# elearn — run `make help` for the list of targets.
PYTHON ?= python3
VENV ?= .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.requirements-installed
# Two workers: the slow tests (LibreOffice, browser) wait on other processes.
PYTEST_ARGS ?= -n 2 --dist loadgroup

.DEFAULT_GOAL := help
.PHONY: help system-deps check-system venv messages messages-check node-deps run serve test test-quick worker lint format bench clean

help: ## List the targets
	@grep -E '^[a-zA-Z_-]+:.*?## ' $(MAKEFILE_LIST) | awk 'BEGIN {FS = ":.*?## "}; {printf "  %-14s %s\n", $$1, $$2}'

system-deps: ## Install the Debian packages elearn needs (as root, with apt)
	@scripts/system-deps.sh

check-system:
	@scripts/system-deps.sh --check 2>/dev/null || scripts/system-deps.sh

venv: $(STAMP) ## Create or update the virtualenv

$(STAMP): requirements.txt requirements-dev.txt
	@test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install -q --upgrade pip
	$(PY) -m pip install -q -r requirements-dev.txt
	@touch $(STAMP)

messages: venv ## Compile translations (.po → .mo)
	@$(PY) manage.py compilemessages -v0 --ignore='.venv*'

messages-check: venv ## Fail if a translatable string is missing from the zh-Hans catalogue or untranslated
	$(PY) manage.py makemessages -l zh_Hans --ignore='.venv*' --ignore=tests --ignore=bench --no-obsolete -v0
	$(PY) locale/tools/check_translations.py locale/zh_Hans/LC_MESSAGES/django.po

run: check-system venv messages ## Set up and start the demo site and its task worker on http://127.0.0.1:8000
	$(PY) manage.py migrate --no-input -v0
	$(PY) manage.py collectstatic --no-input -v0
	$(PY) manage.py load_demo
	@PY=$(PY) scripts/run.sh

serve: venv messages ## Serve with gunicorn and production settings (set SECRET_KEY, ALLOWED_HOSTS…: see README)
	DJANGO_SETTINGS_MODULE=elearn.settings.production $(PY) manage.py collectstatic --no-input -v0
	DJANGO_SETTINGS_MODULE=elearn.settings.production $(VENV)/bin/gunicorn -c gunicorn.conf.py elearn.wsgi

worker: venv ## Start a background task worker only (database queue, or RQ with ELEARN_TASK_BACKEND=rq)
	$(PY) manage.py run_worker

node_modules/.installed: package.json package-lock.json
	npm ci --no-audit --no-fund --silent
	@touch $@

node-deps: node_modules/.installed ## Install the browser-side test tools (axe-core) from npm

test: check-system venv messages node-deps ## Run the whole test suite
	$(PY) -m pytest $(PYTEST_ARGS)

test-quick: venv messages ## Run the tests without the slow ones (LibreOffice, ffmpeg, browser)
	$(PY) -m pytest -m "not slow" $(PYTEST_ARGS)

lint: venv ## ruff, djhtml and migration checks
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	$(VENV)/bin/djhtml --check templates
	DJANGO_SETTINGS_MODULE=elearn.settings.test $(PY) manage.py check
	DJANGO_SETTINGS_MODULE=elearn.settings.test $(PY) manage.py makemigrations --check --dry-run

format: venv ## Format code and templates
	$(VENV)/bin/ruff format .
	$(VENV)/bin/ruff check --fix .
	$(VENV)/bin/djhtml templates

bench: venv ## Run the benchmarks
	@for b in $(filter-out bench/harness.py,$(wildcard bench/*.py)); do echo "== $$b"; $(PY) $$b || exit 1; done

clean: ## Remove the virtualenv, the demo database and caches
	rm -rf $(VENV) db.sqlite3 db.sqlite3-* .pytest_cache .ruff_cache
