# tsdesk: `make run` sets up and opens the app on the sample data; `make test` runs the test suite.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.tsdesk-installed

.PHONY: setup run test bench clean

$(STAMP): pyproject.toml
	@$(PYTHON) -c 'import sys; assert sys.version_info >= (3, 11), "tsdesk needs Python 3.11 or newer"'
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[test]'
	@if [ -d examples/lstm-cnn-attention ]; then $(BIN)/python -m pip install --quiet -e examples/lstm-cnn-attention; fi
	@touch $(STAMP)

setup: $(STAMP)

run: $(STAMP)
	$(BIN)/tsdesk --demo

test: $(STAMP)
	QT_QPA_PLATFORM=offscreen $(BIN)/python -m pytest -q $(PYTEST_ARGS)

bench: $(STAMP)
	QT_QPA_PLATFORM=offscreen $(BIN)/python benchmarks/run.py --quick

clean:
	rm -rf $(VENV) build *.egg-info
