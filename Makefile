# The two commands a newcomer needs: `make demo` (install, run the example pipeline) and
# `make test` (everything CI runs). `make test-fast` is the inner loop for engine work.
PYTHON ?= python3
PIP = $(PYTHON) -m pip
# Tools installed beside the interpreter (a venv's bin, or pyenv's), found without activation.
BIN := $(shell $(PYTHON) -c "import os, sys; print(os.path.dirname(sys.executable))")
JLPM = $(BIN)/jlpm

.PHONY: install install-dev demo lint lint-ts test test-unit test-fast test-ts setup-system bench \
	bench-docker bench-widget bench-widget-paint typescript conformance kfp-local-suite \
	test-kfp-lowest

install:  ## the package and its front ends, nothing else
	$(PIP) install --quiet -e .

install-dev:  ## plus the test and lint tools
	$(PIP) install --quiet -e ".[dev]"

demo: install
	$(PYTHON) -m kfp_notebook run examples/seed_pipeline.yaml --pipeline-root ./local_outputs

lint:
	$(PYTHON) -m ruff check kfp_notebook tests bench examples
	$(PYTHON) -m ruff format --check kfp_notebook tests bench examples
	$(PYTHON) -m mypy
	$(BIN)/lint-imports

lint-ts:
	$(JLPM) install --immutable
	$(JLPM) lint

test-ts: lint-ts
	$(JLPM) test

setup-system:  ## root: Docker engine and test image, Debian's chromium (idempotent)
	bash ci/setup_docker.sh
	bash ci/setup_browser.sh

test: install-dev lint test-ts setup-system
	$(PYTHON) -m pytest -q
	$(MAKE) test-kfp-lowest

# The highest kfp the package allows is what `make test` installs; this leg checks the lowest
# (pyproject: kfp>=2.14) with the fast tests, in a venv of its own.
KFP_LOWEST = 2.14.1
test-kfp-lowest:
	rm -rf .venv-kfp-lowest
	$(PYTHON) -m venv .venv-kfp-lowest
	.venv-kfp-lowest/bin/python -m pip install --quiet -e ".[dev]" "kfp==$(KFP_LOWEST)" \
		"kfp-server-api==2.5.0"  # kfp 2.14's Client speaks this API; pip would pick 2.17
	.venv-kfp-lowest/bin/python -m pytest -q -m "not docker and not browser"

# No root, apt, Docker or browser: engine, store, views, CLI, server and notebook tests.
# The pure layers' tests (marked `unit`: they start no process), in seconds.
test-unit:
	$(PYTHON) -m pytest -q -m unit

test-fast: install-dev lint
	$(PYTHON) -m pytest -q -m "not docker and not browser"

typescript:  ## regenerate the TypeScript copy of the JSON shape
	$(PYTHON) -m kfp_notebook._views.typescript > packages/shared/src/model.generated.ts
	$(PYTHON) tests/compare_fixtures.py > packages/shared/src/compare.fixtures.generated.json
	$(PYTHON) tests/packed_fixtures.py > packages/shared/src/packed.fixtures.generated.json

bench: install-dev
	$(PYTHON) bench/run.py

bench-docker: install-dev
	$(PYTHON) bench/docker_runners.py

bench-widget: install-dev
	$(PYTHON) bench/widget.py

bench-widget-paint: install-dev  ## the run widget's first paint in Chromium (ci/setup_browser.sh)
	$(PYTHON) bench/widget_paint.py

.PHONY: conformance
conformance: install
	$(PYTHON) bench/conformance.py --kfp-src $(KFP_SRC)

# kfp.local's own test files (the installed kfp's, or KFP_SRC's) under kfp.local and kfp-notebook
kfp-local-suite: install
	$(PYTHON) bench/kfp_local_suite.py $(if $(KFP_SRC),--kfp-src $(KFP_SRC))
