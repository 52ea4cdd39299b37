# Two commands do everything on a fresh machine (Python 3.11, Node 20): `make run` and `make test`.
# Foundry (anvil, forge) and the Solidity compiler come from npm; Python packages from PyPI, into .venv.

PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
FORGE := node_modules/.bin/forge
STAMP_PY := $(VENV)/.installed
STAMP_NODE := node_modules/.installed

.PHONY: run test build install gas-snapshot clean

run: build
	$(PY) scripts/run_local.py

test: build
	$(FORGE) test --no-match-contract Gas
	$(FORGE) snapshot --isolate --match-contract Gas --check
	$(PY) -m registry.metadata --check
	$(PY) -m pytest -q

install: $(STAMP_PY) $(STAMP_NODE)

$(STAMP_NODE): package.json package-lock.json
	npm install --no-audit --no-fund
	touch $@

$(STAMP_PY): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e '.[test]'
	touch $@

# forge build, then the ABIs into the Python package (committed; a test checks they match the build).
build: install
	$(FORGE) build
	$(PY) -m registry.chain.abi

gas-snapshot: build
	$(FORGE) snapshot --isolate --match-contract Gas

clean:
	rm -rf out cache .datareg
