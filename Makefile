# Set-up and entry points. Both `run` and `test` create the virtual
# environment and install everything from this repository's own files.
PYTHON ?= python3
VENV ?= .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed-stamp
# Reference libraries (libmolgrid, gninatorch) for the CNN scorer's comparison test.
REF_VENV ?= .venv-molgrid
REF_STAMP := $(REF_VENV)/.installed-stamp

.PHONY: install reference-env node-deps browser run demo test lint typecheck unit integration bench clean

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e '.[dev,cnn]'
	# editable installs skip data files: enable the server extension by hand
	mkdir -p $(VENV)/etc/jupyter/jupyter_server_config.d
	cp jupyter-config/jupyter_server_config.d/*.json $(VENV)/etc/jupyter/jupyter_server_config.d/
	cp jupyter-config/voila.json $(VENV)/etc/jupyter/
	touch $(STAMP)

install: $(STAMP)

$(REF_STAMP): requirements-molgrid.txt
	$(PYTHON) -m venv $(REF_VENV)
	$(REF_VENV)/bin/python -m pip install --quiet --upgrade pip
	$(REF_VENV)/bin/python -m pip install --quiet -r requirements-molgrid.txt
	touch $(REF_STAMP)

reference-env: $(REF_STAMP)

# Node tools from package-lock.json: JupyterHub's configurable-http-proxy and
# playwright-core (driving Debian's Chromium; no browser is downloaded).
NODE_STAMP := node_modules/.installed-stamp
$(NODE_STAMP): package.json package-lock.json
	npm ci --no-audit --no-fund --loglevel=error
	touch $(NODE_STAMP)

node-deps: $(NODE_STAMP)

# Headless Chromium for the browser tests, from Debian's packages.
CHROMIUM ?= /usr/bin/chromium
browser: node-deps
	@test -x $(CHROMIUM) || { \
	  export DEBIAN_FRONTEND=noninteractive; \
	  apt-get install -y -q chromium chromium-driver >/dev/null 2>&1 || \
	  { apt-get update -q >/dev/null && apt-get install -y -q chromium chromium-driver >/dev/null; }; }
	@test -x $(CHROMIUM) || { echo "Chromium is missing: install Debian's chromium package (or set CHROMIUM=)"; exit 1; }

## make run: set up, migrate the store and start the multi-tenant hub on embedded
## defaults (SQLite, embedded workers) at http://127.0.0.1:8000, in the foreground.
## The madlab service gets every MADLAB_* variable set here (distributed mode: README).
run: install node-deps
	$(VENV)/bin/madlab db upgrade
	@echo ""
	@echo "madlab on JupyterHub: http://127.0.0.1:8000  (Ctrl-C stops it)"
	@echo "  organization alpha: alice / alice-demo (admin), bob / bob-demo"
	@echo "  organization beta:  carol / carol-demo"
	@echo "  hub admin, admin of both: admin / admin-demo"
	@echo "  API: http://127.0.0.1:8000/services/madlab/madlab/api/v1/  (browser: open /services/madlab/login once)"
	@echo ""
	$(VENV)/bin/jupyterhub -f hub-config/jupyterhub_config.py

## make demo: the one-shot command-line example (redocks imatinib into 1IEP).
demo: install
	$(VENV)/bin/madlab db upgrade
	$(VENV)/bin/madlab demo

lint: install
	$(VENV)/bin/ruff check madlab extensions tests benchmarks
	$(VENV)/bin/ruff format --check madlab extensions tests benchmarks

typecheck: install
	$(VENV)/bin/mypy

## make test: set up and pass every test, with coverage of the core library.
test: install reference-env browser lint typecheck
	$(PY) -m pytest --cov=madlab --cov-report=term --cov-fail-under=90 tests

unit: install
	$(PY) -m pytest tests/unit

integration: install reference-env
	$(PY) -m pytest tests/integration

## make bench: the full benchmarks (not run in CI); results go to benchmarks/results/.
bench: install
	$(PY) benchmarks/map_reuse.py
	$(PY) benchmarks/runtime_submit.py
	$(PY) benchmarks/runtime_celery.py
	$(PY) benchmarks/runtime_overhead.py
	$(PY) benchmarks/api_latency.py
	$(PY) benchmarks/sidechain_repair.py
	$(PY) benchmarks/screen.py
	$(PY) benchmarks/redock.py

clean:
	rm -rf $(VENV) $(REF_VENV) .pytest_cache .mypy_cache .ruff_cache .coverage
