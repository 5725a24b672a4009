# Robotkontor: `make run` starts everything, `make test` runs the suite. See README.md.
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
INSTALLED := $(VENV)/.installed
NODE_INSTALLED := node_modules/.installed

.PHONY: install run test test-slow test-integration test-all lint format bench static messages clean-data

$(INSTALLED): pyproject.toml
	@$(PYTHON) -c 'import sys; assert sys.version_info >= (3, 11), "Python 3.11+ is needed"'
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e ".[dev]"
	touch $@

$(NODE_INSTALLED): package.json package-lock.json
	npm ci --no-audit --no-fund --loglevel=error
	touch $@

install: $(INSTALLED) $(NODE_INSTALLED)

static: install
	$(PY) manage.py collectstatic --noinput --verbosity 0

run: static
	$(PY) -m config.run

# Test lanes (docs/testing.md). The slow lane: browsers, processes, package installs, the
# API fuzzed.
SLOW_LANE := browser or worker or process or fuzz
# One pytest process per core (pytest-xdist), each test file on one of them, each process on
# its own test database. Extra options: `make test PYTEST_ARGS="-n 0 -x tests/billing"`.
PYTEST_ARGS ?=
PYTEST := $(PY) -m pytest --numprocesses auto --dist loadfile $(PYTEST_ARGS)

test: install
	$(PYTEST) -m "not ($(SLOW_LANE))"

test-slow: install
	bash platform/scripts/ensure-chromium.sh
	$(PYTEST) -m "$(SLOW_LANE)"

test-integration: install
	$(PYTEST) -m integration

test-all: install
	bash platform/scripts/ensure-chromium.sh
	$(PYTEST)

lint: $(INSTALLED)
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	$(VENV)/bin/lint-imports

format: $(INSTALLED)
	$(VENV)/bin/ruff check --fix .
	$(VENV)/bin/ruff format .

bench: install
	$(PY) -m bench

messages: $(INSTALLED)
	$(PY) manage.py makemessages --locale da --no-location --ignore '.venv/*' --ignore 'node_modules/*'
	$(PY) manage.py compilemessages --locale da --ignore '.venv/*'
