# Two commands: `make demo` runs the product, `make test` runs the whole suite.
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
WIDGET_PORT ?= 5000
STORE_PORT ?= 5001

.PHONY: demo cli test lint format bench browser wrk clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip

# Re-install when pyproject.toml changes.
$(VENV)/.installed: pyproject.toml | $(BIN)/python
	$(BIN)/pip install --quiet -e .
	touch $@

$(VENV)/.installed-test: pyproject.toml | $(BIN)/python
	$(BIN)/pip install --quiet -e ".[test]"
	touch $@ $(VENV)/.installed

demo: $(VENV)/.installed
	DOTS_DEMO=1 $(BIN)/python scripts/demo.py --widget-port $(WIDGET_PORT) --store-port $(STORE_PORT)

# The command line, on the demo's data when the demo ran: make cli ARGS='brand list'
cli: $(VENV)/.installed
	$(BIN)/widget-server $(ARGS)

# Browser tests drive Debian's Chromium (Playwright cannot download browsers here).
browser:
	@command -v chromium >/dev/null 2>&1 || { \
	  echo "Chromium is missing: installing Debian's chromium package for the browser tests."; \
	  SUDO=$$( [ "$$(id -u)" = 0 ] || echo sudo ); \
	  $$SUDO apt-get update -qq && $$SUDO apt-get install -y -qq chromium >/dev/null; }

lint: $(VENV)/.installed-test
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

format: $(VENV)/.installed-test
	$(BIN)/ruff format .
	$(BIN)/ruff check --fix .

# The suite on two pytest-xdist workers (a PostgreSQL database and a Redis database
# each); PYTEST_WORKERS=0 runs it serially in one process.
PYTEST_WORKERS ?= 2

test: $(VENV)/.installed-test browser lint
	$(BIN)/pytest -n $(PYTEST_WORKERS) --dist loadgroup $(PYTEST_ARGS)

# The throughput bench drives the servers with Debian's wrk.
wrk:
	@command -v wrk >/dev/null 2>&1 || { \
	  echo "wrk is missing: installing Debian's wrk package for the throughput bench."; \
	  SUDO=$$( [ "$$(id -u)" = 0 ] || echo sudo ); \
	  $$SUDO apt-get update -qq && $$SUDO apt-get install -y -qq wrk >/dev/null; }

# BENCH_ARGS='--only throughput' runs the throughput section alone.
bench: $(VENV)/.installed-test browser wrk
	$(BIN)/python -m bench $(BENCH_ARGS)

clean:
	rm -rf $(VENV) instance .pytest_cache .ruff_cache
