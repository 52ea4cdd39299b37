# Two commands do everything on a fresh machine (Python 3.11, Node 20): `make run` and `make test`.
# Foundry (anvil, forge) and the Solidity compiler come from npm; Python packages from PyPI, into .venv.

PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
FORGE := node_modules/.bin/forge
STAMP_PY := $(VENV)/.installed
STAMP_NODE := node_modules/.installed

.PHONY: run run-scaled test test-fast lint test-security test-tools build install gas-snapshot clean

run: build
	$(PY) scripts/run_local.py

# Scaled out on one machine: anvil, one PostgreSQL index (DATAREG_POSTGRES_URL, default the local server as
# postgres; the database datareg_scaled is made anew), two indexers (active + standby) and two APIs (8000, 8001).
run-scaled: build
	$(PY) scripts/run_scaled.py

# FOUNDRY_PROFILE for the contracts' tests: `make test FUZZ_PROFILE=ci` (as .ci/run does) runs the CI profile's
# fuzz runs (foundry.toml). The gas snapshot keeps the default profile: its figures are checked against a file.
FUZZ_PROFILE ?= default

# DATAREG_REQUIRE_POSTGRES=1: a PostgreSQL test without a server fails here instead of being skipped.
test: build lint test-tools
	FOUNDRY_PROFILE=$(FUZZ_PROFILE) $(FORGE) test --no-match-contract Gas
	$(FORGE) snapshot --isolate --match-contract Gas --check
	$(PY) -m registry.metadata --check
	DATAREG_REQUIRE_POSTGRES=1 $(PY) -m pytest -q

# The fast layer: no anvil, no indexer thread, no API server (tests/layers.py); under a minute.
test-fast:
	$(PY) -m pytest -q -m "not stack"

# ruff and mypy as configured in pyproject.toml (mypy: strict on all of registry/).
lint: $(STAMP_PY)
	$(PY) -m ruff check registry api scripts tests
	$(PY) -m mypy

# What running needs, and nothing from apt: `make run` works without root.
install: $(STAMP_PY) $(STAMP_NODE)

# Test and benchmark tools from Debian: Chromium and a CJK font for the explorer's browser tests (Playwright's
# own download is blocked) and the PDF certificate (embedded; tests/test_certificate.py), wrk for
# scripts/bench_queries.py. Installed as root (CI); otherwise this says what to install, and those tests skip
# saying why.
test-tools:
	@missing=""; \
	command -v chromium >/dev/null || missing=" chromium chromium-driver"; \
	[ -e /usr/share/fonts/truetype/wqy/wqy-microhei.ttc ] || missing="$$missing fonts-wqy-microhei"; \
	command -v wrk >/dev/null || missing="$$missing wrk"; \
	if [ -z "$$missing" ]; then exit 0; fi; \
	if [ "$$(id -u)" = 0 ]; then apt-get update && apt-get install -y $$missing; \
	else echo "Not installing test tools without root: run \`sudo apt-get install -y$$missing\` for the explorer's" \
		"browser tests (skipped without chromium), the PDF certificate's (skipped without the font) and" \
		"scripts/bench_queries.py (needs wrk)."; fi

# npm ci: exactly the committed lock (which lists every platform's anvil/forge/cast package), never rewriting it.
$(STAMP_NODE): package.json package-lock.json
	npm ci --no-audit --no-fund
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
