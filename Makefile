# Shortcuts for the two quick-start commands (scripts/demo, scripts/test) and lint.
.PHONY: setup demo test lint

setup:
	scripts/setup

demo:
	scripts/demo

test:
	scripts/test $(PYTEST_ARGS)

lint: setup
	.venv/bin/ruff check .
	.venv/bin/lint-imports
