#!/usr/bin/env bash
# A re-import that merges every row: bench/import.py's generated file (10,000 rows by default)
# imported into a fresh SQLite store, then the same rows again with one more column (Notes), so
# every valid row fills that field of its contact through the contact service. Prints the wall
# and user time of the second import; run it on two versions of the code, alternating, to compare.
#
#     bench/reimport.sh [ROWS]
set -euo pipefail
cd "$(dirname "$0")/.."
rows=${1:-10000}
dir=$(mktemp -d)
trap 'rm -rf "$dir"' EXIT
.venv/bin/python - "$dir" "$rows" <<'PY'
import csv
import importlib.util
import sys
from pathlib import Path

spec = importlib.util.spec_from_file_location("generator", "bench/import.py")
generator = importlib.util.module_from_spec(spec)
spec.loader.exec_module(generator)
where, rows = Path(sys.argv[1]), int(sys.argv[2])
generator.generate(where / "first.csv", rows)
with open(where / "first.csv", newline="") as source, open(where / "again.csv", "w", newline="") as target:
    lines, out = csv.reader(source), csv.writer(target)
    out.writerow(next(lines) + ["Notes"])
    for line in lines:
        out.writerow(line + ["re-imported"])
PY
export CONTACTHUB_DATABASE_URL="sqlite:///$dir/store.db"
.venv/bin/contacthub init --json > /dev/null
.venv/bin/contacthub import "$dir/first.csv" --json > /dev/null
/usr/bin/time -f "re-import of $rows rows: %e s wall, %U s user" .venv/bin/contacthub import "$dir/again.csv" --json > /dev/null
