# Two entry points a fresh machine needs: `make run` and `make test`.
VENV ?= .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed

.PHONY: run test lint bench clean

$(STAMP): pyproject.toml
	python3 -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e '.[dev]'
	touch $(STAMP)

run: $(STAMP)
	$(VENV)/bin/cchc ingest data/raw --out data/clean

test: $(STAMP)
	$(VENV)/bin/ruff check .
	$(PY) -m pytest -q

bench: $(STAMP)
	$(PY) benchmarks/bench_match.py
	$(PY) benchmarks/bench_formats.py
	$(PY) benchmarks/run_bench.py --sizes 1000 4000 10000 --mix txt=1
	$(PY) benchmarks/run_bench.py --sizes 500 --mix docx=1
	$(PY) benchmarks/run_bench.py --sizes 1000 5000 10000

clean:
	rm -rf $(VENV) data/clean/*.parquet data/clean/_manifest.json
