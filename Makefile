# The two commands a newcomer needs: `make run` and `make test`.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed
VENDOR := static/vendor/chart.umd.min.js
export FLASK_APP := marketplace

.PHONY: run test lint bench bench-scale clean

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install -q --upgrade pip
	$(BIN)/pip install -q -e '.[dev]'
	touch $(STAMP)

# Browser libraries from npm (package-lock.json pins them), copied to static/vendor/ (not in git)
$(VENDOR): package.json package-lock.json scripts/vendor.sh
	bash scripts/vendor.sh

## Serve the demo marketplace on http://127.0.0.1:5000, with the job worker beside it
run: $(STAMP) $(VENDOR)
	$(BIN)/flask bootstrap
	bash scripts/run.sh

## Install what the tests need (PostgreSQL, Redis, Chromium); run the suite on SQLite and on PostgreSQL + Redis, side by side
test: $(STAMP) $(VENDOR)
	bash scripts/test.sh

lint: $(STAMP)
	$(BIN)/ruff format --check .
	$(BIN)/ruff check .

bench: $(STAMP)
	$(BIN)/python bench/eval_matching.py
	$(BIN)/python bench/bench_matching.py

## The province-scale bench (bench/bench_scale.py): e.g. make bench-scale ARGS="--db both --sizes 50000"
bench-scale: $(STAMP)
	$(BIN)/python bench/bench_scale.py $(ARGS)

clean:
	rm -rf $(VENV) build *.egg-info node_modules static/vendor
