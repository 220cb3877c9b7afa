# OCOP Hub — `make run` starts everything, `make test` checks everything.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
PACKAGES := libs/contracts libs/kit libs/cli \
	services/registry services/evaluation services/marketplace-sync services/search services/portal \
	tools/marketplace-simulator
STAMP := $(VENV)/.installed
PYPROJECTS := $(foreach p,$(PACKAGES),$(p)/pyproject.toml)

.PHONY: setup run test lint typecheck pytest services browser-deps deploy-tools clean

setup: $(STAMP)

$(STAMP): $(PYPROJECTS) requirements-dev.txt constraints.txt
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -c constraints.txt -r requirements-dev.txt \
		$(foreach p,$(PACKAGES),-e $(p))
	touch $(STAMP)

run: setup
	$(BIN)/ocop up $(ARGS)

services:
	@bash deploy/ensure-services.sh

lint: setup
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

typecheck: setup
	$(BIN)/mypy libs services tools

# A compose tool for tests/platform/test_deploy_files.py (`docker compose config` needs no daemon;
# where the docker CLI has no compose plugin, Debian's docker-compose reads the same file).
deploy-tools:
	@docker compose version >/dev/null 2>&1 || command -v docker-compose >/dev/null \
		|| (apt-get update -q && apt-get install -y -q --no-install-recommends docker-compose) \
		|| echo "deploy-tools: could not install docker-compose (its test skips, or fails under CI=true)"

# Headless Chromium for tests/browser (Debian's package; Playwright drives it, never downloads one).
browser-deps:
	@test -x /usr/bin/chromium || (apt-get update -q && apt-get install -y -q chromium) \
		|| echo "browser-deps: could not install chromium (browser tests will skip, or fail under CI=true)"

pytest: setup services browser-deps deploy-tools
	$(BIN)/pytest $(PYTEST_ARGS)

test: setup services lint typecheck audit pytest

# Dependency audit of constraints.txt: fails on a known vulnerability. Our build machines reach no
# vulnerability database; there it says "nothing was audited" rather than report a clean bill.
# AUDIT_ARGS=--require-database makes an unreachable database fail too (for release pipelines).
audit: setup
	$(BIN)/python deploy/audit.py $(AUDIT_ARGS)

clean:
	rm -rf $(VENV) .ocop .pytest_cache .mypy_cache .ruff_cache
