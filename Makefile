# zhongtai — the two commands a new user needs: `make demo` and `make test`.
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-$(shell sha1sum pyproject.toml | cut -c1-12)
PG_URL ?= postgresql+psycopg://postgres@127.0.0.1:5432/postgres
HOST ?= 127.0.0.1
PORT ?= 8000
PYTEST_ARGS ?=
BENCH ?=

.PHONY: install demo serve test test-sqlite test-postgres browser-deps bench lint clean

$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install -q --upgrade pip
	$(BIN)/python -m pip install -q -e '.[dev]'
	rm -f $(VENV)/.installed-* && touch $@

install: $(STAMP)  ## create .venv and install zhongtai with its dev tools

demo: install  ## build the demo retailer on SQLite (var/zhongtai.db) and serve on http://127.0.0.1:8000
	$(BIN)/zhongtai demo --host $(HOST) --port $(PORT)

serve: install  ## serve the API and console on the configured database
	$(BIN)/zhongtai serve --host $(HOST) --port $(PORT)

browser-deps:  ## Chromium, ChromeDriver and a CJK font for the browser tests (apt, when missing)
	./scripts/ensure-browser.sh

test: install browser-deps  ## the whole suite on SQLite, then again on PostgreSQL
	$(MAKE) --no-print-directory test-sqlite
	$(MAKE) --no-print-directory test-postgres

test-sqlite: install
	@echo "== tests on SQLite =="
	env -u ZHONGTAI_DATABASE_URL $(BIN)/pytest -q $(PYTEST_ARGS)

test-postgres: install
	@echo "== tests on PostgreSQL ($(PG_URL), scratch database) =="
	ZHONGTAI_DATABASE_URL=$(PG_URL) $(BIN)/pytest -q $(PYTEST_ARGS)

bench: install  ## every benchmark on PostgreSQL (BENCH=name for one)
	ZHONGTAI_DATABASE_URL=$(PG_URL) $(BIN)/python bench/run.py $(BENCH)

lint: install
	$(BIN)/ruff check src tests bench

clean:
	rm -rf $(VENV) var .pytest_cache build *.egg-info src/*.egg-info
