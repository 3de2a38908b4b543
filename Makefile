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

# The exact versions in requirements/lock-py<major><minor>.txt (Linux) when there is one for
# .venv's Python, installed with uv (from PyPI, about ten times quicker than pip); otherwise
# the newest versions pyproject.toml allows, with pip.
$(STAMP): pyproject.toml $(wildcard requirements/lock-py*.txt)
	@$(PYTHON) -c 'import sys; sys.exit(0 if sys.version_info >= (3, 11) else "Python 3.11 or newer is needed: run make with PYTHON=python3.11 (or newer).")'
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	@v=$$($(BIN)/python -c 'import sys; print("%d.%d" % sys.version_info[:2])'); \
	lock=requirements/lock-py$$(echo $$v | tr -d .).txt; \
	if [ "$$(uname -s)" = Linux ] && [ -f $$lock ]; then \
		echo "uv pip install -r $$lock, then the workbench itself (--no-deps -e .)"; \
		{ $(BIN)/python -m pip install --quiet "uv>=0.5,<1" && \
		  $(if $(PIP_CERT),SSL_CERT_FILE=$(PIP_CERT)) $(BIN)/uv pip install --quiet \
		    $(if $(PIP_INDEX_URL),--index-url $(PIP_INDEX_URL)) --python $(BIN)/python -r $$lock; } || \
		{ echo "uv could not install the lock: installing it with pip instead"; \
		  $(BIN)/python -m pip install --quiet -r $$lock; } && \
		$(BIN)/python -m pip install --quiet --no-deps -e .; \
	else \
		why="there is no $$lock"; [ "$$(uname -s)" = Linux ] || why="the lock files are made for Linux"; \
		echo "No lock for Python $$v on $$(uname -s) ($$why): installing the newest versions pyproject.toml allows"; \
		$(BIN)/python -m pip install --quiet --upgrade pip && $(BIN)/python -m pip install --quiet -e ".[dev]"; \
	fi
	$(BIN)/python -m ipykernel install --sys-prefix --name lscb --display-name "Python (LSCB workbench)"
	touch $(STAMP)

setup: $(STAMP) ## create .venv, install the workbench and register its Jupyter kernel

LOCK_PYTHONS := 3.11 3.12 3.13
.PHONY: lock
lock: ## refresh the exact versions in requirements/ (Python 3.11, 3.12, 3.13) from PyPI with uv
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	test -x $(BIN)/uv || $(BIN)/python -m pip install --quiet "uv>=0.5,<1"
	mkdir -p requirements
	@for v in $(LOCK_PYTHONS); do \
		f=requirements/lock-py$$(echo $$v | tr -d .).txt; echo "$$f"; \
		{ printf '%s\n' \
			"# Exact versions of the workbench's dependencies and its dev extra for Python $$v on Linux:" \
			"# make setup installs them from here. pyproject.toml keeps the compatible ranges." \
			"# Made by make lock (uv pip compile pyproject.toml --extra dev --python-version $$v" \
			"# --python-platform linux, from PyPI); run make lock again to refresh, not by hand." \
			"" && \
		$(BIN)/uv pip compile pyproject.toml --extra dev --python-version $$v --python-platform linux \
			--index-url https://pypi.org/simple --no-header --quiet; } > $$f.tmp && mv $$f.tmp $$f || exit 1; \
	done

data: setup ## build data/processed/ from the published statistics
	$(BIN)/lscb data build

demo: data ## synthetic demo returns, then the report pack (every notebook) for London's 33 boroughs
	$(BIN)/lscb demo-data
	@if [ -z "$$LSCB_PSEUDONYM_KEY" ] && [ ! -f "$${LSCB_PSEUDONYM_KEY_FILE:-$$HOME/.config/lscb/pseudonym.key}" ]; then \
		$(BIN)/lscb audit keygen; fi
	$(BIN)/lscb pack --boroughs london $(if $(JOBS),--jobs $(JOBS))
	@echo "Open reports/index.html"

test: setup ## run the whole test suite (what CI runs)
	$(BIN)/python -m pytest -n 2 --dist loadgroup

test-fast: setup ## the quick loop: every test that needs no Jupyter kernel and no demo pack
	$(BIN)/python -m pytest -n 2 --dist loadgroup -m "not slow"

lint: setup ## check the code: ruff rules and format, and the import contract (import-linter)
	$(BIN)/ruff check lscb_analysis tests notebooks benchmarks
	$(BIN)/ruff format --check lscb_analysis tests benchmarks
	$(BIN)/lint-imports

format: setup ## format the code with ruff
	$(BIN)/ruff format lscb_analysis tests benchmarks

bench: data ## time report packs (naive, cold, incremental, floor): benchmarks/results.md
	$(BIN)/python benchmarks/run_benchmarks.py

clean: ## delete rebuildable outputs (data/processed/ and reports/)
	find data/processed reports -mindepth 1 ! -name .gitkeep ! -name README.md -delete
