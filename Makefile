# `make run` and `make test` each bring their own virtualenv.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: run test lint typecheck pytest contract schemathesis install-check openapi bench clean

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[dev]'
	touch $(STAMP)

## run: migrate the SQLite default, load demo data into an empty database, serve on :8000
run: $(STAMP)
	$(BIN)/samstyre migrate
	$(BIN)/samstyre seed-demo --if-empty
	$(BIN)/samstyre serve --host 127.0.0.1 --port 8000

## test: every quality gate: ruff, mypy strict, pytest on SQLite and PostgreSQL, schemathesis,
## and the production install (wheel without extras, fresh virtualenv) serving over HTTP
test: lint typecheck contract consumers schemathesis pytest install-check

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

typecheck: $(STAMP)
	$(BIN)/mypy

contract: $(STAMP)
	$(BIN)/samstyre openapi --check

## consumers: the committed contract as its consumers read it: openapi-typescript + tsc --strict
## over an openapi-fetch client (tests/consumers/client.ts), and Redocly's recommended lint
## (0 errors); npm packages pinned in tests/consumers/package-lock.json, installed by `npm ci`
CONSUMERS := tests/consumers
consumers: $(CONSUMERS)/node_modules/.installed
	cd $(CONSUMERS) && npm run --silent check

$(CONSUMERS)/node_modules/.installed: $(CONSUMERS)/package.json $(CONSUMERS)/package-lock.json
	cd $(CONSUMERS) && npm ci --no-audit --no-fund
	touch $@

pytest: $(STAMP)
	$(BIN)/pytest -n 2 -q

schemathesis: $(STAMP)
	$(BIN)/python tests/contract/run_schemathesis.py --database sqlite
	$(BIN)/python tests/contract/run_schemathesis.py --database postgresql

## install-check: build the wheel, install it without extras into a fresh virtualenv, migrate,
## seed, serve with its uvicorn and fetch a list, a contact and a calendar feed
install-check: $(STAMP)
	$(BIN)/python -m tests.install.check_install

openapi: $(STAMP)
	$(BIN)/samstyre openapi --write

bench: $(STAMP)
	$(BIN)/python bench/run.py

clean:
	rm -rf $(VENV) var .mypy_cache .pytest_cache .ruff_cache
