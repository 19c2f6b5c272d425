# Two entry points for a fresh machine: `make demo` and `make test`.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed
JOBS   ?= 2

.PHONY: install bytecode demo test bench clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)

$(STAMP): pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev,dask]'
	$(BIN)/python -m ipykernel install --sys-prefix --name python3 >/dev/null
	touch $(STAMP)

install: $(STAMP)

# The kit's bytecode, written once: an editable install is otherwise compiled again by every
# process and every report kernel when PYTHONDONTWRITEBYTECODE is set (a stale file is ignored).
bytecode: $(STAMP)
	$(BIN)/python -m compileall -q diagnostic

demo: $(STAMP) bytecode
	$(BIN)/diagnostic demo

test: $(STAMP)
	$(BIN)/python -m pytest -n $(JOBS) -q

# make bench                     every benchmark (about 7 minutes)
# make bench BENCH="rapport lot"  some of them; BENCH_ORNE=1 adds the 385 communes of the Orne
BENCH ?=
bench: $(STAMP) bytecode
	$(BIN)/python -m benchmarks $(BENCH)

clean:
	rm -rf $(VENV) reports/*/ .pytest_cache
