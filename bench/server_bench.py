"""Measures `wand start` the way a user meets it: server start to first HTTP 200, idle memory, and API trigger ->
run completed (plus trigger -> first block started) for the 1-block, 20-block and 3-block 100k-row pipelines.

Usage: server_bench.py WAND_BINARY PROJECT DATA_DIR [RUNS]. Prints medians with min-max. Standard library only.
"""

import json
import os
import re
import statistics
import subprocess
import sys
import time
import urllib.request
from datetime import datetime


def request(method, url, body=None):
    data = json.dumps(body).encode() if body is not None else None
    req = urllib.request.Request(url, data=data, method=method, headers={"content-type": "application/json"})
    with urllib.request.urlopen(req, timeout=60) as response:
        return json.loads(response.read() or b"null")


def rss_mb(pid):
    """RSS of a process and all its descendants, in MB."""
    total, pending = 0, [pid]
    while pending:
        current = pending.pop()
        try:
            with open(f"/proc/{current}/status") as status:
                total += next(int(line.split()[1]) for line in status if line.startswith("VmRSS:"))
            # Children are listed per thread; the worker may have been spawned from any of them.
            for task in os.listdir(f"/proc/{current}/task"):
                with open(f"/proc/{current}/task/{task}/children") as children:
                    pending.extend(int(child) for child in children.read().split())
        except (FileNotFoundError, StopIteration, ProcessLookupError):
            pass
    return total / 1024


def stamp(text):
    return datetime.fromisoformat(text.replace("Z", "+00:00")).timestamp()


def summary(values, unit="ms", scale=1000):
    values = [v * scale for v in values]
    return f"{statistics.median(values):8.1f} {unit} (min {min(values):.1f}, max {max(values):.1f}, n={len(values)})"


def main(binary, project, data_dir, runs):
    started = time.perf_counter()
    server = subprocess.Popen(
        [binary, "start", project, "--port", "0", "--data-dir", data_dir],
        stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True,
    )
    try:
        base = re.search(r"on (http://\S+)", server.stdout.readline()).group(1)
        while True:
            try:
                request("GET", f"{base}/api/v1/health")
                break
            except OSError:
                time.sleep(0.005)
        first_200 = time.perf_counter() - started
        print(f"server start to first HTTP 200: {first_200 * 1000:.1f} ms")
        time.sleep(2)  # let the warm Python worker finish its imports
        print(f"idle memory (RSS, server + warm Python worker): {rss_mb(server.pid):.1f} MB")
        for pipeline in ("one", "chain20", "frame3"):
            trigger = request("POST", f"{base}/api/v1/pipelines/{pipeline}/triggers",
                              {"name": "bench", "schedule_type": "api", "status": "active"})
            url = base + trigger["api_url"]
            completed, first_block = [], []
            for index in range(runs + 1):
                begin = time.perf_counter()
                run_id = request("POST", url, {})["pipeline_run"]["id"]
                while True:
                    run = request("GET", f"{base}/api/v1/runs/{run_id}")
                    if run["status"] in ("completed", "failed", "cancelled"):
                        break
                    time.sleep(0.002)
                elapsed = time.perf_counter() - begin
                assert run["status"] == "completed", run
                blocks = request("GET", f"{base}/api/v1/runs/{run_id}/block_runs")
                if index == 0:
                    continue  # warm-up
                completed.append(elapsed)
                first_block.append(stamp(blocks[0]["started_at"]) - stamp(run["created_at"]))
            print(f"{pipeline:8} API trigger -> run completed:   {summary(completed)}")
            print(f"{pipeline:8} API trigger -> first block start: {summary(first_block)}")
        print(f"memory after the runs (RSS): {rss_mb(server.pid):.1f} MB")
    finally:
        server.terminate()
        server.wait(timeout=30)


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2], sys.argv[3], int(sys.argv[4]) if len(sys.argv) > 4 else 20)
