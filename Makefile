# Two commands matter: `make run` and `make test`. Both install whatever is
# missing first: a virtualenv in .venv with the project, its dev tools and
# torch (pinned: an unpinned torch pulls a multi-GB CUDA build), Debian's
# graphviz when `dot` is not on the PATH, the JavaScript and CSS linters in
# node_modules (npm ci, from package-lock.json), Debian's chromium (which
# the web page's tests drive through Playwright) when it is missing, and
# Debian's php-cli (whose fgetcsv reads the Moodle CSV back) when `php` is.

SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
WHEELS := /opt/wheels
PIP_FLAGS := --quiet --disable-pip-version-check $(if $(wildcard $(WHEELS)),--find-links $(WHEELS))

HOST ?= 127.0.0.1
PORT ?= 8000

.PHONY: run test lint setup graphviz chromium php schema bench clean

run: setup
	$(BIN)/syllabus check
	$(BIN)/syllabus serve --host $(HOST) --port $(PORT)

test: setup
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	npx --no-install eslint api/web
	npx --no-install stylelint "api/web/**/*.css"
	$(BIN)/mypy
	$(BIN)/syllabus schema --check
	$(BIN)/pytest

lint: setup
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	npx --no-install eslint api/web
	npx --no-install stylelint "api/web/**/*.css"
	$(BIN)/mypy

schema: setup
	$(BIN)/syllabus schema

bench: setup
	$(BIN)/python bench/load.py
	$(BIN)/python bench/plan.py
	$(BIN)/python bench/demos.py
	$(BIN)/python bench/api.py

setup: $(STAMP) node_modules/.installed graphviz chromium php

$(STAMP): pyproject.toml
	@$(PYTHON) -c 'import sys; sys.exit(sys.version_info < (3, 11))' || \
	  { echo "Syllabus needs Python 3.11 or newer; set PYTHON=python3.11" >&2; exit 1; }
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install $(PIP_FLAGS) -e '.[dev,demos]'
	@touch $(STAMP)

# The JavaScript and CSS linters and DOMPurify (which the page serves), exactly as the lock file pins them.
node_modules/.installed: package.json package-lock.json
	@command -v npm >/dev/null 2>&1 || { echo "npm is missing: install Node.js 20.19 or newer" >&2; exit 1; }
	npm ci --no-audit --no-fund
	@touch $@

graphviz:
	@command -v dot >/dev/null 2>&1 || { \
	  if [ "$$(id -u)" = 0 ]; then SUDO=; \
	  elif sudo -n true 2>/dev/null; then SUDO="sudo -n"; \
	  else echo "graphviz is missing: install it with 'apt-get install -y graphviz' as root" >&2; exit 1; fi; \
	  echo "installing graphviz (dot) with apt-get"; \
	  $$SUDO apt-get update -q && DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -q graphviz; }

# The tests use Debian's Chromium; never `playwright install` (it downloads its own browser).
chromium:
	@test -x /usr/bin/chromium || command -v chromium >/dev/null 2>&1 || { \
	  if [ "$$(id -u)" = 0 ]; then SUDO=; \
	  elif sudo -n true 2>/dev/null; then SUDO="sudo -n"; \
	  else echo "chromium is missing: install it with 'apt-get install -y chromium chromium-driver' as root" >&2; exit 1; fi; \
	  echo "installing chromium with apt-get (for the web page's tests)"; \
	  $$SUDO apt-get update -q && DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -q chromium chromium-driver; }

# The Moodle CSV's tests read it back with PHP's fgetcsv, as Moodle's importer does.
php:
	@command -v php >/dev/null 2>&1 || { \
	  if [ "$$(id -u)" = 0 ]; then SUDO=; \
	  elif sudo -n true 2>/dev/null; then SUDO="sudo -n"; \
	  else echo "php is missing: install it with 'apt-get install -y --no-install-recommends php-cli' as root" >&2; exit 1; fi; \
	  echo "installing php (php-cli) with apt-get (for the Moodle CSV's tests)"; \
	  $$SUDO apt-get update -q && DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -q --no-install-recommends php-cli; }

clean:
	rm -rf $(VENV) node_modules .pytest_cache .ruff_cache .hypothesis *.egg-info bench/.data artifacts
