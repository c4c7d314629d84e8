#!/usr/bin/env bash
# Measures `wand start`: start to first HTTP 200, idle memory, API trigger -> run completed and -> first block
# started, on the 1-block, 20-block and 3-block 100k-row pipelines (bench/server_bench.py). `--smoke` does 1 run.
set -euo pipefail
cd "$(dirname "$0")/.."
runs=${RUNS:-20}
profile=release
if [ "${1:-}" = "--smoke" ]; then runs=1; profile=debug; fi
python=${WAND_PYTHON:?set WAND_PYTHON to a Python with pandas and pyarrow}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
python3 bench/make_project.py "$work/benchproj"
if [ "$profile" = release ]; then cargo build --release --quiet -p cli; else cargo build --quiet -p cli; fi
wand="$(realpath "${CARGO_TARGET_DIR:-target}")/$profile/wand"
WAND_PYTHON="$python" python3 bench/server_bench.py "$wand" "$work/benchproj" "$work/data" "$runs"
