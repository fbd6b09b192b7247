# The two commands a newcomer needs: `make run` and `make test`.
# Both create .venv and install everything pinned in constraints.txt.

PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed
PACKAGES := -e shared -e services/billing -e services/dunning -e services/pause -e simulator
PYTEST_ARGS ?=
# Tests run in two worker processes: most of their time is spent waiting on processes,
# brokers and databases, each test makes its own, and so two share these 2-core machines
# well. TEST_WORKERS=0 runs them in this process.
TEST_WORKERS ?= 2
# The official AsyncAPI parser (npm, pinned in tools/asyncapi/package-lock.json), which a
# test runs over contracts/asyncapi.json. Without npm it is not installed and that test
# skips, except in CI (REQUIRE_REAL_SERVICES=1), where it fails.
ASYNCAPI_DIR   := tools/asyncapi
ASYNCAPI_STAMP := $(ASYNCAPI_DIR)/node_modules/.installed
# axe-core (npm, pinned in tools/axe/package-lock.json), which the browser tests run in
# Chromium over the portal and the dashboard; without npm those checks skip, except in CI.
AXE_DIR   := tools/axe
AXE_STAMP := $(AXE_DIR)/node_modules/.installed
# What `make lint` type-checks: every package's code and every test.
TYPED := shared/src services/billing/src services/dunning/src services/pause/src simulator/src \
	shared/tests services/billing/tests services/dunning/tests services/pause/tests simulator/tests \
	tests benchmarks examples conftest.py

.PHONY: install run test lint format schemas messages check-asyncapi bench simulate clean

$(STAMP): constraints.txt requirements-dev.txt shared/pyproject.toml services/*/pyproject.toml simulator/pyproject.toml
	@$(PYTHON) -c 'import sys; sys.exit(0 if sys.version_info >= (3, 11) else "Python 3.11 or newer is needed (set PYTHON=python3.x)")'
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -c constraints.txt -r requirements-dev.txt $(PACKAGES)
	@touch $(STAMP)

$(ASYNCAPI_STAMP): $(ASYNCAPI_DIR)/package.json $(ASYNCAPI_DIR)/package-lock.json
	@if command -v npm >/dev/null 2>&1; then \
		npm ci --prefix $(ASYNCAPI_DIR) --no-audit --no-fund --loglevel=error && touch $@; \
	else \
		echo "npm not found: the AsyncAPI parser check will skip (CI installs Node.js and npm)"; \
	fi

$(AXE_STAMP): $(AXE_DIR)/package.json $(AXE_DIR)/package-lock.json
	@if command -v npm >/dev/null 2>&1; then \
		npm ci --prefix $(AXE_DIR) --no-audit --no-fund --loglevel=error && touch $@; \
	else \
		echo "npm not found: the accessibility checks will skip (CI installs Node.js and npm)"; \
	fi

install: $(STAMP)

run: $(STAMP)
	$(BIN)/python -m shared.stack

test: $(STAMP) $(ASYNCAPI_STAMP) $(AXE_STAMP)
	$(BIN)/python -m pytest -n $(TEST_WORKERS) --dist worksteal $(PYTEST_ARGS)

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy $(TYPED)

format: $(STAMP)
	$(BIN)/ruff check --fix .
	$(BIN)/ruff format .

schemas: $(STAMP)  ## JSON Schemas and the AsyncAPI document, from the code
	$(BIN)/python -m shared.contracts.export contracts/schemas

CATALOGUES := shared/src/shared/i18n/catalogues
messages: $(STAMP)  ## the catalogues' template from the code and templates, merged into every language's .po
	$(BIN)/pybabel extract -F babel.cfg --no-location --sort-output --project beach \
		-k t -k N_ -k page -o $(CATALOGUES)/messages.pot .
	$(BIN)/pybabel update -i $(CATALOGUES)/messages.pot -d $(CATALOGUES) --no-fuzzy-matching --ignore-obsolete --width 100

check-asyncapi: $(ASYNCAPI_STAMP)  ## the official AsyncAPI parser over contracts/asyncapi.json
	node $(ASYNCAPI_DIR)/validate.cjs contracts/asyncapi.json

BENCH_ARGS ?=
bench: $(STAMP)  ## messaging path and billing run (PostgreSQL at 127.0.0.1:5432 or BENCH_DATABASE_URL); see docs/benchmarks.md
	$(BIN)/python -m benchmarks $(BENCH_ARGS)

SIMULATE_ARGS ?= --engine model --customers 10000 --months 12 --seeds 3
simulate: $(STAMP)  ## compare dunning policies on a synthetic subscriber base (see README, Simulator)
	$(BIN)/simulate $(SIMULATE_ARGS)

clean:
	rm -rf $(VENV) var .pytest_cache .mypy_cache .ruff_cache $(ASYNCAPI_DIR)/node_modules $(AXE_DIR)/node_modules
