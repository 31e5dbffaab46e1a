# BookedBarber V2 infrastructure. `make synth` and `make test` each install what they need, inside this checkout.
SHELL := /bin/bash
.SHELLFLAGS := -euo pipefail -c
.DEFAULT_GOAL := help

PYTHON ?= python3
UV_VERSION := 0.13.9
# uv lives in a private venv of the checkout: never in a global interpreter (Debian's is externally managed).
BOOT := .deps/boot
UV := $(BOOT)/bin/uv
VENV_BIN := .venv/bin
# Node 20 makes jsii print an end-of-life banner on every run; the apps also set these for direct `npx` use.
export JSII_SILENCE_WARNING_DEPRECATED_NODE_VERSION := 1
export JSII_SILENCE_WARNING_END_OF_LIFE_NODE_VERSION := 20
# Compiled bytecode roughly triples import speed of the google provider (see ../shared/NOTES.md).
export UV_COMPILE_BYTECODE := 1
# These machines set PYTHONDONTWRITEBYTECODE: then every run recompiles the project's own modules and pytest rewrites
# the assertions of every test module again in each worker (2.3 s of CPU per worker). __pycache__/ is ignored.
unexport PYTHONDONTWRITEBYTECODE
# Use the machine's Python 3.11; never download an interpreter.
export UV_PYTHON_DOWNLOADS := never
# No network: keep the CLIs from phoning home.
export CHECKPOINT_DISABLE := 1
export CDK_DISABLE_CLI_TELEMETRY := true

# Stamps: a second run only re-installs when a lock file changed.
PY_STAMP := .venv/.installed
NODE_STAMP := node_modules/.installed

.PHONY: help deps settings synth synth-aws synth-gcp test lint snapshot-update bench clean reach \
	diff deploy drift diff-aws deploy-aws diff-gcp deploy-gcp failover drill

help:
	@echo "make synth            validate settings, then synthesize every environment: AWS (cdk.out/) and GCP"
	@echo "                      (cdktf.out/) side by side, then one line per stack"
	@echo "make test             ruff (lint + format check) and the test suite"
	@echo "make deps             install the pinned Python packages (.venv/) and CLIs (node_modules/); run it"
	@echo "                      before calling 'npx cdk' or 'npx cdktf' yourself"
	@echo "make settings         validate every environment's settings (well under a second, no jsii)"
	@echo "make synth-aws        synthesize AWS only      | make synth-gcp   GCP only"
	@echo "make snapshot-update  re-record snapshots after an intended infrastructure change"
	@echo "make bench            time 'make synth' and 'make test' against the anchor toolchain (ratios, memory)"
	@echo "make diff CLOUD=aws|gcp ENV=…    diff one environment (checks settings and credentials first)"
	@echo "make deploy CLOUD=aws|gcp ENV=…  deploy one environment; production asks you to type its name"
	@echo "make drift CLOUD=aws|gcp ENV=…   what changed outside the code: cdk drift / terraform plan -detailed-exitcode"
	@echo "                      (CONFIRM=production in automation)"
	@echo "make failover CLOUD=aws|gcp ENV=… [DRY_RUN=1] [FAILBACK=1]  fail over to the standby region (the plan"
	@echo "                      with DRY_RUN=1, offline); CONFIRM=<env> to run it; FAILBACK=1 the way back"
	@echo "make drill ENV=staging DRILL=rds-failover|az-impairment|ecs-task-stop|cache-failover [DRY_RUN=1]"
	@echo "                      run one FIS drill, measure recovery time and data loss (quarterly: drill.yml)"
	@echo "make diff-aws ENV=… | make diff-gcp ENV=… | make deploy-aws ENV=… | make deploy-gcp ENV=…  aliases"
	@echo "make help             this list"
	@echo "make synth-reuse      synthesize only the clouds whose inputs changed since the last synth (parity, cost and"
	@echo "                      diagram run it first, so they reuse an unchanged synthesis)"
	@echo "make parity           after synth: the values both clouds must share, read from their outputs, side by side"
	@echo "make cost             after synth: estimated monthly cost per environment, cloud and component"
	@echo "make diagram          after synth: redraw docs/architecture.md (Mermaid) from the outputs"
	@echo "make docs             synthesize, then rewrite every generated table, cost, order and diagram in the docs"
	@echo "make lint             ruff check and format check only"
	@echo "make reach            change each setting, synthesize both clouds: it shows exactly where shared/reach.py"
	@echo "                      says, and parity fails naming each shared one (about 15 min on 2 cores)"
	@echo "make clean            remove outputs and installs (cdk.out, cdktf.out, .venv, node_modules, .deps)"

deps: $(PY_STAMP) $(NODE_STAMP)

$(UV):
	@echo "bootstrap: installing uv $(UV_VERSION) into $(BOOT)/ (private to this checkout)"
	@rm -rf $(BOOT)
	@if $(PYTHON) -m venv $(BOOT) >/dev/null 2>&1; then \
		$(BOOT)/bin/python -m pip install --quiet --disable-pip-version-check "uv==$(UV_VERSION)"; \
	elif $(PYTHON) -m pip --version >/dev/null 2>&1; then \
		$(PYTHON) -m pip install --quiet --disable-pip-version-check --target $(BOOT)/lib "uv==$(UV_VERSION)" \
			&& mkdir -p $(BOOT)/bin && ln -sf ../lib/bin/uv $(UV); \
	else \
		echo "error: $(PYTHON) has neither venv with pip nor pip; install python3-venv (Debian: apt-get install python3-venv)" >&2; \
		exit 1; \
	fi

