# `make demo` and `make test` work on a fresh clone: each creates .venv and installs what it needs.
PYTHON ?= python3
VENV   ?= .venv
PY     := $(VENV)/bin/python
INVOKE := $(VENV)/bin/invoke
STAMP  := $(VENV)/.tandem-installed
# Tests and benchmarks also need the heavier extras (Parquet, Hub, datatrove, Ray); the demo does not.
FULL_STAMP := $(VENV)/.tandem-installed-full
ARGS   ?=

.PHONY: setup setup-full demo test bench bench-deps lint config-reference parallel train crawl report notify status logs clean-venv

setup: $(STAMP)

# torch first, pinned: it is the CPU wheel on this machine's disk, and an unpinned torch pulled in
# by transformers/peft could fetch a multi-GB CUDA build.
$(STAMP): pyproject.toml
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet torch==2.13.0
	$(PY) -m pip install --quiet -e '.[all,gpu,dev,bench]'
	touch $(STAMP)

setup-full: $(FULL_STAMP)

$(FULL_STAMP): $(STAMP)
	$(PY) -m pip install --quiet -e '.[all,gpu,dev,bench,sources,cluster,ray]'
	touch $(FULL_STAMP)

demo: setup
	$(INVOKE) demo $(ARGS)

test: setup-full
	$(PY) -m pytest $(ARGS)

# nginx and wrk serve and measure the crawl benchmark's site (Debian packages; root here).
bench-deps:
	@command -v nginx >/dev/null && command -v wrk >/dev/null || \
	  (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq nginx-light wrk >/dev/null)

bench: setup-full bench-deps
	@set -e; for script in bench/bench_*.py; do echo "== $$script"; $(PY) $$script; done

lint: setup
	$(VENV)/bin/ruff check .
	$(VENV)/bin/mypy tandem

# docs/configuration.md, rendered from the config dataclasses' help texts (a test fails when stale).
config-reference: setup
	$(PY) scripts/config_reference.py

# The Invoke tasks, for people who live in make: `make parallel ARGS="--crawl-target 500"`.
parallel train crawl report notify status logs: setup
	$(INVOKE) $@ $(ARGS)

clean-venv:
	rm -rf $(VENV)
