# `make report`: set up and build this KB's evidence report into build/.
# `make test`: set up with the test extras and run the whole test suite.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin

.PHONY: report test audit clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

$(VENV)/.installed-report: pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet -e .
	touch $@

$(VENV)/.installed-test: pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet -e '.[test]'
	rm -f $(VENV)/.installed-report
	touch $@

report: $(VENV)/.installed-report
	$(BIN)/kb --kb . report; status=$$?; [ $$status -le 1 ] || exit $$status

audit: $(VENV)/.installed-report
	$(BIN)/kb --kb . audit

test: $(VENV)/.installed-test
	$(BIN)/ruff check kb tests bench
	$(BIN)/mypy kb tests
	$(BIN)/python -m pytest

clean:
	rm -rf build $(VENV) *.egg-info
