# LSCB datasets workbench. `make demo` and `make test` do all set-up themselves.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
JOBS ?=

.DEFAULT_GOAL := help
.PHONY: help setup data demo test test-fast lint format bench clean

help: ## list the targets
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk 'BEGIN {FS = ":.*## "}; {printf "  make %-9s %s\n", $$1, $$2}'

$(STAMP): pyproject.toml
	@$(PYTHON) -c 'import sys; sys.exit(0 if sys.version_info >= (3, 11) else "Python 3.11 or newer is needed: run make with PYTHON=python3.11 (or newer).")'
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e ".[dev]"
	$(BIN)/python -m ipykernel install --sys-prefix --name lscb --display-name "Python (LSCB workbench)"
	touch $(STAMP)

setup: $(STAMP) ## create .venv, install the workbench and register its Jupyter kernel

data: setup ## build data/processed/ from the published statistics
	$(BIN)/lscb data build

demo: data ## synthetic demo returns, then the report pack (every notebook) for London's 33 boroughs
	$(BIN)/lscb demo-data
	@if [ -z "$$LSCB_PSEUDONYM_KEY" ] && [ ! -f "$${LSCB_PSEUDONYM_KEY_FILE:-$$HOME/.config/lscb/pseudonym.key}" ]; then \
		$(BIN)/lscb audit keygen; fi
	$(BIN)/lscb pack --boroughs london $(if $(JOBS),--jobs $(JOBS))
	@echo "Open reports/index.html"

test: setup ## run the whole test suite (what CI runs)
	$(BIN)/python -m pytest -n 2

test-fast: setup ## the quick loop: every test that needs no Jupyter kernel and no demo pack
	$(BIN)/python -m pytest -n 2 -m "not slow"

lint: setup ## check the code: ruff rules and format, and the import contract (import-linter)
	$(BIN)/ruff check lscb_analysis tests notebooks benchmarks
	$(BIN)/ruff format --check lscb_analysis tests notebooks benchmarks
	$(BIN)/lint-imports

format: setup ## format the code with ruff
	$(BIN)/ruff format lscb_analysis tests notebooks benchmarks

bench: data ## time report packs (naive, cold, incremental, floor): benchmarks/results.md
	$(BIN)/python benchmarks/run_benchmarks.py

clean: ## delete rebuildable outputs (data/processed/ and reports/)
	find data/processed reports -mindepth 1 ! -name .gitkeep ! -name README.md -delete
