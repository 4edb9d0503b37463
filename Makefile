# Counterflow: `make demo` sets up and runs the main job; `make test` runs the tests.
PY ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
SHARED ?= ../shared/data
export COUNTERFLOW_HOME ?= $(HOME)/.local/share/counterflow

$(BIN)/counterflow: pyproject.toml
	$(PY) -m venv $(VENV)
	$(BIN)/pip install -q --upgrade pip
	$(BIN)/pip install -q -e '.[dev]'
	touch $@

# the matcher's hot path compiled with mypyc (match/native.py); quick when current, and
# plain Python where no C compiler is found
setup: $(BIN)/counterflow
	$(BIN)/python -m counterflow.match.native_build --if-possible

demo: setup
	$(BIN)/counterflow lists load $(SHARED)/lists
	$(BIN)/counterflow lists status
	$(BIN)/counterflow screen parties examples/parties.csv -o /tmp/counterflow-demo-hits.csv
	@echo "hits written to /tmp/counterflow-demo-hits.csv"

test: setup
	$(BIN)/pytest -n 2

lint: setup
	$(BIN)/ruff check src tests benchmarks
	$(BIN)/ruff format --check src tests benchmarks
	$(BIN)/mypy
	$(BIN)/lint-imports

bench: setup
	$(BIN)/pip install -q -e '.[dev,bench]'
	$(BIN)/python benchmarks/run_all.py

.PHONY: setup demo test lint bench
