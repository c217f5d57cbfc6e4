# scaffold: `make demo` runs the main job, `make test` runs everything CI runs.
.DEFAULT_GOAL := help
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
BIN := $(CURDIR)/$(VENV)/bin
DEMO := demo
# The templates of templates/catalog.yml (read when `make demo` needs them, after setup).
TEMPLATES = $(shell $(BIN)/python -c 'from scaffold.catalog import load_catalog; print(*load_catalog().templates)')
PYTEST_ARGS ?=

.PHONY: help setup lint test test-fast test-unit bench demo clean

help: ## List the tasks
	@grep -E '^[a-zA-Z_-]+:.*?## ' $(MAKEFILE_LIST) | awk 'BEGIN {FS = ":.*?## "}; {printf "  %-10s %s\n", $$1, $$2}'

$(VENV)/.installed: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --disable-pip-version-check uv
	$(BIN)/uv pip install --quiet --compile-bytecode --python $(BIN)/python -e '.[dev]'
	@touch $@

setup: $(VENV)/.installed ## Create .venv with scaffold and its dev tools

lint: setup ## ruff, ruff format and mypy --strict on scaffold itself (src, tests, bench, tools)
	$(BIN)/ruff check src tests bench tools
	$(BIN)/ruff format --check src tests bench tools
	$(BIN)/mypy

test: lint ## Lint, then the whole suite: unit, template matrix, end-to-end
	PATH="$(BIN):$$PATH" $(BIN)/pytest -n 2 --dist worksteal -p no:cacheprovider --durations=20 $(PYTEST_ARGS)

test-fast: setup ## Unit and template tests only (no end-to-end installs)
	$(BIN)/pytest -n 2 --dist worksteal -p no:cacheprovider -m "not e2e" $(PYTEST_ARGS)

test-unit: setup ## Fast unit tests only: no template render, no end-to-end install
	$(BIN)/pytest -n 2 -p no:cacheprovider -m "not integration and not e2e" $(PYTEST_ARGS)

bench: setup ## Benchmarks: start-up, render, update and cohort speed
	PATH="$(BIN):$$PATH" $(BIN)/python bench/bench_cli.py
	PATH="$(BIN):$$PATH" $(BIN)/python bench/bench_update.py
	PATH="$(BIN):$$PATH" $(BIN)/python bench/bench_cohort.py

demo: setup ## Generate one repo per template into demo/ and run each one's tests
	@rm -rf $(DEMO) && mkdir -p $(DEMO)
	@set -e; for t in $(TEMPLATES); do \
	  echo "==> scaffold new $$t $(DEMO)/$$t-demo --defaults"; \
	  CI=true $(BIN)/scaffold new $$t $(DEMO)/$$t-demo --defaults --domain healthcare --deploy docker; \
	  echo "==> make test in $(DEMO)/$$t-demo"; \
	  env -u VIRTUAL_ENV PATH="$(BIN):$$PATH" PYTHON=$(BIN)/python $(MAKE) --no-print-directory -C $(DEMO)/$$t-demo setup test; \
	done
	@echo "Demo repos are in $(DEMO)/: cd into one and try 'make run'."

clean: ## Remove the venv, caches and demo output
	rm -rf $(VENV) $(DEMO) .pytest_cache .mypy_cache .ruff_cache build dist
