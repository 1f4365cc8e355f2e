# gantutor — two commands for a fresh machine:
#   make lab    set up a local virtual environment and open the course in JupyterLab
#   make test   set up the same environment and run the whole test suite
# Both reuse .venv once it exists. PYTHON picks the interpreter (Python >= 3.10).

PYTHON ?= python3
VENV   ?= .venv
PY     := $(VENV)/bin/python
STAMP  := $(VENV)/.gantutor-installed
BROWSER_STAMP := $(VENV)/.gantutor-browser-installed
JOBS   ?= 2

.PHONY: lab test test-fast test-browser setup clean-notebooks bench help

help:
	@echo "make lab    - set up .venv and open the course in JupyterLab"
	@echo "make test   - set up .venv and run the test suite (notebooks in smoke mode)"
	@echo "make test-browser - every lesson run in JupyterLab in headless Chromium (installs .[test,browser])"
	@echo "make bench  - run the speed benchmarks (ratios, not pass/fail)"
	@echo "make clean-notebooks - strip outputs before committing"

$(STAMP): pyproject.toml
	@$(PYTHON) -c 'import sys; sys.exit(0 if sys.version_info >= (3, 10) else "gantutor needs Python >= 3.10")'
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --upgrade pip
	$(PY) -m pip install -e ".[test]"
	touch $(STAMP)

setup: $(STAMP)

lab: $(STAMP)
	$(VENV)/bin/jupyter lab $(if $(filter 0,$(shell id -u)),--allow-root) notebooks/00_start_here.ipynb

test: $(STAMP)
	$(PY) -m pytest -n $(JOBS) -m "not browser" --durations=15

test-fast: $(STAMP)
	$(PY) -m pytest -n $(JOBS) -m "not notebook"

# Browser tests (tests/browser): JupyterLab + Playwright. Chromium: Debian's /usr/bin/chromium when
# installed, else Playwright's own (`$(PY) -m playwright install chromium`, once). One lesson at a time.
$(BROWSER_STAMP): pyproject.toml $(STAMP)
	$(PY) -m pip install -e ".[test,browser]"
	touch $(BROWSER_STAMP)

test-browser: $(BROWSER_STAMP)
	$(PY) -m pytest -p no:xdist -m browser tests/browser --durations=10 -rfE

bench: $(STAMP)
	@for f in benchmarks/bench_*.py; do echo "== $$f"; $(PY) $$f || exit 1; done

clean-notebooks: $(STAMP)
	$(VENV)/bin/jupyter nbconvert --clear-output --inplace notebooks/*.ipynb
