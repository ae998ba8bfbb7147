# Two commands set everything up on a machine with Python 3.11+ and make:
#   make run   serves the demo catalogue at http://127.0.0.1:8000 (SQLite)
#   make test  runs the whole test suite
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
INSTALLED := $(VENV)/.installed
DEV := DJANGO_DEBUG=1
export PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD := 1
TEST_POSTGRES_URL ?= postgres://postgres@127.0.0.1:5432/postgres

.PHONY: install lock browser-deps run test test-postgres coverage lint format typecheck migrations-check check-deploy production-recipe clean bench

# Every version comes from the hashed lock (requirements/dev.txt: the site's
# dependencies as production has them, plus the test and contributor tools),
# then the checkout itself, editable, without dependencies of its own.
$(INSTALLED): requirements/dev.txt
	@$(PYTHON) -c 'import sys; sys.exit(sys.version_info < (3, 11) and "Python 3.11 or newer is needed (set PYTHON=python3.x)")'
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --require-hashes -r requirements/dev.txt
	$(BIN)/python -m pip install --quiet --no-deps -e .
	touch $(INSTALLED)

install: $(INSTALLED)

# Re-resolves the locks from pyproject.toml's ranges, keeping today's versions
# where they still fit; `make lock UPGRADE=1` moves every one to the newest.
# requirements/production.txt: what a server installs; requirements/dev.txt:
# the same versions (constrained by it) plus the extras test and dev.
LOCK := CUSTOM_COMPILE_COMMAND="make lock" $(BIN)/pip-compile --quiet \
	--generate-hashes --allow-unsafe --strip-extras --no-emit-index-url \
	--no-emit-find-links $(if $(UPGRADE),--upgrade)
lock: install
	$(LOCK) --output-file requirements/production.txt pyproject.toml
	$(LOCK) --extra test --extra dev --constraint requirements/production.txt \
		--output-file requirements/dev.txt pyproject.toml

# axe-core for tests/browser (Chromium itself comes from Debian: apt-get install
# chromium). Without it the browser tests skip on a developer's machine, fail in CI.
browser-deps:
	npm ci --prefix tests/browser --no-audit --no-fund

run: install
	$(DEV) $(BIN)/python manage.py migrate --noinput
	$(DEV) $(BIN)/python manage.py setup_demo
	$(DEV) $(BIN)/python manage.py runserver 127.0.0.1:8000

# `make test COVERAGE=1` (CI): the same suite under coverage, its figure
# printed, failing under the floor ([tool.coverage.report] fail_under).
test: install
ifdef COVERAGE
	$(BIN)/python -m coverage run -m pytest
	$(BIN)/python -m coverage report
else
	$(BIN)/python -m pytest
endif

# The same suite against PostgreSQL (pytest-django creates its own test database).
test-postgres: install
	EXPECT_POSTGRES=1 DATABASE_URL=$(TEST_POSTGRES_URL) $(BIN)/python -m pytest

# The load benchmark (minutes; needs wrk and PostgreSQL): see README, Performance.
bench: install
	$(DEV) $(BIN)/python tools/bench.py --database postgres

# Every hook of .pre-commit-config.yaml (django-upgrade, ruff, djLint) over
# every file, with the tools of this virtualenv.
lint: install
	PATH="$(CURDIR)/$(BIN):$$PATH" $(BIN)/pre-commit run --all-files --show-diff-on-failure

# django-stubs loads the settings: the development ones (no secret key needed).
typecheck: install
	$(DEV) $(BIN)/mypy

# The SQLite suite under coverage: prints the figure, fails under the floor
# ([tool.coverage.report] fail_under in pyproject.toml).
coverage:
	$(MAKE) test COVERAGE=1

# README's Production recipe, as written, in a fresh virtualenv (PostgreSQL).
production-recipe:
	PYTHON=$(PYTHON) bash .ci/production-recipe

format: install
	$(BIN)/ruff check --fix .
	$(BIN)/ruff format .

migrations-check: install
	$(DEV) $(BIN)/python manage.py makemigrations --check --dry-run

# What production must pass: no debug, a real key, https everywhere.
check-deploy: install
	DJANGO_SECRET_KEY=$$($(BIN)/python -c 'import secrets; print(secrets.token_urlsafe(50))') \
	DJANGO_SITE_URL=https://catalogue.example.org REDIS_URL=redis://127.0.0.1:6379/1 \
	$(BIN)/python manage.py check --deploy --fail-level WARNING

clean:
	rm -rf $(VENV) db.sqlite3 staticfiles .coverage tests/browser/node_modules
