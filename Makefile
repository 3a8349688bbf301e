# The two commands a new machine needs: `make demo` and `make test`.
PYTHON ?= python3
VENV   := .venv
PY     := $(VENV)/bin/python
STAMP  := $(VENV)/.installed-stamp
export HF_HUB_OFFLINE := 1
export TRANSFORMERS_OFFLINE := 1

.PHONY: install demo test test-fast bench clean

# torch first, from the CPU build on disk: anything else pulls a multi-GB CUDA build.
$(STAMP): pyproject.toml
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install -q --upgrade pip
	$(PY) -m pip install -q torch==2.13.0
	$(PY) -m pip install -q -e '.[test]'
	touch $(STAMP)

install: $(STAMP)

demo: install
	rm -rf .modelkb-demo
	MODELKB_HOME=.modelkb-demo $(VENV)/bin/modelkb ingest examples/*.txt
	MODELKB_HOME=.modelkb-demo $(VENV)/bin/modelkb stats
	MODELKB_HOME=.modelkb-demo $(VENV)/bin/modelkb answer examples/*.txt -o .modelkb-demo/answers
	MODELKB_HOME=.modelkb-demo $(VENV)/bin/modelkb answer examples/01_*.txt
	@echo "answers written to .modelkb-demo/answers/"

test: install
	$(PY) -m pytest -q -n 2

test-fast: install
	$(PY) -m pytest -q -n 2 -m "not real_model and not slow and not postgres"

bench: install
	$(PY) benchmarks/run.py

clean:
	rm -rf $(VENV) .modelkb-demo .pytest_cache
