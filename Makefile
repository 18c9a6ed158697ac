# actlab — the README's commands. Every target sets up what it needs on a fresh machine.
PYTHON ?= python3
VENV   := .venv
PY     := $(VENV)/bin/python
PIP    := $(PY) -m pip
STAMP  := $(VENV)/.installed-dev

.PHONY: demo test lint bench setup clean oracle data screenshots

$(PY):
	$(PYTHON) -m venv $(VENV)

$(STAMP): $(PY) pyproject.toml constraints.txt
	$(PIP) install --quiet --upgrade pip
	$(PIP) install --quiet -c constraints.txt -e '.[dev,torch,plot,cli,lab,define,web,webtest]'
	$(PIP) install --quiet -c constraints.txt -e '.[ray]'
	touch $(STAMP)

setup: $(STAMP)

demo: setup
	$(PY) -m actlab compare

lint: setup
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	$(VENV)/bin/mypy

test: lint data
	$(PY) -m pytest -q

# FashionMNIST's IDX files from Debian's package (the lab never downloads data): installed
# where apt is available and we are root; elsewhere the lab's error says where to put them.
data:
	@if [ -d /usr/share/datasets/fashion-mnist ] || [ -n "$$ACTLAB_DATA" ]; then :; \
	elif [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null; then \
		apt-get install -y -q dataset-fashion-mnist >/dev/null || \
		(apt-get update -q >/dev/null && apt-get install -y -q dataset-fashion-mnist >/dev/null) || \
		echo "make data: could not install dataset-fashion-mnist; its tests will skip"; \
	else echo "make data: not root or no apt-get; install dataset-fashion-mnist for its tests"; fi

# Optional peers for the benchmarks (JAX); the benchmarks run without them and say so.
bench: setup
	-$(PIP) install --quiet -c constraints.txt -e '.[bench]'
	$(PY) bench/accuracy.py
	$(PY) bench/throughput.py
	$(PY) bench/memory.py
	$(PY) bench/monitor_overhead.py
	$(PY) bench/lab_throughput.py
	$(PY) bench/sweep_scale.py

# One PNG per panel of the explorer (actlab serve) in screenshots/, for a reviewer: starts the
# server on 127.0.0.1, drives Debian's chromium (apt-get install chromium), stops the server.
screenshots: setup
	$(PY) tools/screenshots.py --out screenshots

# Regenerate the committed mpmath oracle tables (minutes; only when a spec or the sample grid changes).
oracle: setup
	$(PY) -m actlab_oracle.regen

clean:
	rm -rf $(VENV) build dist src/*.egg-info .pytest_cache .mypy_cache .ruff_cache .hypothesis
