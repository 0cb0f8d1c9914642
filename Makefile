# govnet: the two commands a fresh machine needs are `make run` and `make test`.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed
OUT    ?= build
DESIGN ?= .

.PHONY: run test lint format bench venv clean lab lab-down

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
	$(BIN)/govnet render --design $(DESIGN) --out $(OUT)/configs --lab
	$(BIN)/govnet lint --design $(DESIGN)
	$(BIN)/govnet check zones --design $(DESIGN)
	-$(BIN)/govnet check --design $(DESIGN)
	$(BIN)/govnet failures --design $(DESIGN) --top 10
	-$(BIN)/govnet capacity --design $(DESIGN)
	$(BIN)/govnet report --design $(DESIGN) --out $(OUT)/report
	$(BIN)/govnet ipv6 plan --design $(DESIGN)
	$(BIN)/govnet ipv6 report --design $(DESIGN) --out $(OUT)/ipv6
	$(BIN)/govnet ipv6 coverage --design $(DESIGN)
	$(BIN)/govnet ipv6 progress --design $(DESIGN)

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

NETLAB_VENV := .venv-netlab

$(NETLAB_VENV)/.installed:
	$(PYTHON) -m venv $(NETLAB_VENV)
	$(NETLAB_VENV)/bin/pip install --quiet --disable-pip-version-check networklab
	touch $@

## speed and memory, measured side by side (netlab gets a virtualenv of its own)
bench: $(STAMP) $(NETLAB_VENV)/.installed
	$(BIN)/python bench/foundation.py
	$(BIN)/python bench/render.py
	$(BIN)/python bench/failures.py
	$(BIN)/python bench/capacity.py
	$(BIN)/python bench/lab.py

## the whole reference design as FRR routers in network namespaces (root); `make lab-down` ends it
lab: $(STAMP)
	$(BIN)/govnet lab up --design $(DESIGN) --state $(OUT)/lab/state.json
	$(BIN)/govnet lab status --state $(OUT)/lab/state.json
	$(BIN)/govnet lab verify --design $(DESIGN) --state $(OUT)/lab/state.json

lab-down: $(STAMP)
	$(BIN)/govnet lab down --state $(OUT)/lab/state.json

clean:
	rm -rf $(VENV) $(NETLAB_VENV) $(OUT) .mypy_cache .ruff_cache .pytest_cache
