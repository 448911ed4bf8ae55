# The two commands a newcomer needs: `make demo` (run the example pipeline) and `make test`.
PYTHON ?= python3

.PHONY: install demo test lint bench bench-docker bench-widget

install:
	$(PYTHON) -m pip install --quiet -e ".[dev]"

demo: install
	kfp-notebook run examples/seed_pipeline.yaml --pipeline-root ./local_outputs

lint:
	ruff check kfp_notebook tests bench examples
	mypy
	lint-imports

test: install lint
	bash ci/setup_docker.sh
	bash ci/setup_browser.sh
	$(PYTHON) -m pytest -q

bench: install
	$(PYTHON) bench/run.py

bench-docker: install
	$(PYTHON) bench/docker_runners.py

bench-widget: install
	$(PYTHON) bench/widget.py

.PHONY: conformance
conformance: install
	$(PYTHON) bench/conformance.py --kfp-src $(KFP_SRC)
