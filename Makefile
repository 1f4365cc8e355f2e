# gantutor — two commands for a fresh machine:
#   make lab    set up a local virtual environment and open the course in JupyterLab
#   make test   set up the same environment and run the whole test suite
# Both reuse .venv once it exists. PYTHON picks the interpreter (Python >= 3.10).

PYTHON ?= python3
VENV   ?= .venv
PY     := $(VENV)/bin/python
STAMP  := $(VENV)/.gantutor-installed
JOBS   ?= 2

.PHONY: lab test test-fast setup clean-notebooks bench help

help:
	@echo "make lab    - set up .venv and open the course in JupyterLab"
	@echo "make test   - set up .venv and run the test suite (notebooks in smoke mode)"
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
	$(PY) -m pytest -n $(JOBS) --durations=15

test-fast: $(STAMP)
	$(PY) -m pytest -n $(JOBS) -m "not notebook"

bench: $(STAMP)
	@for f in benchmarks/bench_*.py; do echo "== $$f"; $(PY) $$f || exit 1; done

clean-notebooks: $(STAMP)
	$(VENV)/bin/jupyter nbconvert --clear-output --inplace notebooks/*.ipynb