$(PY_STAMP): pyproject.toml uv.lock | $(UV)
	@echo "deps: installing the pinned Python packages into .venv/ and compiling their bytecode (about a minute the first time)"
	@started=$$(date +%s); $(UV) sync --frozen --compile-bytecode --python 3.11 --quiet; \
		echo "deps: Python packages ready in $$(( $$(date +%s) - started )) s"
	@touch $@

$(NODE_STAMP): package.json package-lock.json
	@echo "deps: installing the pinned CLIs into node_modules/ (aws-cdk, cdktf-cli; mermaid + jsdom for the diagram test)"
	@started=$$(date +%s); npm ci --no-audit --no-fund --loglevel=error; \
		echo "deps: CLIs ready in $$(( $$(date +%s) - started )) s"
	@touch $@

settings: $(PY_STAMP)
	@$(VENV_BIN)/python -m scripts.synth --check-only

# Both clouds synthesize at once (independent; 2 cores); each side's log is kept apart, the table comes last.
synth: deps
	@$(VENV_BIN)/python -m scripts.synth aws gcp

synth-aws: deps
	@$(VENV_BIN)/python -m scripts.synth aws

synth-gcp: deps
	@$(VENV_BIN)/python -m scripts.synth gcp

test: deps lint
	$(VENV_BIN)/pytest

lint: $(PY_STAMP)
	$(VENV_BIN)/ruff check .
	$(VENV_BIN)/ruff format --check .

# Outside `make test` (it synthesizes production ~130 times per cloud); the pull-request workflow and .ci/run run it.
reach: deps
	$(VENV_BIN)/pytest -o addopts="-p no:cacheprovider" -q tests/reach/check_reach.py

snapshot-update: deps
	$(VENV_BIN)/pytest --snapshot-update

bench: deps
	@$(VENV_BIN)/python -m scripts.bench

# Deploying needs credentials for the environment's account/project; synth and test never do.
ENV ?=

# ops/deploy.py checks environment, settings and credentials, and asks production for confirmation
# (CONFIRM=production in automation); TRUST=1 selects only the delivery stack (one-time trust setup).
CLOUD ?=
CONFIRM ?=
TRUST ?=
diff: deps
	@$(VENV_BIN)/python -m ops.deploy diff --cloud "$(CLOUD)" --env "$(ENV)" $(if $(TRUST),--trust)

deploy: deps
	@$(VENV_BIN)/python -m ops.deploy deploy --cloud "$(CLOUD)" --env "$(ENV)" --confirm "$(CONFIRM)" $(if $(TRUST),--trust)

drift: deps
	@$(VENV_BIN)/python -m ops.deploy drift --cloud "$(CLOUD)" --env "$(ENV)"

# The failover plan and its minutes come from shared/recovery.py; DRY_RUN=1 only prints it.
DRY_RUN ?=
FAILBACK ?=
failover: $(PY_STAMP)
	@$(VENV_BIN)/python -m ops.failover --cloud "$(CLOUD)" --env "$(ENV)" --confirm "$(CONFIRM)" \
		$(if $(DRY_RUN),--dry-run) $(if $(FAILBACK),--failback)

# One AWS FIS drill (aws_stacks/drills.py) with its measured recovery time and data loss; DRY_RUN=1 prints it.
DRILL ?=
drill: $(PY_STAMP)
	@$(VENV_BIN)/python -m ops.drill --env "$(ENV)" --drill "$(DRILL)" $(if $(DRY_RUN),--dry-run)

diff-aws:
	@$(MAKE) --no-print-directory diff CLOUD=aws

deploy-aws:
	@$(MAKE) --no-print-directory deploy CLOUD=aws

diff-gcp:
	@$(MAKE) --no-print-directory diff CLOUD=gcp

deploy-gcp:
	@$(MAKE) --no-print-directory deploy CLOUD=gcp

clean:
	rm -rf cdk.out cdktf.out .venv node_modules .deps

# Views of the synthesized outputs. Each reuses the last `make synth` when nothing it was made from changed
# (settings, code, locks, BB_* overrides: scripts/fingerprint.py) and synthesizes again otherwise, so they never read
# stale outputs; `make parity cost diagram` synthesizes at most once.
.PHONY: parity cost diagram docs synth-reuse

synth-reuse: deps
	@$(VENV_BIN)/python -m scripts.synth --reuse aws gcp

parity: synth-reuse
	@$(VENV_BIN)/python -m reports.parity

cost: synth-reuse
	@$(VENV_BIN)/python -m reports.cost

diagram: synth-reuse
	@$(VENV_BIN)/python -m reports.diagram

# Every generated figure of the README and docs/ (tables, costs, diagrams, orders), from one synthesis.
docs: synth
	@$(VENV_BIN)/python -m reports.docs
