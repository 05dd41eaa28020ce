# The two commands: `make demo` and `make test`. Both run scripts/setup first,
# which is idempotent and cheap when nothing changed.
VENV := .venv
PYTEST_ARGS ?=

.PHONY: setup demo test lint

setup:
	scripts/setup

demo: setup
	$(VENV)/bin/minga demo

test: setup
	$(VENV)/bin/python -m pytest -q -p no:cacheprovider $(PYTEST_ARGS)

lint: setup
	$(VENV)/bin/ruff check .
	$(VENV)/bin/lint-imports
