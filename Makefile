# newsboard: `make run` serves the demo board, `make test` runs the whole suite.
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
PORT ?= 8000
STAMP := $(VENV)/.installed

# Development settings for run and test, even in a shell that exported
# DEBUG=0 for a deploy; bench and loadtest set DEBUG=0 themselves.
export DEBUG := 1

.PHONY: run test lint format bench loadtest clean

$(PY):
	$(PYTHON) -m venv $(VENV)

# Reinstall only when pyproject.toml changes.
$(STAMP): pyproject.toml | $(PY)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e ".[dev]"
	touch $(STAMP)

# The demo always runs on its own SQLite file, even in a shell that exported
# a deploy's settings: it must never load demo posts into a real database.
DEMO := env -u DATABASE_URL -u DATABASE_REPLICA_URL -u REDIS_URL -u ALLOWED_HOSTS $(PY)

run: $(STAMP)
	$(DEMO) manage.py migrate --noinput
	$(DEMO) manage.py load_demo
	$(DEMO) manage.py runserver 127.0.0.1:$(PORT)

test: $(STAMP)
	$(PY) -m pytest $(PYTEST_ARGS)

lint: $(STAMP)
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .

format: $(STAMP)
	$(VENV)/bin/ruff check --fix .
	$(VENV)/bin/ruff format .

clean:
	rm -rf $(VENV) staticfiles .pytest_cache

# Not part of `make test`: builds (once) and reuses a 1,000,000-post PostgreSQL
# database, then writes docs/benchmarks.md. BENCH_POSTS changes the size.
bench: $(STAMP)
	DEBUG=0 $(PY) bench/run.py

# Not part of `make test`: mixed load against gunicorn on loopback, then the
# same with PostgreSQL restarted halfway (needs `make bench`'s database and root).
loadtest: $(STAMP)
	mkdir -p test-artifacts
	DEBUG=0 $(PY) bench/loadtest.py
