# `make demo` and `make test` work on a fresh clone: each creates .venv and installs what it needs.
# The demo needs the kit (crawl, train, report); the tests add pytest, the linters and the
# benchmarks' reference implementations (scrapy, trafilatura, datasketch) and the heavier source
# extras (Parquet, Hub, datatrove, Ray), which the demo never loads.
PYTHON ?= python3
VENV   ?= .venv
PY     := $(VENV)/bin/python
INVOKE := $(VENV)/bin/invoke
KIT_STAMP := $(VENV)/.tandem-kit
ALL_STAMP := $(VENV)/.tandem-installed
ARGS   ?=

.PHONY: setup demo test browser-deps bench bench-deps bench-extract lint wheel-check config-reference parallel train crawl report notify status logs stop restart dashboard init clean-venv

setup: $(ALL_STAMP)

# torch first, pinned: it is the CPU wheel on this machine's disk, and an unpinned torch pulled in
# by transformers/peft could fetch a multi-GB CUDA build.
$(KIT_STAMP): pyproject.toml setup.py $(wildcard tandem/crawl/text/native/*)
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet torch==2.13.0
	$(PY) -m pip install --quiet -e '.[crawl,train,report]'
	touch $(KIT_STAMP)

$(ALL_STAMP): $(KIT_STAMP)
	$(PY) -m pip install --quiet -e '.[all,gpu,dev,bench,sources,cluster,ray]'
	touch $(ALL_STAMP)

demo: $(KIT_STAMP)
	$(INVOKE) demo $(ARGS)

# Two workers: most tests wait on processes, sockets and clocks, so two fill this 2-core machine;
# tests/conftest.py hands out the longest first and idle workers steal what is left.
test: $(ALL_STAMP) browser-deps
	$(PY) -m pytest -n 2 --dist worksteal $(ARGS)

# Headless Chromium and its driver for the dashboard's browser test (Debian packages), installed
# where they are missing and we may (root with apt-get); elsewhere that test skips and says why.
browser-deps:
	@command -v chromium >/dev/null && command -v chromedriver >/dev/null || \
	  { [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null && \
	    (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium chromium-driver >/dev/null) \
	  || echo "browser-deps: chromium/chromedriver not installed; the dashboard's browser test will skip"; }

# nginx and wrk serve and measure the crawl benchmark's site (Debian packages; root here).
bench-deps:
	@command -v nginx >/dev/null && command -v wrk >/dev/null || \
	  (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq nginx-light wrk >/dev/null)

bench: setup bench-deps
	@set -e; for script in bench/bench_*.py; do echo "== $$script"; $(PY) $$script; done

# Extraction on real Japanese documentation (Debian packages it fetches itself with apt-get
# download into data/bench/debian-ja/; without apt or network it says so and skips them).
bench-extract: setup
	$(PY) bench/bench_extract.py $(ARGS)

lint: setup
	$(VENV)/bin/ruff check .
	$(VENV)/bin/mypy tandem
	$(VENV)/bin/lint-imports --no-cache

# The package as a user installs it: wheel, clean venv, the console commands crawl and train.
wheel-check:
	PYTHON=$(PYTHON) .ci/wheel-check

# docs/configuration.md, rendered from the config dataclasses' help texts (a test fails when stale).
config-reference: setup
	$(PY) scripts/config_reference.py

# The Invoke tasks, for people who live in make: `make parallel ARGS="--crawl-target 500"`,
# `make restart ARGS=crawl` (tests/unit/docs checks that every task has its target).
parallel train crawl report notify status logs stop restart dashboard init: $(KIT_STAMP)
	$(INVOKE) $@ $(ARGS)

clean-venv:
	rm -rf $(VENV)
