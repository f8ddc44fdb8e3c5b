# Sunlight: every target creates or reuses .venv and installs what it needs.
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed
SAMPLE := .sample
NOW ?= 2026-11-20T18:30:00+08:00

.PHONY: help venv run test unit lint format bench sample clean

help:
	@echo "make run    start Sunlight locally (for now: check the sample city's records)"
	@echo "make test   run every test that needs no AWS account"
	@echo "make lint   ruff (lint + format check) and mypy"
	@echo "make bench  run the benchmarks and print their figures"

$(STAMP): pyproject.toml
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e '.[dev]'
	touch $(STAMP)

venv: $(STAMP)

sample: $(STAMP)
	$(VENV)/bin/sunlight sample --out $(SAMPLE)

run: sample
	$(VENV)/bin/sunlight check $(SAMPLE)/records.jsonl --catalog $(SAMPLE)/catalog.json --now $(NOW) --summary > $(SAMPLE)/alerts.jsonl
	@echo "alerts written to $(SAMPLE)/alerts.jsonl; first five:"
	@head -n 5 $(SAMPLE)/alerts.jsonl

test: $(STAMP)
	$(PY) -m pytest

unit: $(STAMP)
	$(PY) -m pytest tests/unit

lint: $(STAMP)
	$(PY) -m ruff check .
	$(PY) -m ruff format --check .
	$(PY) -m mypy

format: $(STAMP)
	$(PY) -m ruff format .
	$(PY) -m ruff check --fix .

bench: $(STAMP)
	$(PY) bench/run.py --record

clean:
	rm -rf $(VENV) $(SAMPLE) .pytest_cache .mypy_cache .ruff_cache .hypothesis
