# The verbs a developer uses. Every target installs what it needs into .venv first.
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
OUT ?= out
PYTEST_ARGS ?=

.PHONY: install system-deps demo test test-all bench lint format lab clean evaluate

$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install -q --upgrade pip
	$(BIN)/python -m pip install -q -e ".[test,dev]"
	$(BIN)/python scripts/warm_cache.py
	touch $(STAMP)

install: $(STAMP)

## Analyse the bundled sample capture; writes the report and timeline under $(OUT)/
demo: $(STAMP)
	$(BIN)/workbench demo --out $(OUT)

system-deps:
	@bash scripts/install-system-deps.sh

## The whole suite except the slow scale tests (what CI runs)
test: $(STAMP) system-deps
	$(BIN)/python -m pytest -n auto -m "not slow" $(PYTEST_ARGS)

## Everything, scale tests included
test-all: $(STAMP) system-deps
	$(BIN)/python -m pytest -n auto $(PYTEST_ARGS)

## Speed, side by side with dpkt, scapy, tshark and pyshark
bench: $(STAMP)
	$(BIN)/python benchmarks/run.py

lint: $(STAMP)
	$(BIN)/ruff check workbench tests benchmarks
	$(BIN)/ruff format --check workbench tests benchmarks

format: $(STAMP)
	$(BIN)/ruff format workbench tests benchmarks
	$(BIN)/ruff check --fix workbench tests benchmarks

lab: $(STAMP)
	$(BIN)/jupyter lab notebooks/

clean:
	rm -rf $(OUT) .pytest_cache .ruff_cache test-artifacts

## Accuracy: every capture of ../shared/captures/expected.tsv and every synthesized scenario
## (attacks and benign, two seeds), one table with recall and false alarms
evaluate: $(STAMP)
	$(BIN)/python -m workbench.evaluation
