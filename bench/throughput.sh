#!/usr/bin/env bash
# Block runs per second with 1, 2 and 4 workers on SQLite and PostgreSQL (bench/throughput.py), on a throwaway
# PostgreSQL 15. `--smoke` does 2 runs per configuration.
set -euo pipefail
cd "$(dirname "$0")/.."
runs=${RUNS:-30}
profile=release
if [ "${1:-}" = "--smoke" ]; then runs=2; profile=debug; fi
: "${WAND_PYTHON:?set WAND_PYTHON to a Python with pandas and pyarrow}"
work=$(mktemp -d)
source scripts/temp-postgres.sh
start_temp_postgres
trap '"${TEMP_PG_AS[@]}" "${PG_BIN:-/usr/lib/postgresql/15/bin}/pg_ctl -D $TEMP_PG_DIR/data -m immediate stop >/dev/null" || true; rm -rf "$TEMP_PG_DIR" "$work"' EXIT
python3 bench/make_project.py "$work/benchproj"
if [ "$profile" = release ]; then cargo build --release --quiet -p cli; else cargo build --quiet -p cli; fi
wand="$(realpath "${CARGO_TARGET_DIR:-target}")/$profile/wand"
python3 bench/throughput.py "$wand" "$work/benchproj" "$work" "$TEMP_PG_URL" "$runs"
