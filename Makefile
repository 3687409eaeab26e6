# Everything a fresh machine needs is installed from here; nothing by hand.
# Prerequisites: Python >= 3.11 and make. uv is bootstrapped from PyPI into .tools/ and
# installs the exact set pinned in uv.lock into .venv (never downloading a Python).
PYTHON ?= python3
UV_VERSION := 0.13.8
TOOLS := .tools
UV := $(TOOLS)/bin/uv
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
EXAMPLES := examples/quotas.yaml examples/finance_workbook.xlsx examples/quotas.csv
export QUOTABULK_HOME ?= $(CURDIR)/.quotabulk
export UV_PYTHON_DOWNLOADS := never
export UV_PROJECT_ENVIRONMENT := $(CURDIR)/$(VENV)
# Installed packages come with their bytecode: a command's first start on a fresh machine
# (or with PYTHONDONTWRITEBYTECODE set) does not compile httpx and pydantic from source.
export UV_COMPILE_BYTECODE := 1
# CI installs exactly what the lock says and fails if pyproject.toml drifted from it.
UV_SYNC_FLAGS := $(if $(CI),--locked,--frozen)
# apt waits for another apt (a daily update) instead of failing at once.
APT := DEBIAN_FRONTEND=noninteractive apt-get -o DPkg::Lock::Timeout=600 -qq

.PHONY: install mo catalogue browser terminal clock office demo test check lint typecheck pytest bench soak schemas serve lock clean

install: $(STAMP) mo

$(UV):
	@$(PYTHON) -c 'import sys; sys.exit(sys.version_info < (3, 11))' || \
		{ echo "quotabulk needs Python 3.11 or newer (PYTHON=$(PYTHON))"; exit 1; }
	$(PYTHON) -m venv $(TOOLS)
	$(TOOLS)/bin/python -m pip install --quiet --disable-pip-version-check uv==$(UV_VERSION)

$(STAMP): $(UV) pyproject.toml uv.lock
	$(UV) sync $(UV_SYNC_FLAGS) --python $(PYTHON) --quiet
	@touch $@

# The translations, compiled for gettext (quotabulk compiles a missing or older one in
# memory, so a checkout without them still speaks every language, only slower to start).
LOCALE := quotabulk/i18n/locale
PO := $(wildcard $(LOCALE)/*/LC_MESSAGES/quotabulk.po)
mo: $(PO:.po=.mo)
$(LOCALE)/%/LC_MESSAGES/quotabulk.mo: $(LOCALE)/%/LC_MESSAGES/quotabulk.po $(STAMP)
	$(BIN)/pybabel -q compile --statistics -D quotabulk -d $(LOCALE) -l $*

# After changing a message: extract the English words marked in the code (N_, NP_, C_,
# _, n_, p_), bring every .po up to date, then translate what is new (empty msgstr).
# `make check` fails while a .po lacks a translation or differs from the code.
catalogue: install
	$(BIN)/python -m quotabulk.cli.catalogue || \
		{ echo "translate the empty msgstr entries in $(PO)"; exit 1; }

# Update the lock in its own commit: `make lock`, then commit uv.lock alone.
lock: $(UV)
	$(UV) lock --python $(PYTHON)

# The main job against the built-in sandbox operator: validate, plan, apply (send, follow,
# verify), the report, and a last plan that finds nothing left to do. Seeding first makes
# it the same demo every time.
demo: install
	$(BIN)/quotabulk validate $(EXAMPLES)
	$(BIN)/quotabulk sandbox seed --from examples/current.yaml
	$(BIN)/quotabulk plan $(EXAMPLES)
	$(BIN)/quotabulk apply --yes $(EXAMPLES) --report $(QUOTABULK_HOME)/demo-report.xlsx
	$(BIN)/quotabulk plan $(EXAMPLES)

test: lint typecheck pytest

# The fast loop while changing the code: lint, the import contracts, types, and every test
# not marked slow — no apt, no browser, no office suite, no coverage (`make test` is all).
check: lint typecheck
	$(BIN)/pytest -m "not slow" --no-cov -q

lint: install
	$(BIN)/ruff check quotabulk tests benchmarks
	$(BIN)/ruff format --check quotabulk tests benchmarks
	$(BIN)/lint-imports

typecheck: install
	$(BIN)/mypy --strict quotabulk

# The console's browser tests drive Debian's Chromium (no browser download is possible here).
browser:
	@test -x /usr/bin/chromium || { \
		echo "installing Debian's chromium for the browser tests"; \
		$(APT) update && $(APT) install -y chromium >/dev/null; }

# A test drives `apply` on a real terminal (the plan on screen while its question waits).
terminal:
	@command -v tmux >/dev/null || { \
		echo "installing Debian's tmux for the terminal test"; \
		$(APT) update && $(APT) install -y tmux >/dev/null; }

# The nightly runs of quotas with periods are tested on moved days: Debian's faketime
# moves a whole process's clock (the command under test, not the test's sandbox).
clock:
	@command -v faketime >/dev/null || { \
		echo "installing Debian's faketime for the tests of periods"; \
		$(APT) update && $(APT) install -y faketime >/dev/null; }

# Tests read files saved by a real office suite (.xls, .ods, formulas) and print reports
# with it: Debian's LibreOffice, and poppler-utils to read the printed pages back.
office:
	@command -v soffice >/dev/null && command -v pdftotext >/dev/null || { \
		echo "installing Debian's libreoffice-calc-nogui and poppler-utils for the office tests"; \
		$(APT) update && $(APT) install -y --no-install-recommends \
			libreoffice-calc-nogui poppler-utils >/dev/null; }

# Branch coverage may not fall below what it was (87 % on 2026-11-30, less a point of noise).
pytest: install browser office terminal clock
	$(BIN)/pytest --cov-fail-under=86

# Benchmarks time whole commands: our own modules are compiled first, as an installed
# package's are, so no run pays for compiling the source that was just edited.
bench: install
	$(BIN)/python -m compileall -q quotabulk
	$(BIN)/python -m benchmarks $(BENCH)

# Both dialects: ours (idempotency keys, versions) and the MTS-shaped one (neither).
soak: install
	$(BIN)/python -m benchmarks.soak --changes 10000 --kills 5
	$(BIN)/python -m benchmarks.soak_mts --changes 1000 --kills 5

serve: install
	@test -f $(QUOTABULK_HOME)/sandbox.db || $(BIN)/quotabulk sandbox seed --from examples/current.yaml
	$(BIN)/quotabulk serve

schemas: install
	$(BIN)/python -m quotabulk.sandbox.schemas

clean:
	rm -rf $(VENV) $(TOOLS) .quotabulk .pytest_cache .mypy_cache .ruff_cache .coverage
