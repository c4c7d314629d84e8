"""Where a block's time goes inside one `wand run` of a chain, from the times Wand records per block run (no
instrumentation): the scheduler's hand-off (previous block completed -> this one queued), the claim (queued ->
started) and the block's execution as the worker sees it (started -> completed: read its run and inputs, the Python
round trip, record the outcome). Medians over every block but the first of every run; A/B binaries alternate run by run.

Usage: step_profile.py --python PY --runs N [--pipeline chain100] LABEL=WAND_BINARY [LABEL=WAND_BINARY ...]
"""

import argparse
import os
import shutil
import sqlite3
import statistics
import subprocess
import tempfile
import time
from datetime import datetime

from make_project import main as make_project


def stamp(text):
    return datetime.fromisoformat(text.replace("Z", "+00:00")).timestamp()


def profile(database, pipeline):
    """Per block run but the first of each run: (hand-off, claim, execution) in ms."""
    rows = sqlite3.connect(database).execute(
        "SELECT b.pipeline_run_id, b.queued_at, b.started_at, b.completed_at FROM block_runs b "
        "JOIN pipeline_runs r ON r.id = b.pipeline_run_id WHERE r.pipeline_uuid = ? ORDER BY b.id", (pipeline,))
    steps, previous = [], {}
    for run_id, queued, started, completed in rows:
        if run_id in previous:
            steps.append(((stamp(queued) - previous[run_id]) * 1000, (stamp(started) - stamp(queued)) * 1000,
                          (stamp(completed) - stamp(started)) * 1000))
        previous[run_id] = stamp(completed)
    return steps


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--python", required=True)
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--pipeline", default="chain100")
    parser.add_argument("binaries", nargs="+", help="LABEL=PATH")
    args = parser.parse_args()
    work = tempfile.mkdtemp(prefix="wand-steps-")
    try:
        project = os.path.join(work, "proj")
        make_project(project)
        binaries = dict(item.split("=", 1) for item in args.binaries)
        walls = {label: [] for label in binaries}
        for index in range(args.runs + 1):  # the first round warms up and is not counted
            for label, binary in binaries.items():
                data = os.path.join(work, f"data-{label}")
                begin = time.perf_counter()
                subprocess.run([binary, "run", project, args.pipeline, "--python", args.python, "--data-dir", data],
                               check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
                if index:
                    walls[label].append(time.perf_counter() - begin)
                else:  # keep the unpacked runtime, not the warm-up's runs
                    for suffix in ("", "-wal", "-shm"):
                        if os.path.exists(os.path.join(data, "wand.db" + suffix)):
                            os.remove(os.path.join(data, "wand.db" + suffix))
        for label in binaries:
            steps = profile(os.path.join(work, f"data-{label}", "wand.db"), args.pipeline)
            columns = [statistics.median(column) for column in zip(*steps)]
            print(f"{label}: run {statistics.median(walls[label]):.3f} s (median of {len(walls[label])}); per block "
                  f"(median of {len(steps)}): hand-off {columns[0]:.2f} ms, claim {columns[1]:.2f} ms, execution "
                  f"{columns[2]:.2f} ms, sum {sum(columns):.2f} ms", flush=True)
    finally:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
