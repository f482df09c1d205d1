# Roughy: every target installs what it needs first, so each works on a fresh machine.
PYTHON ?= python3.11
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
JS_STAMP := tests/js/node_modules/.installed

.PHONY: setup run test lint check fmt bench clean

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[dev]'
	touch $(STAMP)

$(JS_STAMP): tests/js/package.json
	cd tests/js && npm install --no-audit --no-fund --silent
	touch $(JS_STAMP)

# The web app's browser tests drive Debian's chromium (no browser download at run time).
/usr/bin/chromium:
	apt-get update && DEBIAN_FRONTEND=noninteractive apt-get install -y chromium

setup: $(STAMP) $(JS_STAMP) /usr/bin/chromium

run: $(STAMP)
	$(BIN)/roughy serve

test: setup
	$(BIN)/pytest -q

lint: setup
	$(BIN)/ruff format --check src tests bench
	$(BIN)/ruff check src tests bench
	$(BIN)/mypy
	$(BIN)/lint-imports

check: lint test

fmt: $(STAMP)
	$(BIN)/ruff format src tests bench
	$(BIN)/ruff check --fix src tests bench

bench: setup
	$(BIN)/python bench/upload_throughput.py
	$(BIN)/python bench/render_speed.py
	$(BIN)/python -m bench.cut_quality

clean:
	rm -rf $(VENV) tests/js/node_modules test-artifacts
