# dl-lab: `make run` and `make test` do all set-up on a fresh machine.
SHELL := /bin/bash
VENV ?= .venv
PY := $(VENV)/bin/python
KEDRO := $(VENV)/bin/kedro
STAMP := $(VENV)/.installed
OPTUNA_STORAGE ?= sqlite:///data/06_models/optuna.db
# Test files spread over one pytest-xdist worker per core, a file's tests in one worker (its
# module fixtures run once); `make test TEST_WORKERS=0` runs them in this process.
TEST_WORKERS ?= 2
PYTEST_PARALLEL := -n $(TEST_WORKERS) --dist loadfile
# The UIs and the tracking server listen on this machine only unless told otherwise,
# e.g. `make mlflow-server HOST=0.0.0.0` (then put authentication in front of it).
HOST ?= 127.0.0.1
MLFLOW_PORT ?= 5000
DASHBOARD_PORT ?= 8080
export KEDRO_DISABLE_TELEMETRY := true
export DO_NOT_TRACK := 1
export MPLBACKEND := Agg
export PYTHONWARNINGS := ignore::UserWarning:omegaconf,ignore::DeprecationWarning

.PHONY: install run test test-fast lint format mlflow-ui mlflow-server viz optuna-dashboard retrain bench clean

$(STAMP): pyproject.toml
	test -x $(PY) || python3 -m venv $(VENV)
	$(PY) -m pip install -q -e ".[dev]"
	touch $(STAMP)

install: $(STAMP)

run: $(STAMP)
	$(KEDRO) run
	@echo
	@echo "Report and figures:  $(CURDIR)/data/08_reporting/"
	@echo "MLflow runs:         sqlite:///$(CURDIR)/mlflow.db (artifacts in $(CURDIR)/mlruns/)"
	@echo "Browse them with:    make mlflow-ui   (http://127.0.0.1:5000/#/experiments?workflowType=machine_learning)"

test: $(STAMP)
	$(VENV)/bin/ruff check src tests bench
	$(VENV)/bin/pytest $(PYTEST_PARALLEL)

# Day-to-day: everything but the end-to-end `kedro run` tests (marked slow). CI runs `make test`.
test-fast: $(STAMP)
	$(VENV)/bin/ruff check src tests bench
	$(VENV)/bin/pytest $(PYTEST_PARALLEL) -m "not slow"

lint: $(STAMP)
	$(VENV)/bin/ruff check src tests bench
	$(VENV)/bin/ruff format --check src tests bench

format: $(STAMP)
	$(VENV)/bin/ruff format src tests bench
	$(VENV)/bin/ruff check --fix src tests bench

mlflow-ui: $(STAMP)
	@echo "Training runs: http://$(HOST):$(MLFLOW_PORT)/#/experiments?workflowType=machine_learning"
	$(VENV)/bin/mlflow ui --backend-store-uri sqlite:///mlflow.db --default-artifact-root ./mlruns --host $(HOST) --port $(MLFLOW_PORT)

# A tracking server that also serves the artifacts; point runs at it with
# MLFLOW_TRACKING_URI=http://127.0.0.1:5000 kedro run   (docs/scale.md)
mlflow-server: $(STAMP)
	$(VENV)/bin/mlflow server --backend-store-uri sqlite:///mlflow-server.db --serve-artifacts --artifacts-destination ./mlartifacts --host $(HOST) --port $(MLFLOW_PORT)

viz: $(STAMP)
	$(KEDRO) viz run --host $(HOST)

optuna-dashboard: $(STAMP)
	$(VENV)/bin/optuna-dashboard $(OPTUNA_STORAGE) --host $(HOST) --port $(DASHBOARD_PORT)

retrain: $(STAMP)
	test -f data/05_model_input/model_input.pt || $(KEDRO) run --pipelines data_processing
	$(KEDRO) run --pipelines retraining
	@echo "Audit trail: $(CURDIR)/data/08_reporting/retraining/audit.csv"

bench: $(STAMP)
	$(PY) bench/train_overhead.py
	$(PY) bench/tuning_pruning.py --seeds 42 0 1 2 3 4
	$(PY) bench/rl_cartpole.py

clean:
	rm -rf data/0*/[!.]* mlruns mlflow.db mlartifacts mlflow-server.db
