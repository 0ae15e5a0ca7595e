# Two commands: `make run` and `make test`. Everything else is optional.
SHELL := /bin/bash
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
BIN := $(VENV)/bin
PORT ?= 8000
WORKERS ?= 3
FILL ?= 0
PYTEST_ARGS ?=
FLASK := $(BIN)/flask --app wsgi

.PHONY: run test lint format bench venv clean-db form-images screenshots

venv: $(VENV)/.installed

$(VENV)/.installed: requirements.txt
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -r requirements.txt
	touch $@

run: venv
	$(FLASK) db upgrade
	$(FLASK) demo --if-empty --fill $(FILL)
	@PORT=$(PORT) $(BIN)/python -m election.demo_logins
	$(BIN)/gunicorn --workers $(WORKERS) --bind 127.0.0.1:$(PORT) --access-logfile - wsgi:app

test: venv
	$(BIN)/python -m pytest $(PYTEST_ARGS)

lint: venv
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy

format: venv
	$(BIN)/ruff format .
	$(BIN)/ruff check --fix .

# Every benchmark of issue #7, end to end; rewrites docs/BENCHMARKS.md (see bench/run.py).
# BENCH_QUICK=1 skips the nation (about 10 min); BENCH_DATABASE_URL, BENCH_NATION_URL
# name the PostgreSQL databases it drops and reloads (default bench, bench_nation).
bench: venv
	$(BIN)/python -m bench.run

# The PNGs of docs/screenshots/, taken by the browser tests (needs Chromium).
screenshots: venv
	SCREENSHOTS_DIR=$(CURDIR)/docs/screenshots $(BIN)/python -m pytest tests/e2e -q

# One PNG per official form (all its pages), from a filled demo city.
# Needs LibreOffice, poppler-utils and ImageMagick.
FORMS_DB := sqlite:///$(CURDIR)/instance/forms-demo.db
FORMS := count-record:QH:HP01-01-01:A-count-record-qh count-record:HDND_TINH:HP01-01-01:B-count-record-hdnd \
	unit-record:QH:QH-01:C-unit-record-qh city-record:QH:HP:D-city-record-qh \
	unit-record:HDND_TINH:TINH-01:E-unit-record-hdnd summary-record:HDND_TINH:HP:F-summary-record-hdnd \
	statistics::HP:G-statistics
form-images: venv
	rm -rf instance/forms-demo.db build/forms && mkdir -p build/forms docs/forms
	DATABASE_URL=$(FORMS_DB) $(FLASK) db upgrade
	DATABASE_URL=$(FORMS_DB) $(FLASK) demo --fill 100
	for form in $(FORMS); do \
	  IFS=: read kind contest scope name <<< "$$form"; \
	  DATABASE_URL=$(FORMS_DB) $(FLASK) export --form $$kind $${contest:+--contest $$contest} \
	    --scope $$scope --out build/forms/$$name.xlsx || exit 1; \
	done
	cd build/forms && soffice --headless --convert-to pdf *.xlsx > /dev/null
	rm -f docs/forms/*.png
	for pdf in build/forms/*.pdf; do \
	  name=$$(basename $$pdf .pdf); \
	  pdftoppm -png -r 60 $$pdf build/forms/$$name-page; \
	  montage build/forms/$$name-page-*.png -tile 3x -geometry +6+6 -background '#d0d0d0' \
	    docs/forms/$$name.png; \
	done

clean-db:
	rm -f instance/election.db instance/election.db-wal instance/election.db-shm
