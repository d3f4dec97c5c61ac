# The README's two commands: `make demo` and `make test`. Each installs what it needs first.
PY := .venv/bin/python

.PHONY: demo test install install-dev lint

install:
	scripts/install.sh

install-dev:
	scripts/install.sh dev

demo: install
	$(PY) examples/video_qa.py

test: install-dev
	$(PY) -m ruff check sokrat tests bench examples
	$(PY) -m mypy sokrat
	$(PY) -m pytest -q -ra

lint: install-dev
	$(PY) -m ruff check sokrat tests bench examples
