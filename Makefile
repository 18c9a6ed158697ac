# actlab — the README's commands. Every target sets up what it needs on a fresh machine.
PYTHON ?= python3
VENV   := .venv
PY     := $(VENV)/bin/python
PIP    := $(PY) -m pip
STAMP  := $(VENV)/.installed-dev

.PHONY: demo test lint bench setup clean oracle

$(PY):
	$(PYTHON) -m venv $(VENV)

$(STAMP): $(PY) pyproject.toml constraints.txt
	$(PIP) install --quiet --upgrade pip
	$(PIP) install --quiet -c constraints.txt -e '.[dev,torch,plot,cli,lab]'
	$(PIP) install --quiet -c constraints.txt -e '.[ray]'
	touch $(STAMP)

setup: $(STAMP)

demo: setup
	$(PY) -m actlab compare

lint: setup
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	$(VENV)/bin/mypy

test: lint
	$(PY) -m pytest -q

# Optional peers for the benchmarks (JAX); the benchmarks run without them and say so.
bench: setup
	-$(PIP) install --quiet -c constraints.txt -e '.[bench]'
	$(PY) bench/accuracy.py
	$(PY) bench/throughput.py
	$(PY) bench/memory.py
	$(PY) bench/monitor_overhead.py
	$(PY) bench/lab_throughput.py
	$(PY) bench/sweep_scale.py

# Regenerate the committed mpmath oracle tables (minutes; only when a spec or the sample grid changes).
oracle: setup
	$(PY) -m actlab_oracle.regen

clean:
	rm -rf $(VENV) build dist src/*.egg-info .pytest_cache .mypy_cache .ruff_cache .hypothesis
