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

## Serve the demo marketplace on http://127.0.0.1:5000
run: $(STAMP)
	$(BIN)/flask bootstrap
	$(BIN)/flask run --host 127.0.0.1 --port 5000

## Install what the tests need (PostgreSQL, Chromium) and run the suite on SQLite and PostgreSQL
test: $(STAMP)
	bash scripts/test.sh

lint: $(STAMP)
	$(BIN)/ruff check .

bench: $(STAMP)
	$(BIN)/python bench/eval_matching.py
	$(BIN)/python bench/bench_matching.py

clean:
	rm -rf $(VENV) build *.egg-info
