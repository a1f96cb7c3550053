# The two commands of the README: `make run` and `make test`. Everything else is a helper.
PYTHON ?= python3.11
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: run test setup system-deps lint bench ranker clean

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install -q --upgrade pip
	$(BIN)/pip install -q -e '.[test,dask]'
	touch $(STAMP)

setup: $(STAMP)

system-deps:
	./scripts/setup-system.sh

## Set up and run the default study (Guinea) on the shipped corpus; writes out/
run: setup
	$(BIN)/lexcompare run --study gn-tip --out out

## Set up and run the test suite (installs the browser/office tools the export tests use)
test: setup system-deps
	$(BIN)/ruff check src tests benchmarks
	$(BIN)/pytest -q -n 2 --dist loadfile tests notebooks/*.ipynb --nbmake

lint: setup
	$(BIN)/ruff check src tests benchmarks

bench: setup
	for b in benchmarks/bench_*.py; do $(BIN)/python $$b; done

## Refit the matcher's learned ranker on the dev gold (after a change to the checklist, a scorer
## or the gold: `make test` checks that the shipped model is this fit)
ranker: setup
	cd benchmarks && ../$(BIN)/python fit_ranker.py

clean:
	rm -rf out work .cache .pytest_cache
