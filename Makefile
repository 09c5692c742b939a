# Two commands do everything on a fresh machine with Python 3.11 and pip:
#   make demo   set-up + the whole audit on the synthetic county
#   make test   set-up + all tests
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV   := .venv
BIN    := $(VENV)/bin
KERNEL := gangu-audit
STAMP  := $(VENV)/.installed
# pytest-xdist workers for `make test` (0: one process). Measured on the 2-vCPU machine with
# .ci/run on a fresh clone: 15 min 54 s with two workers, 19 min 1 s in one process.
PYTEST_JOBS ?= logical

.PHONY: setup lock demo test test-fast notebooks bench clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)

# The environment is exactly requirements.lock (runtime + dev + build, exact versions and hashes,
# made from pyproject.toml by `make lock`), installed with the uv version the lock names.
$(STAMP): requirements.lock pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet --disable-pip-version-check \
	  "uv==$$(sed -n 's/^uv==\([^ ]*\).*/\1/p' requirements.lock)"
	$(BIN)/uv pip sync --quiet --python $(BIN)/python --require-hashes requirements.lock
	$(BIN)/uv pip install --quiet --python $(BIN)/python --no-deps --no-build-isolation -e .
	$(BIN)/python -m ipykernel install --sys-prefix --name $(KERNEL) --display-name "Python 3.11 (gangu-audit)"
	touch $(STAMP)

setup: $(STAMP)

# Refresh the lock after changing a dependency range in pyproject.toml (needs the package index).
lock: $(BIN)/python
	$(BIN)/python -m pip install --quiet --disable-pip-version-check uv
	$(BIN)/python -c "import tomllib; print(*tomllib.load(open('pyproject.toml', 'rb'))['build-system']['requires'], sep='\n')" \
	  | $(BIN)/uv pip compile --quiet pyproject.toml - --extra dev --universal --python-version 3.11 \
	    --generate-hashes --custom-compile-command "make lock" -o requirements.lock

demo: setup
	$(BIN)/audit demo --out outputs/demo

test: setup
	$(BIN)/ruff check src tests benchmarks
	$(BIN)/ruff format --check src tests benchmarks
	PYTHONHASHSEED=0 $(BIN)/python -m pytest -n $(PYTEST_JOBS) --dist loadgroup
	PYTHONHASHSEED=0 $(BIN)/python -m pytest --nbval-lax --nbval-sanitize-with tests/nbval_sanitize.cfg notebooks

test-fast: setup
	PYTHONHASHSEED=0 $(BIN)/python -m pytest -n $(PYTEST_JOBS) --dist loadgroup -m "not slow" -x -q

# Re-execute the committed notebooks on the example Dataset (after a change of their figures).
notebooks: setup
	PYTHONHASHSEED=0 $(BIN)/jupyter nbconvert --to notebook --execute --inplace \
	  --ExecutePreprocessor.kernel_name=$(KERNEL) notebooks/*.ipynb

bench: setup
	$(BIN)/python benchmarks/bench_synth.py

clean:
	rm -rf outputs .pytest_cache
