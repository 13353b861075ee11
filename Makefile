# The two commands: `make demo` (set up, sample data, run the pipeline) and `make test`.
PYTHON ?= python3.11
VENV := .venv
BIN := $(VENV)/bin

export SEGMENTATION_LANDING_DIR ?= $(CURDIR)/data/landing
export SEGMENTATION_DUCKDB_PATH ?= $(CURDIR)/data/warehouse.duckdb
export DAGSTER_HOME ?= $(CURDIR)/data/dagster_home

.PHONY: demo test test-fast lint lint-check install sample-data run ui bench browser clean

demo: install sample-data run

install: $(VENV)/.installed

$(VENV)/.installed: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e ".[dev]"
	touch $@

sample-data: install
	$(BIN)/segmentation sample-data --out data --scale small --seed 42

run: install
	$(BIN)/segmentation run

ui: install
	$(BIN)/python -m segmentation_assets.ui --host 127.0.0.1 --port 3000

# The whole suite, as CI runs it: the lint and format gates first, then every test.
test: install browser lint-check
	$(BIN)/python -m pytest -q $(PYTEST_ARGS)

# The edit-test loop: everything but the whole-graph runs and the browser test.
test-fast: install
	$(BIN)/python -m pytest -q -m "not pipeline and not ui" $(PYTEST_ARGS)

# Fails on a lint error or an unformatted file (Python: ruff; dbt SQL: sqlfluff).
lint-check: install
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/sqlfluff lint dbt_project

# Fixes what can be fixed automatically, then reports what is left.
lint: install
	$(BIN)/ruff check --fix .
	$(BIN)/ruff format .
	-$(BIN)/sqlfluff fix dbt_project
	$(MAKE) lint-check

bench: install
	$(BIN)/segmentation bench --scale large

# The UI tests drive Debian's headless Chromium; install it when missing and possible.
browser:
	@command -v chromium >/dev/null 2>&1 || { \
	  if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then \
	    echo "installing Debian's chromium for the UI tests"; \
	    (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null) \
	      || echo "could not install chromium: UI tests will fail"; \
	  else echo "chromium missing and cannot be installed here: UI tests will fail"; fi; }

clean:
	rm -rf data/warehouse.duckdb* data/dagster_home dbt_project/target dbt_project/logs
