# govnet: the two commands a fresh machine needs are `make run` and `make test`.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed
OUT    ?= build
DESIGN ?= .

.PHONY: run test lint format bench venv clean

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --disable-pip-version-check -e '.[dev]'
	touch $(STAMP)

venv: $(STAMP)

## the main job on the reference design
run: $(STAMP)
	$(BIN)/govnet validate --design $(DESIGN)
	$(BIN)/govnet show --design $(DESIGN)
	$(BIN)/govnet graph --design $(DESIGN) --out $(OUT)/topology.png

## lint, type-check, then the whole test suite
test: lint
	$(BIN)/pytest -q

lint: $(STAMP)
	$(BIN)/ruff check src tests bench
	$(BIN)/ruff format --check src tests bench
	$(BIN)/mypy

format: $(STAMP)
	$(BIN)/ruff check --fix src tests bench
	$(BIN)/ruff format src tests bench

## speed and memory, measured side by side
bench: $(STAMP)
	$(BIN)/python bench/foundation.py

clean:
	rm -rf $(VENV) $(OUT) .mypy_cache .ruff_cache .pytest_cache
