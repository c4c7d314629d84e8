"""Scale-out throughput, a building block of bench/suite.py: block runs per second of a `wand start --workers 0`
server with N `wand worker` processes on one database (SQLite or PostgreSQL), and the claim latency (a parent
completed -> its child started)."""

import json
import re
import statistics
import subprocess
import sys
import time
import urllib.request
from datetime import datetime


def call(method, url, body=None):
    data = json.dumps(body).encode() if body is not None else None
    request = urllib.request.Request(url, data=data, method=method, headers={"content-type": "application/json"})
    with urllib.request.urlopen(request, timeout=60) as response:
        return json.loads(response.read() or b"null")


def stamp(text):
    return datetime.fromisoformat(text.replace("Z", "+00:00")).timestamp()


def measure(wand, project, workdir, database, workers, runs):
    common = [project, "--database-url", database, "--data-dir", f"{workdir}/data"]
    server = subprocess.Popen([wand, "start", *common, "--port", "0", "--workers", "0"],
                              stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
    base = re.search(r"on (http://\S+)", server.stdout.readline()).group(1)
    processes = [subprocess.Popen([wand, "worker", *common, "--concurrency", "1"],
                                  stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL) for _ in range(workers)]
    try:
        def run_all(count):
            ids = [call("POST", f"{base}/api/v1/pipelines/fan10/runs", {})["id"] for _ in range(count)]
            for run_id in ids:
                while call("GET", f"{base}/api/v1/runs/{run_id}")["status"] not in ("completed", "failed"):
                    time.sleep(0.01)
            return ids
        run_all(workers)  # warm-up: every worker's Python supervisor imports pandas once
        begin = time.perf_counter()
        ids = run_all(runs)
        elapsed = time.perf_counter() - begin
        latencies = []
        for run_id in ids:
            blocks = call("GET", f"{base}/api/v1/runs/{run_id}/block_runs")
            assert all(b["status"] == "completed" for b in blocks), blocks
            root = stamp(blocks[0]["completed_at"])
            latencies += [stamp(b["started_at"]) - root for b in blocks[1:]]
        return runs * 10 / elapsed, statistics.median(latencies) * 1000
    finally:
        for process in processes + [server]:
            process.terminate()
        for process in processes + [server]:
            process.wait(timeout=30)


def create_database(postgres, name):
    """A new database on the PostgreSQL server of `postgres` (a URL); returns its URL."""
    subprocess.run(["psql", postgres, "-qc", f"CREATE DATABASE {name}"], check=True)
    return postgres.rsplit("/", 1)[0] + "/" + name
