# The two commands a newcomer needs: `make run` and `make test`.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed
export FLASK_APP := marketplace

.PHONY: run test lint bench clean

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install -q --upgrade pip
	$(BIN)/pip install -q -e '.[dev]'
	touch $(STAMP)

## Serve the demo marketplace on http://127.0.0.1:5000, with the job worker beside it
run: $(STAMP)
	$(BIN)/flask bootstrap
	bash scripts/run.sh

## Install what the tests need (PostgreSQL, Redis, Chromium); run the suite on SQLite, then PostgreSQL + Redis
test: $(STAMP)
	bash scripts/test.sh

lint: $(STAMP)
	$(BIN)/ruff format --check .
	$(BIN)/ruff check .

bench: $(STAMP)
	$(BIN)/python bench/eval_matching.py
	$(BIN)/python bench/bench_matching.py

clean:
	rm -rf $(VENV) build *.egg-info
