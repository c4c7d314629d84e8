#!/usr/bin/env bash
# Times `wand run` against `mage run` on the same 1-block and 20-block pipelines, alternating the two tools in one
# invocation, and prints medians and the ratio Wand/Mage. `--smoke` runs Wand once on the 1-block pipeline only
# (what CI checks: that the benchmark still runs).
#
# Needs hyperfine (apt-get install hyperfine) for the full run; Mage is installed with pip into a scratch venv
# outside the repository ($WAND_BENCH_DIR, default ~/.cache/wand/bench).
set -euo pipefail
cd "$(dirname "$0")/.."
smoke=false
[ "${1:-}" = "--smoke" ] && smoke=true

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
python3 bench/make_project.py "$work/benchproj"
profile=release
$smoke && profile=debug
if $smoke; then cargo build --quiet -p cli; else cargo build --release --quiet -p cli; fi
wand="$(realpath "${CARGO_TARGET_DIR:-target}")/$profile/wand"
python=${WAND_PYTHON:?set WAND_PYTHON to a Python with pandas and pyarrow}

if $smoke; then
  "$wand" run "$work/benchproj" one --python "$python" --data-dir "$work/data" >/dev/null
  "$wand" run "$work/benchproj" chain20 --python "$python" --data-dir "$work/data" >/dev/null
  echo "bench smoke: wand ran the 1-block and 20-block pipelines"
  exit 0
fi

bench_dir=${WAND_BENCH_DIR:-$HOME/.cache/wand/bench}
mage="$bench_dir/mage-venv/bin/mage"
if [ ! -x "$mage" ]; then
  python3 -m venv "$bench_dir/mage-venv"
  "$bench_dir/mage-venv/bin/pip" install --quiet mage-ai
fi
command -v hyperfine >/dev/null || { echo "install hyperfine (apt-get install hyperfine)"; exit 2; }

# Mage writes its data dir under the current folder's ~/.mage_data; keep both tools' data in the scratch folder.
export MAGE_DATA_DIR="$work/mage_data"
cd "$work"
for pipeline in one chain20; do
  hyperfine --warmup 1 --runs "${RUNS:-10}" --style basic --export-json "$work/$pipeline.json" \
    -n "wand $pipeline" "$wand run benchproj $pipeline --python $python --data-dir $work/wand_data" \
    -n "mage $pipeline" "$mage run benchproj $pipeline"
done
python3 - "$work" <<'PY'
import json, statistics, sys
work = sys.argv[1]
print(f"{'pipeline':<10} {'wand median':>12} {'min-max':>15} {'mage median':>12} {'min-max':>15} {'wand/mage':>10}")
for pipeline in ("one", "chain20"):
    results = {r["command"].split()[0]: r["times"] for r in json.load(open(f"{work}/{pipeline}.json"))["results"]}
    w, m = results["wand"], results["mage"]
    print(f"{pipeline:<10} {statistics.median(w):>11.3f}s {min(w):>6.3f}-{max(w):.3f}s "
          f"{statistics.median(m):>11.3f}s {min(m):>6.3f}-{max(m):.3f}s {statistics.median(w)/statistics.median(m):>10.3f}")
PY
