# Two commands for a newcomer:  make demo  (run the system)  and  make test  (pass the tests).
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed-stamp
SYSTEM_STAMP := .system-packages-stamp
XVFB   := xvfb-run -a -s "-screen 0 1366x768x24 -nolisten tcp -noreset"

.PHONY: test lint typecheck pytest demo bench bundle clean system

# '.[dev]' installs everything: the station and server extras and the tools (pyproject.toml).
$(STAMP): pyproject.toml constraints.txt
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install -q --upgrade pip==26.3
	$(BIN)/pip install -q -c constraints.txt -e '.[dev]'
	touch $@

$(SYSTEM_STAMP): scripts/ensure-system-packages
	scripts/ensure-system-packages
	touch $@

system: $(SYSTEM_STAMP)
	@scripts/ensure-system-packages

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

typecheck: $(STAMP)
	$(BIN)/mypy --strict schema
	$(BIN)/mypy station_client sync_server

pytest: $(STAMP) system
	$(XVFB) $(BIN)/pytest -n 2 --timeout=600 $(PYTEST_ARGS)

test: lint typecheck pytest

# DEMO_ARGS: e.g. "--port 9443" when 8443 is taken.
demo: $(STAMP)
	$(BIN)/python scripts/demo.py $(DEMO_ARGS)

bench: $(STAMP) system
	$(XVFB) $(BIN)/python -m bench.run_all

bundle: $(STAMP)
	$(BIN)/pyinstaller --noconfirm packaging/station-client.spec

clean:
	rm -rf $(VENV) build dist .mypy_cache .ruff_cache .pytest_cache .hypothesis $(SYSTEM_STAMP)
