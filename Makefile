# The two commands: `make run` and `make test`. Both work on a fresh clone with Python 3.11.
PYTHON ?= python3.11
VENV := .venv
BIN := $(VENV)/bin
FLASK := $(BIN)/flask --app app
HOST ?= 127.0.0.1
PORT ?= 5000

.PHONY: run test test-postgres install install-dev init-db demo-data bench relevance clean \
	lint lint-imports lint-types

$(BIN)/python:
	@command -v $(PYTHON) >/dev/null 2>&1 || { echo "Hittar inte $(PYTHON); ange PYTHON=/sökväg/till/python3.11"; exit 1; }
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

$(VENV)/.installed: requirements.txt | $(BIN)/python
	$(BIN)/pip install --quiet -r requirements.txt
	touch $@

$(VENV)/.installed-dev: requirements.txt requirements-dev.txt | $(BIN)/python
	$(BIN)/pip install --quiet -r requirements-dev.txt
	touch $(VENV)/.installed $@

install: $(VENV)/.installed
install-dev: $(VENV)/.installed-dev

init-db: install
	$(FLASK) init-db

demo-data: install
	$(FLASK) demo-data

run: install
	$(FLASK) demo-data
	$(FLASK) run --host $(HOST) --port $(PORT)

test: install-dev
	$(BIN)/python -m pytest $(PYTEST_ARGS)

# The same suite on a throw-away PostgreSQL server started from this machine's binaries.
test-postgres: install-dev
	@set -e; eval "$$(scripts/postgres-test-server.sh start)"; \
	trap 'scripts/postgres-test-server.sh stop "$$PG_TEST_DIR"' EXIT; \
	echo "== PostgreSQL: $$TEST_DATABASE_URL"; \
	TEST_DATABASE_URL=$$TEST_DATABASE_URL $(BIN)/python -m pytest $(PYTEST_ARGS)

bench: install-dev
	$(BIN)/python bench/search.py

# Search quality: nDCG@10 and recall@10 on graded queries, the app against a plain baseline.
relevance: install-dev
	$(BIN)/python bench/relevance.py $(RELEVANCE_ARGS)

# The static checks. (The ruff target joins here: lint: ruff lint-imports lint-types.)
lint: lint-imports lint-types

# Which way imports point (.importlinter): web -> domain -> models, no cycles, search and
# reports never import the exchange, the domain never imports Flask.
lint-imports: install-dev
	$(BIN)/lint-imports

# Types in knowledge/ (mypy.ini).
lint-types: install-dev
	$(BIN)/mypy knowledge

clean:
	rm -rf $(VENV) instance .pytest_cache
