#!/usr/bin/env python3
"""The server's memory around heavy logs (issue 9, findings 5 and 6): one block printing a 150 MB line, then a block
printing 200,000 lines followed live by 20 clients. Prints the server's RSS idle, at its peak in each phase and
after, the time the long line takes to relay, and the Python supervisor's peak.

Usage: bench/log_memory.py WAND_BINARY FIXTURE_PROJECT [--python PY] [--long-bytes N] [--lines N] [--followers N]
Runs `wand start` on a scratch copy of the project under /tmp, with its data dir under /tmp too.
"""

import argparse
import http.client
import json
import os
import shutil
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request

LONG_LINE = """if 'custom' not in globals():
    from mage_ai.data_preparation.decorators import custom


@custom
def long_line(*args, **kwargs):
    print('x' * int(kwargs['size']))
    print('after the long line')
    return 1
"""

CHATTY = """if 'custom' not in globals():
    from mage_ai.data_preparation.decorators import custom


@custom
def chatty(*args, **kwargs):
    for index in range(int(kwargs['lines'])):
        print(f'line {index} ' + '.' * 60)
    return 1
"""


def add_pipeline(project, uuid, code):
    with open(os.path.join(project, "custom", f"{uuid}.py"), "w") as file:
        file.write(code)
    folder = os.path.join(project, "pipelines", uuid)
    os.makedirs(folder, exist_ok=True)
    with open(os.path.join(folder, "metadata.yaml"), "w") as file:
        file.write(
            f"blocks:\n- configuration:\n    file_source:\n      path: custom/{uuid}.py\n  downstream_blocks: []\n"
            f"  language: python\n  name: {uuid}\n  type: custom\n  upstream_blocks: []\n  uuid: {uuid}\n"
            f"name: {uuid}\ntype: python\nuuid: {uuid}\nvariables: {{}}\n"
        )


def status_kib(pid, field):
    with open(f"/proc/{pid}/status") as status:
        for line in status:
            if line.startswith(field + ":"):
                return int(line.split()[1])
    return 0


def children(pid):
    """The Python supervisor: the server's child processes."""
    found = []
    for entry in os.listdir("/proc"):
        try:
            with open(f"/proc/{entry}/stat") as stat:
                if entry.isdigit() and int(stat.read().rsplit(")", 1)[1].split()[1]) == pid:
                    found.append(int(entry))
        except (OSError, ValueError, IndexError):
            pass
    return found


def reset_peak(pid):
    with open(f"/proc/{pid}/clear_refs", "w") as file:
        file.write("5")


def mib(kib):
    return f"{kib / 1024:.1f} MiB"


class Sampler:
    """Samples a process's RSS every few milliseconds (its kernel peak, VmHWM, is read as well)."""

    def __init__(self, pid):
        self.pid = pid
        self.peak = 0
        self.running = True
        self.thread = threading.Thread(target=self.run, daemon=True)
        self.thread.start()

    def run(self):
        while self.running:
            self.peak = max(self.peak, status_kib(self.pid, "VmRSS"))
            time.sleep(0.01)

    def stop(self):
        self.running = False
        self.thread.join()
        return max(self.peak, status_kib(self.pid, "VmHWM"))


class Api:
    def __init__(self, base):
        self.base = base

    def call(self, method, path, body=None):
        data = json.dumps(body).encode() if body is not None else None
        request = urllib.request.Request(self.base + path, data=data, method=method)
        if data is not None:
            request.add_header("Content-Type", "application/json")
        with urllib.request.urlopen(request) as response:
            return json.loads(response.read())

    def raw(self, path):
        with urllib.request.urlopen(self.base + path) as response:
            return response.read()

    def run(self, pipeline, variables):
        return self.call("POST", f"/api/v1/pipelines/{pipeline}/runs", {"variables": variables})["id"]

    def wait(self, run_id):
        while True:
            run = self.call("GET", f"/api/v1/runs/{run_id}")
            if run["status"] in ("completed", "failed", "cancelled"):
                return run
            time.sleep(0.05)


