# Two entry points for a newcomer: `make run` (whole pipeline on embedded defaults) and
# `make test`. Both create or refresh .venv by themselves and are safe to run twice.
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
BIN := $(CURDIR)/$(VENV)/bin
STAMP := $(VENV)/.installed-stamp

export AIRFLOW_HOME ?= $(CURDIR)/.airflow
export AIRFLOW__CORE__DAGS_FOLDER := $(CURDIR)/dags
export AIRFLOW__CORE__LOAD_EXAMPLES := False
export AIRFLOW__CORE__PARALLELISM ?= 4
export AIRFLOW__API__HOST ?= 127.0.0.1
export AIRFLOW__LOGGING__LOGGING_LEVEL ?= INFO
export SCRAPY_SETTINGS_MODULE := crawlers.settings

.PHONY: venv run test lint airflow lock clean

$(STAMP): pyproject.toml requirements.lock
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	@echo ">> installing the locked environment into $(VENV) (first time: about 2 minutes)"
	$(BIN)/python -m pip install -q --upgrade "pip>=24"
	$(BIN)/python -m pip install -q -c requirements.lock -e '.[dev]'
	@touch $(STAMP)

venv: $(STAMP)

run: venv
	@echo ">> 1/4 warehouse schema (ecmon db upgrade)"
	$(BIN)/ecmon db upgrade
	@echo ">> 2/4 Airflow metadata database in $(AIRFLOW_HOME)"
	@$(BIN)/airflow db migrate > $(AIRFLOW_HOME).migrate.log 2>&1 || (cat $(AIRFLOW_HOME).migrate.log; exit 1)
	@echo ">> 3/4 DAG collect_risk_information on the demo snapshot (replay mode)"
	$(BIN)/airflow dags test collect_risk_information
	@echo ">> 4/4 DAG analyze_risk_information"
	@if [ -f dags/analyze_risk_information.py ]; then $(BIN)/airflow dags test analyze_risk_information; fi
	$(BIN)/ecmon summary

lint: venv
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

test: lint
	$(BIN)/python -m pytest

airflow: venv
	$(BIN)/airflow db migrate > /dev/null
	@echo ">> Airflow UI on http://127.0.0.1:8080 — user admin, password in $(AIRFLOW_HOME)/simple_auth_manager_passwords.json.generated"
	$(BIN)/airflow standalone

# Re-resolve the dependency lock (maintainers only; commit the result).
lock:
	rm -rf .lockvenv && $(PYTHON) -m venv .lockvenv
	.lockvenv/bin/python -m pip install -q --upgrade "pip>=24" && .lockvenv/bin/python -m pip install -q -e '.[dev]'
	.lockvenv/bin/python -m pip freeze --exclude-editable | grep -v '^-e ' > requirements.lock
	rm -rf .lockvenv

clean:
	rm -rf $(VENV) $(AIRFLOW_HOME) data/warehouse.sqlite*
