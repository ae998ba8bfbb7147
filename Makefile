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

.PHONY: install browser-deps run test test-postgres lint format migrations-check check-deploy clean bench

$(INSTALLED): pyproject.toml
	@$(PYTHON) -c 'import sys; sys.exit(sys.version_info < (3, 11) and "Python 3.11 or newer is needed (set PYTHON=python3.x)")'
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e ".[test]"
	touch $(INSTALLED)

install: $(INSTALLED)

# axe-core for tests/browser (Chromium itself comes from Debian: apt-get install
# chromium). Without it the browser tests skip on a developer's machine, fail in CI.
browser-deps:
	npm ci --prefix tests/browser --no-audit --no-fund

run: install
	$(DEV) $(BIN)/python manage.py migrate --noinput
	$(DEV) $(BIN)/python manage.py setup_demo
	$(DEV) $(BIN)/python manage.py runserver 127.0.0.1:8000

test: install
	$(BIN)/python -m pytest

# The same suite against PostgreSQL (pytest-django creates its own test database).
test-postgres: install
	EXPECT_POSTGRES=1 DATABASE_URL=$(TEST_POSTGRES_URL) $(BIN)/python -m pytest

# The load benchmark (minutes; needs wrk and PostgreSQL): see README, Performance.
bench: install
	$(DEV) $(BIN)/python manage.py bench --database postgres

lint: install
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

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
	rm -rf $(VENV) db.sqlite3 staticfiles tests/browser/node_modules
