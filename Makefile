# Sunlight: every target creates or reuses .venv and installs what it needs.
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed
SAMPLE := .sample
NOW ?= 2026-11-20T18:30:00+08:00

.PHONY: help venv browser run test unit lint format bench sample clean cdk synth deploy diff test-infra layer-deps

help:
	@echo "make run    start Sunlight locally: embedded moto cloud, HTTP gateway, sample catalogue and keys"
	@echo "make test   run every test that needs no AWS account"
	@echo "make lint   ruff (lint + format check), mypy and the import rules (.importlinter)"
	@echo "make bench  run the benchmarks and print their figures"
	@echo "make synth  synthesise the CDK app offline (STAGE=dev), cdk-nag included"
	@echo "make deploy deploy the stage to AWS (STAGE=dev; needs credentials and a bootstrapped account)"

$(STAMP): pyproject.toml
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e '.[dev]'
	touch $(STAMP)

venv: $(STAMP)

sample: $(STAMP)
	$(VENV)/bin/sunlight sample --out $(SAMPLE)

run: $(STAMP)
	$(VENV)/bin/sunlight run --data .sunlight

test: $(STAMP) browser
	$(PY) -m pytest

# The portal's browser tests (tests/e2e/test_portal.py) drive Debian's Chromium through Playwright;
# never `playwright install` (it downloads a browser build). A CJK font makes the screenshots legible.
browser:
	@command -v /usr/bin/chromium >/dev/null 2>&1 || { apt-get update -qq && \
		DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium fonts-wqy-microhei; }

unit: $(STAMP)
	$(PY) -m pytest tests/unit

lint: $(STAMP)
	$(PY) -m ruff check .
	$(PY) -m ruff format --check .
	$(PY) -m mypy
	$(VENV)/bin/lint-imports

format: $(STAMP)
	$(PY) -m ruff format .
	$(PY) -m ruff check --fix .

bench: $(STAMP)
	$(PY) bench/run.py --record

clean:
	rm -rf $(VENV) $(SAMPLE) .pytest_cache .mypy_cache .ruff_cache .hypothesis

# -- the cloud (infra/, cdk.json) ---------------------------------------------------------------
# The CDK CLI is pinned to major version 2 and installed once into .cdk/ (the registry's latest,
# 3.x, refuses aws-cdk-lib 2's cloud assembly). Synthesis needs no AWS account or network.
STAGE ?= dev
CDK_DIR := .cdk
CDK := $(CDK_DIR)/node_modules/.bin/cdk
CDK_STAMP := $(CDK_DIR)/.installed-v2
CDK_ENV := JSII_SILENCE_WARNING_END_OF_LIFE_NODE_VERSION=20 CDK_DISABLE_CLI_TELEMETRY=true
CDK_FLAGS := -c stage=$(STAGE) --no-notices --no-version-reporting
LAYER_DEPS := build/layer-deps
LAMBDA_PYTHON := 3.12

$(CDK_STAMP):
	mkdir -p $(CDK_DIR)
	npm install --no-save --no-audit --no-fund --loglevel=error --prefix $(CDK_DIR) aws-cdk@2
	touch $(CDK_STAMP)

cdk: $(CDK_STAMP)

synth: $(STAMP) $(CDK_STAMP)
	$(CDK_ENV) $(CDK) synth $(CDK_FLAGS) --quiet
	@echo "synthesised stack Sunlight-$(STAGE) into cdk.out/"

diff: $(STAMP) $(CDK_STAMP)
	$(CDK_ENV) $(CDK) diff $(CDK_FLAGS)

deploy: $(STAMP) $(CDK_STAMP) layer-deps
	$(CDK_ENV) $(CDK) deploy $(CDK_FLAGS) --require-approval broadening

test-infra: $(STAMP)
	$(PY) -m pytest tests/infra -q

# Third-party dependencies for the Lambda layer, as arm64 wheels for the Lambda runtime's Python
# (no Docker): the [project] dependencies (never the dev extra) less the runtime's boto3/botocore,
# then pruned of what the functions never load (infra/layer_deps.py says what and why).
layer-deps: $(STAMP)
	rm -rf $(LAYER_DEPS)
	mkdir -p $(LAYER_DEPS)/python
	$(PY) -m infra.layer_deps requirements > build/layer-requirements.txt
	$(PY) -m pip install --quiet --no-compile --target $(LAYER_DEPS)/python --implementation cp \
		--python-version $(LAMBDA_PYTHON) --only-binary=:all: --platform manylinux2014_aarch64 \
		--platform manylinux_2_28_aarch64 --platform manylinux_2_34_aarch64 -r build/layer-requirements.txt
	$(PY) -m infra.layer_deps prune $(LAYER_DEPS)/python
	du -sh $(LAYER_DEPS)
