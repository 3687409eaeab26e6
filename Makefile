# Everything a fresh machine needs is installed from here; nothing by hand.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
EXAMPLES := examples/quotas.yaml examples/finance_workbook.xlsx examples/quotas.csv
export QUOTABULK_HOME ?= $(CURDIR)/.quotabulk

.PHONY: install browser demo test lint typecheck pytest bench soak schemas serve clean

install: $(STAMP)

$(STAMP): pyproject.toml
	@$(PYTHON) -c 'import sys; sys.exit(sys.version_info < (3, 11))' || \
		{ echo "quotabulk needs Python 3.11 or newer (PYTHON=$(PYTHON))"; exit 1; }
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --disable-pip-version-check -e '.[dev]'
	@touch $@

demo: install
	$(BIN)/quotabulk validate $(EXAMPLES)
	$(BIN)/quotabulk sandbox seed --from examples/current.yaml
	$(BIN)/quotabulk plan $(EXAMPLES)

test: lint typecheck pytest

lint: install
	$(BIN)/ruff check quotabulk tests benchmarks
	$(BIN)/ruff format --check quotabulk tests benchmarks

typecheck: install
	$(BIN)/mypy --strict quotabulk

# The console's browser test drives Debian's Chromium (no browser download is possible here).
browser:
	@test -x /usr/bin/chromium || { \
		echo "installing Debian's chromium for the browser test"; \
		apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null; }

pytest: install browser
	$(BIN)/pytest

bench: install
	$(BIN)/python -m benchmarks

soak: install
	$(BIN)/python -m benchmarks.soak --changes 10000 --kills 5

serve: install
	@test -f $(QUOTABULK_HOME)/sandbox.db || $(BIN)/quotabulk sandbox seed --from examples/current.yaml
	$(BIN)/quotabulk serve

schemas: install
	$(BIN)/python -m quotabulk.formats.schemas

clean:
	rm -rf $(VENV) .quotabulk .pytest_cache .mypy_cache .ruff_cache .coverage
