# Two commands do everything on a fresh machine with Python 3.11 and pip:
#   make demo   set-up + the whole audit on the synthetic county
#   make test   set-up + all tests
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV   := .venv
BIN    := $(VENV)/bin
KERNEL := gangu-audit
STAMP  := $(VENV)/.installed

.PHONY: setup demo test test-fast lint bench clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)

$(STAMP): pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e ".[dev]"
	$(BIN)/python -m ipykernel install --sys-prefix --name $(KERNEL) --display-name "Python 3.11 (gangu-audit)"
	touch $(STAMP)

setup: $(STAMP)

demo: setup
	$(BIN)/audit demo --out outputs/demo

test: setup
	$(BIN)/ruff check src tests benchmarks
	$(BIN)/ruff format --check src tests benchmarks
	PYTHONHASHSEED=0 $(BIN)/python -m pytest
	PYTHONHASHSEED=0 $(BIN)/python -m pytest --nbval-lax --nbval-sanitize-with tests/nbval_sanitize.cfg notebooks

test-fast: setup
	PYTHONHASHSEED=0 $(BIN)/python -m pytest -m "not slow" -x -q

bench: setup
	$(BIN)/python benchmarks/bench_synth.py

clean:
	rm -rf outputs .pytest_cache
