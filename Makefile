# Two commands do everything on a fresh machine (Python 3.11, Node 20): `make run` and `make test`.
# Foundry (anvil, forge) and the Solidity compiler come from npm; Python packages from PyPI, into .venv.

PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
FORGE := node_modules/.bin/forge
STAMP_PY := $(VENV)/.installed
STAMP_NODE := node_modules/.installed

.PHONY: run test test-fast lint test-security build install gas-snapshot clean

run: build
	$(PY) scripts/run_local.py

# FOUNDRY_PROFILE for the contracts' tests: `make test FUZZ_PROFILE=ci` (as .ci/run does) runs the CI profile's
# fuzz runs (foundry.toml). The gas snapshot keeps the default profile: its figures are checked against a file.
FUZZ_PROFILE ?= default

# DATAREG_REQUIRE_POSTGRES=1: a PostgreSQL test without a server fails here instead of being skipped.
test: build lint
	FOUNDRY_PROFILE=$(FUZZ_PROFILE) $(FORGE) test --no-match-contract Gas
	$(FORGE) snapshot --isolate --match-contract Gas --check
	$(PY) -m registry.metadata --check
	DATAREG_REQUIRE_POSTGRES=1 $(PY) -m pytest -q

# The fast layer: no anvil, no indexer thread, no API server (tests/layers.py); under a minute.
test-fast:
	$(PY) -m pytest -q -m "not stack"

# ruff and mypy as configured in pyproject.toml (mypy: strict on registry/, the modules not yet clean listed there).
lint: $(STAMP_PY)
	$(PY) -m ruff check registry api scripts tests
	$(PY) -m mypy

install: $(STAMP_PY) $(STAMP_NODE)
	@# Debian's Chromium (and a CJK font) for the explorer's browser tests; Playwright's own download is blocked.
	command -v chromium >/dev/null || (apt-get update && apt-get install -y chromium chromium-driver fonts-wqy-microhei)
	@# wrk, the HTTP load generator of scripts/bench_queries.py.
	command -v wrk >/dev/null || (apt-get update && apt-get install -y wrk)

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

# Slither (slither.config.json) on the contracts: fails on any high- or medium-severity finding that is not fixed
# or triaged in the code (SECURITY.md says why each is). Slither drives `forge build --build-info` through the
# solc shim itself; its build goes to cache/slither, so out/ stays as `make build` left it.
SEC_VENV := .venv-security
STAMP_SEC := $(SEC_VENV)/.installed

test-security: install $(STAMP_SEC)
	PATH="$(CURDIR)/node_modules/.bin:$$PATH" FOUNDRY_OUT=cache/slither/out FOUNDRY_CACHE_PATH=cache/slither/cache \
		$(SEC_VENV)/bin/slither .

$(STAMP_SEC): tools/security-requirements.txt
	$(PYTHON) -m venv $(SEC_VENV)
	$(SEC_VENV)/bin/python -m pip install --quiet --upgrade pip
	$(SEC_VENV)/bin/python -m pip install --quiet -r tools/security-requirements.txt
	touch $@

gas-snapshot: build
	$(FORGE) snapshot --isolate --match-contract Gas

clean:
	rm -rf out cache .datareg
