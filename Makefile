# BookedBarber V2 infrastructure. `make synth` and `make test` each install what they need.
SHELL := /bin/bash
.SHELLFLAGS := -euo pipefail -c
.DEFAULT_GOAL := help

PYTHON ?= python3
UV_VERSION := 0.13.9
UV := $(PYTHON) -m uv
VENV_BIN := .venv/bin
# Node 20 makes jsii print an end-of-life banner on every run; this silences the part that can be silenced.
export JSII_SILENCE_WARNING_DEPRECATED_NODE_VERSION := 1
# Compiled bytecode roughly triples import speed of the google provider (see ../shared/NOTES.md).
export UV_COMPILE_BYTECODE := 1
# No network: keep the CLIs from phoning home.
export CHECKPOINT_DISABLE := 1
export CDK_DISABLE_CLI_TELEMETRY := true

# Stamps: a second run only re-installs when a lock file changed.
PY_STAMP := .venv/.installed
NODE_STAMP := node_modules/.installed

.PHONY: help deps synth synth-aws synth-gcp test lint snapshot-update bench clean diff-aws deploy-aws deploy-gcp check-env

help:
	@echo "make synth            synthesize every environment for AWS (cdk.out/) and GCP (cdktf.out/)"
	@echo "make test             ruff (lint + format check) and the test suite"
	@echo "make snapshot-update  re-record snapshots after an intended infrastructure change"
	@echo "make bench            time a full synth against the cost of importing the libraries"
	@echo "make deploy-aws ENV=production | make deploy-gcp ENV=production"

deps: $(PY_STAMP) $(NODE_STAMP)

$(PY_STAMP): pyproject.toml uv.lock
	@$(UV) --version >/dev/null 2>&1 || $(PYTHON) -m pip install --quiet "uv==$(UV_VERSION)"
	$(UV) sync --frozen --compile-bytecode --python 3.11
	@touch $@

$(NODE_STAMP): package.json package-lock.json
	npm ci --no-audit --no-fund --loglevel=error
	@touch $@

synth: synth-aws synth-gcp
	@$(VENV_BIN)/python -m scripts.summary

synth-aws: deps
	rm -rf cdk.out
	npx --no-install cdk synth --quiet

synth-gcp: deps
	rm -rf cdktf.out
	npx --no-install cdktf synth > /dev/null

test: deps lint
	$(VENV_BIN)/pytest

lint: $(PY_STAMP)
	$(VENV_BIN)/ruff check .
	$(VENV_BIN)/ruff format --check .

snapshot-update: deps
	$(VENV_BIN)/pytest --snapshot-update

bench: deps
	$(VENV_BIN)/python -m scripts.bench

# Deploying needs credentials for the environment's account/project; synth and test never do.
ENV ?=
check-env:
	@case "$(ENV)" in dev|staging|production) ;; *) echo "set ENV=dev|staging|production" >&2; exit 2;; esac

diff-aws: deps check-env
	npx --no-install cdk diff --all -c env=$(ENV)

deploy-aws: deps check-env
	npx --no-install cdk deploy --all -c env=$(ENV) --require-approval broadening

deploy-gcp: deps check-env
	npx --no-install cdktf deploy 'bookedbarber-$(ENV)-gcp-*'

clean:
	rm -rf cdk.out cdktf.out .venv node_modules
