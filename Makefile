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
# what .venv gets: the package with JupyterLab, the Inception metrics and the test tools
EXTRAS ?= lab,eval,test
# the exact versions CI tests (make constraints refreshes them); CONSTRAINTS= installs from the ranges alone
CONSTRAINTS ?= constraints.txt

.PHONY: lab test test-fast test-browser setup constraints clean-notebooks bench help site slides test-site lecture-metadata test-ipywidgets7

help:
	@echo "make lab    - set up .venv and open the course in JupyterLab"
	@echo "make test   - set up .venv and run the test suite (notebooks in smoke mode)"
	@echo "make test-browser - every lesson run in JupyterLab in headless Chromium (installs .[test,browser])"
	@echo "make bench  - run the speed benchmarks (ratios, not pass/fail)"
	@echo "make site   - the course website in _build/site/ (SITE_MODE=cpu|smoke; installs .[site]; npm fetches its JavaScript)"
	@echo "make slides - a reveal.js deck per lesson in _build/site/slides/ (from the same executed notebooks)"
	@echo "make test-site - Chromium over _build/site/ on loopback, every other request blocked (after make site slides)"
	@echo "make test-ipywidgets7 - the widget tests and widget lessons with Colab's ipywidgets 7 (own venv)"
	@echo "make lecture-metadata - re-apply the slide rules and the Colab cell to notebooks/ (site/lecture_metadata.py)"
	@echo "make constraints - re-resolve the newest versions in a scratch venv and freeze them into constraints.txt"
	@echo "make clean-notebooks - strip outputs before committing"

# Installs with the pinned set when this Python's minor version is the one constraints.txt
# was frozen with (its '# python X.Y' line); otherwise from pyproject.toml's ranges, saying so.
# A torch from pytorch.org's own index already in .venv (its installed version has a local
# label, e.g. 2.5.1+cu118: the GPU note in README.md; PyPI's wheels have none) is kept, and
# the torch, torchvision, triton, nvidia-* and cuda-* pins are left out. A PyPI torch follows
# the pins like everything else.
$(STAMP): pyproject.toml $(CONSTRAINTS)
	@$(PYTHON) -c 'import sys; sys.exit(0 if sys.version_info >= (3, 10) else "gantutor needs Python >= 3.10")'
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --upgrade pip
	@set -e; pins=""; \
	if [ -n "$(CONSTRAINTS)" ]; then \
	  want=$$(sed -n 's/^# python \([0-9]*\.[0-9]*\).*/\1/p' "$(CONSTRAINTS)"); \
	  have=$$($(PY) -c 'import sys; print("%d.%d" % sys.version_info[:2])'); \
	  if [ "$$want" != "$$have" ]; then \
	    echo "note: $(CONSTRAINTS) was tested with Python $$want, this is $$have: installing from pyproject.toml's ranges"; \
	  elif $(PY) -c 'import sys, importlib.metadata as m; sys.exit("+" not in m.version("torch"))' 2>/dev/null; then \
	    echo "note: keeping the pytorch.org build of torch in $(VENV); the other pins of $(CONSTRAINTS) apply"; \
	    grep -vE '^((torch|torchvision|triton)==|(nvidia|cuda)-)' "$(CONSTRAINTS)" > $(VENV)/constraints-used.txt; \
	    pins="-c $(VENV)/constraints-used.txt"; \
	  else \
	    pins="-c $(CONSTRAINTS)"; \
	  fi; \
	fi; \
	echo "$(PY) -m pip install $$pins -e .[$(EXTRAS)]"; \
	$(PY) -m pip install $$pins -e ".[$(EXTRAS)]"
	touch $(STAMP)

