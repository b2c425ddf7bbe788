# The two commands of the quick start: `make serve` and `make test`.
PYTHON ?= python3
VENV := .venv
STAMP := $(VENV)/.installed

.PHONY: serve test bench clean

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(VENV)/bin/pip install --quiet --upgrade pip
	$(VENV)/bin/pip install --quiet -e '.[test]'
	touch $(STAMP)

# Install, migrate and serve on the SQLite file ./contacthub.db; prints a key and a first curl.
serve: $(STAMP)
	$(VENV)/bin/contacthub serve $(ARGS)

# The whole suite, on SQLite and on a throwaway PostgreSQL (see scripts/with-postgres.sh).
test: $(STAMP)
	scripts/with-postgres.sh $(VENV)/bin/python -m pytest -n auto $(ARGS)

bench: $(STAMP)
	$(VENV)/bin/pip install --quiet -e '.[bench]'
	$(VENV)/bin/python bench/api.py

clean:
	rm -rf $(VENV) *.egg-info src/*.egg-info .pytest_cache
