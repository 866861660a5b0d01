# Set-up and entry points. Both `run` and `test` create the virtual
# environment and install everything from this repository's own files.
PYTHON ?= python3
VENV ?= .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed-stamp

.PHONY: install run demo test lint typecheck unit integration bench clean

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e '.[dev]'
	touch $(STAMP)

install: $(STAMP)

## make run: set up, migrate the store and run the platform on embedded defaults.
run: install
	$(VENV)/bin/madlab db upgrade
	$(VENV)/bin/madlab demo

demo: run

lint: install
	$(VENV)/bin/ruff check madlab tests benchmarks
	$(VENV)/bin/ruff format --check madlab tests benchmarks

typecheck: install
	$(VENV)/bin/mypy

## make test: set up and pass every test, with coverage of the core library.
test: install lint typecheck
	$(PY) -m pytest --cov=madlab --cov-report=term --cov-fail-under=90 tests

unit: install
	$(PY) -m pytest tests/unit

integration: install
	$(PY) -m pytest tests/integration

## make bench: the full benchmarks (not run in CI); results go to benchmarks/results/.
bench: install
	$(PY) benchmarks/map_reuse.py

clean:
	rm -rf $(VENV) .pytest_cache .mypy_cache .ruff_cache .coverage
