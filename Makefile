# Two commands: `make run` and `make test`. Everything else is optional.
SHELL := /bin/bash
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
BIN := $(VENV)/bin
PORT ?= 8000
WORKERS ?= 3
FILL ?= 0
YEAR ?= 2021
PYTEST_ARGS ?=
FLASK := $(BIN)/flask --app wsgi

.PHONY: run test lint format bench venv clean-db form-images screenshots cluster cluster-stop cluster-remove

venv: $(VENV)/.installed

$(VENV)/.installed: requirements.txt
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -r requirements.txt
	touch $@

run: venv
	$(FLASK) db upgrade
	$(FLASK) demo --if-empty --year $(YEAR) --fill $(FILL)
	@PORT=$(PORT) YEAR=$(YEAR) $(BIN)/python -m election.demo_logins
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
# Needs LibreOffice, poppler-utils and ImageMagick (installed with apt-get when missing).
FORMS_DB := sqlite:///$(CURDIR)/instance/forms-demo.db
FORMS_DB_2026 := sqlite:///$(CURDIR)/instance/forms-2026.db
FORMS := count-record:QH:HP01-01-01:A-count-record-qh count-record:HDND_TINH:HP01-01-01:B-count-record-hdnd \
	unit-record:QH:QH-01:C-unit-record-qh city-record:QH:HP:D-city-record-qh \
	unit-record:HDND_TINH:TINH-01:E-unit-record-hdnd summary-record:HDND_TINH:HP:F-summary-record-hdnd \
	statistics::HP:G-statistics
form-images: venv
	@command -v soffice >/dev/null && command -v pdftoppm >/dev/null && command -v montage >/dev/null \
	  || { SUDO=$$([ "$$(id -u)" -eq 0 ] || echo sudo); $$SUDO apt-get update -q >/dev/null; \
	       DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -q --no-install-recommends \
	       libreoffice-calc poppler-utils imagemagick fonts-liberation >/dev/null; }
	rm -rf instance/forms-demo.db build/forms && mkdir -p build/forms docs/forms
	DATABASE_URL=$(FORMS_DB) $(FLASK) db upgrade
	DATABASE_URL=$(FORMS_DB) $(FLASK) demo --fill 100
	for form in $(FORMS); do \
	  IFS=: read kind contest scope name <<< "$$form"; \
	  DATABASE_URL=$(FORMS_DB) $(FLASK) export --form $$kind $${contest:+--contest $$contest} \
	    --scope $$scope --out build/forms/$$name.xlsx || exit 1; \
	done
	# 2026: Hải Phòng after the merger, 60 % of the records in: the unit record is provisional.
	rm -f instance/forms-2026.db
	DATABASE_URL=$(FORMS_DB_2026) $(FLASK) db upgrade
	DATABASE_URL=$(FORMS_DB_2026) $(FLASK) demo --year 2026 --fill 60
	DATABASE_URL=$(FORMS_DB_2026) $(FLASK) export --form unit-record --contest QH --scope QH-01 \
	  --out build/forms/H-unit-record-qh-2026-provisional.xlsx
	# An additional election's unit record, from the round sequence of the law tests.
	FORMS_OUT=$(CURDIR)/build/forms $(BIN)/python -m pytest -q tests/api/test_rounds_law.py \
	  -k first_then_re_election_then_additional
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

# A deployment on this machine (deploy/cluster.sh, docs/SCALING.md): PostgreSQL primary
# (5434) and streaming replica (5435), two gunicorn hosts (8481, 8482), HAProxy on 8480.
cluster: venv
	deploy/cluster.sh start

cluster-stop:
	deploy/cluster.sh stop

cluster-remove:
	deploy/cluster.sh remove