def follow(host, port, run_id, block, counts, slot):
    """Reads a block's live log to its end, counting `line` events and checking their indices follow each other."""
    connection = http.client.HTTPConnection(host, port)
    connection.request("GET", f"/api/v1/runs/{run_id}/logs/{block}/stream")
    response = connection.getresponse()
    expected = 0
    event = None
    for raw in response:
        if raw.startswith(b"event: "):
            event = raw[7:].strip()
        elif raw.startswith(b"data: "):
            if event == b"end":
                break
            index = int(raw[15 : raw.index(b",")])  # data: {"index":N,...
            assert index == expected, f"follower {slot}: index {index}, expected {expected}"
            expected += 1
    connection.close()
    counts[slot] = expected


def settle(pid, api):
    """Waits until the server's RSS stops moving (a few quiet samples), then returns it."""
    api.call("GET", "/api/v1/health")
    last, same = -1, 0
    while same < 5:
        time.sleep(0.2)
        rss = status_kib(pid, "VmRSS")
        same = same + 1 if abs(rss - last) < 64 else 0
        last = rss
    return last


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("wand")
    parser.add_argument("fixture")
    parser.add_argument("--python", default=os.environ.get("WAND_PYTHON", sys.executable))
    parser.add_argument("--long-bytes", type=int, default=150_000_000)
    parser.add_argument("--lines", type=int, default=200_000)
    parser.add_argument("--followers", type=int, default=20)
    args = parser.parse_args()

    scratch = tempfile.mkdtemp(prefix="wand-log-bench-", dir="/tmp")
    project = os.path.join(scratch, os.path.basename(os.path.normpath(args.fixture)))
    shutil.copytree(args.fixture, project, ignore=shutil.ignore_patterns("__pycache__", ".venv"))
    add_pipeline(project, "long_line", LONG_LINE)
    add_pipeline(project, "chatty", CHATTY)
    server = subprocess.Popen(
        [args.wand, "start", project, "--port", "0", "--data-dir", os.path.join(scratch, "data")],
        env={**os.environ, "WAND_PYTHON": args.python},
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        text=True,
    )
    try:
        base = server.stdout.readline().split(" on ")[1].strip()
        host, port = base.removeprefix("http://").split(":")
        api = Api(base)
        # One trivial run first, so the Python supervisor is up and the server has done its first work.
        api.wait(api.run("chatty", {"lines": 10}))
        idle = settle(server.pid, api)
        print(f"idle: {mib(idle)}")

        reset_peak(server.pid)
        sampler = Sampler(server.pid)
        started = time.monotonic()
        run_id = api.run("long_line", {"size": args.long_bytes})
        run = api.wait(run_id)
        relayed = time.monotonic() - started
        peak_long = sampler.stop()
        page = api.raw(f"/api/v1/runs/{run_id}/logs/long_line")
        supervisor_peak = max((status_kib(pid, "VmHWM") for pid in children(server.pid)), default=0)
        after_long = settle(server.pid, api)
        print(
            f"{args.long_bytes:,}-byte line: run {run['status']} in {relayed:.2f} s; server peak {mib(peak_long)}, "
            f"after {mib(after_long)}; Python supervisor peak {mib(supervisor_peak)}; GET of its log "
            f"{len(page):,} bytes"
        )

        reset_peak(server.pid)
        sampler = Sampler(server.pid)
        run_id = api.run("chatty", {"lines": args.lines})
        counts = [0] * args.followers
        threads = [
            threading.Thread(target=follow, args=(host, int(port), run_id, "chatty", counts, slot))
            for slot in range(args.followers)
        ]
        started = time.monotonic()
        for thread in threads:
            thread.start()
        run = api.wait(run_id)
        for thread in threads:
            thread.join()
        followed = time.monotonic() - started
        peak_follow = sampler.stop()
        after_follow = settle(server.pid, api)
        print(
            f"{args.lines:,} lines, {args.followers} followers: run {run['status']}, every follower got "
            f"{set(counts)} lines in order in {followed:.1f} s; server peak {mib(peak_follow)}, "
            f"after {mib(after_follow)} (idle {mib(idle)}, +{mib(after_follow - idle)})"
        )
    finally:
        server.kill()
        server.wait()
        shutil.rmtree(scratch, ignore_errors=True)


if __name__ == "__main__":
    main()
