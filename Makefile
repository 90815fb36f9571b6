# Every target creates .venv from the pinned lock files when it is missing.
PY ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-dev

.PHONY: demo test bench lint install clean

$(BIN)/python:
	$(PY) -m venv $(VENV)
	$(BIN)/pip install --quiet --disable-pip-version-check uv==0.13.9

$(VENV)/.installed-base: $(BIN)/python requirements/base.lock pyproject.toml
	$(BIN)/uv pip install --quiet -p $(BIN)/python -r requirements/base.lock
	$(BIN)/uv pip install --quiet -p $(BIN)/python --no-deps -e .
	touch $@

$(STAMP): $(VENV)/.installed-base requirements/dev.lock
	$(BIN)/uv pip install --quiet -p $(BIN)/python -r requirements/dev.lock
	touch $@

install: $(VENV)/.installed-base

demo: $(VENV)/.installed-base
	$(BIN)/leadflow demo

test: $(STAMP)
	./scripts/ensure-services
	$(BIN)/python -m pytest -n 2 --dist loadgroup $(PYTEST_ARGS)

bench: $(STAMP)
	./scripts/ensure-services
	$(BIN)/python benchmarks/run_all.py

lint: $(STAMP)
	$(BIN)/ruff check src tests benchmarks
	$(BIN)/ruff format --check src tests benchmarks
	$(BIN)/mypy src

clean:
	rm -rf $(VENV) leadflow-demo.db test-artifacts