# Resolve the newest versions pyproject.toml allows in a throw-away venv and freeze them.
# Then `make test` reinstalls .venv from the new file (the stamp depends on it) and checks them.
constraints:
	@set -e; tmp=$$(mktemp -d); trap 'rm -rf "$$tmp"' EXIT; \
	$(PYTHON) -m venv "$$tmp/venv"; \
	"$$tmp/venv/bin/python" -m pip install --upgrade pip; \
	"$$tmp/venv/bin/python" -m pip install -e ".[$(EXTRAS),site]"; \
	{ echo "# The exact versions CI tests: pip freeze of a fresh install of .[$(EXTRAS),site] (gantutor itself left out)."; \
	  "$$tmp/venv/bin/python" -c 'import platform, sys; print("# python %d.%d on %s %s; refresh with make constraints" % (sys.version_info[:2] + (platform.system(), platform.machine())))'; \
	  echo "# make installs with these pins only on that Python minor version (else from pyproject.toml's ranges)."; \
	  "$$tmp/venv/bin/python" -m pip freeze --exclude-editable | grep -v '^#'; \
	} > "$$tmp/constraints.txt"; \
	mv "$$tmp/constraints.txt" $(CONSTRAINTS); \
	echo "wrote $(CONSTRAINTS); now run make test (it reinstalls .venv with these versions)"

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
	$(PY) -m pytest -p no:xdist -m browser tests/browser --ignore=tests/browser/test_site.py --durations=10 -rfE

# The website and the decks (site/build.py; CONTRIBUTING.md, "The website"). Lessons are executed by the
# test suite's runner only when no executed copy with the same key exists in _build/executed/<mode>/
# (after `make test`, smoke copies exist). SITE_MODE=smoke is what CI builds.
SITE_MODE ?= cpu
SITE_FLAGS ?=
SITE_STAMP := $(VENV)/.gantutor-site-installed

$(SITE_STAMP): pyproject.toml $(STAMP)
	@set -e; want=$$(sed -n 's/^# python \([0-9]*\.[0-9]*\).*/\1/p' "$(CONSTRAINTS)" 2>/dev/null || true); \
	have=$$($(PY) -c 'import sys; print("%d.%d" % sys.version_info[:2])'); \
	if [ -n "$(CONSTRAINTS)" ] && [ "$$want" = "$$have" ]; then pins="-c $(CONSTRAINTS)"; else pins=""; fi; \
	echo "$(PY) -m pip install $$pins -e .[site]"; $(PY) -m pip install $$pins -e ".[site]"
	touch $(SITE_STAMP)

site: $(SITE_STAMP)
	$(PY) site/build.py site --mode $(SITE_MODE) $(SITE_FLAGS)

slides: $(SITE_STAMP)
	$(PY) site/build.py slides --mode $(SITE_MODE) $(SITE_FLAGS)

test-site: $(SITE_STAMP) $(BROWSER_STAMP)
	$(PY) -m pytest -p no:xdist -m browser tests/browser/test_site.py -rfE

# Colab ships ipywidgets 7: the widget tests and the widget lessons run with it in a venv of their own
# (pyproject.toml asks for ipywidgets >= 8, so pip is told to install 7.8.5 over it and warns about that).
IPYW7_VENV ?= .venv-ipywidgets7
test-ipywidgets7:
	test -x $(IPYW7_VENV)/bin/python || $(PYTHON) -m venv $(IPYW7_VENV)
	$(IPYW7_VENV)/bin/python -m pip install -q -c $(CONSTRAINTS) -e ".[test]"
	$(IPYW7_VENV)/bin/python -m pip install -q -r .ci/constraints-ipywidgets7.txt
	GANTUTOR_KEEP_EXECUTED=0 $(IPYW7_VENV)/bin/python -m pytest -q -p no:xdist tests/test_power_iteration_widget.py \
	  tests/test_playground.py tests/test_site_build.py::test_widget_support_lines \
	  "tests/test_notebooks.py::test_runs_in_smoke_mode" -k "not (00_ or 04_ or 06_ or 07_)"

lecture-metadata: $(STAMP)
	$(PY) site/lecture_metadata.py

bench: $(STAMP)
	@for f in benchmarks/bench_*.py; do echo "== $$f"; $(PY) $$f || exit 1; done

clean-notebooks: $(STAMP)
	$(VENV)/bin/jupyter nbconvert --clear-output --inplace notebooks/*.ipynb
