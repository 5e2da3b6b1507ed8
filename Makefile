# Samverkansportalen: `make run` serves the portal with demo data, `make test` runs the suite.
# Both bootstrap .venv from the hash-pinned lock file on first use.

PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: run test lint format bench install lock messages db-stop clean

$(STAMP): requirements-dev.lock
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --require-hashes --no-deps -r requirements-dev.lock
	touch $(STAMP)

install: $(STAMP)

run: $(STAMP)
	$(BIN)/python -m portal.dev run

# The suite runs in TEST_PROCESSES pytest-xdist workers (0: in this process), each with its own
# test database and Redis database; the tests that hold many connections share one worker.
TEST_PROCESSES ?= 3

test: $(STAMP)
	$(BIN)/python -m portal.dev test -n $(TEST_PROCESSES) --dist loadgroup $(PYTEST_ARGS)

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy

format: $(STAMP)
	$(BIN)/ruff check --fix .
	$(BIN)/ruff format .

bench: $(STAMP)
	$(BIN)/python -m bench

# Regenerate the lock files after editing pyproject.toml (needs uv: pip install uv).
lock:
	uv pip compile pyproject.toml --generate-hashes --python-version 3.11 -o requirements.lock
	uv pip compile pyproject.toml --group dev --generate-hashes --python-version 3.11 -o requirements-dev.lock

# Extract translatable strings (needs GNU gettext); translate in locale/*/LC_MESSAGES/django.po.
messages: $(STAMP)
	$(BIN)/python manage.py makemessages -l sv -l en --no-obsolete --ignore=.venv --ignore=.data

# Stop the embedded PostgreSQL if a stray process left it running.
db-stop: $(STAMP)
	$(BIN)/python -m portal.dev db-stop

clean:
	rm -rf $(VENV) staticfiles .pytest_cache .ruff_cache .mypy_cache
