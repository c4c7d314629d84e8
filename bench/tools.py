"""Building blocks of bench/suite.py: HTTP calls, memory of a whole process tree, summaries of timings, and one
class per server (`wand start`, `mage start`) with the same small interface, so every measurement is written once
and run on both tools. Standard library only."""

import json
import os
import re
import signal
import socket
import sqlite3
import statistics
import subprocess
import time
import urllib.error
import urllib.request
from datetime import datetime, timezone


def call(method, url, body=None, timeout=120):
    data = json.dumps(body).encode() if body is not None else None
    request = urllib.request.Request(url, data=data, method=method, headers={"content-type": "application/json"})
    with urllib.request.urlopen(request, timeout=timeout) as response:
        return json.loads(response.read() or b"null")


def call_with(base, method, path, body, headers):
    """`call` with extra headers."""
    request = urllib.request.Request(base + path, data=json.dumps(body).encode(), method=method,
                                     headers=dict(headers, **{"content-type": "application/json"}))
    with urllib.request.urlopen(request, timeout=120) as response:
        return json.loads(response.read() or b"null")


def session_cookie(base, credentials):
    """Signs in; the `name=value` of the session cookie."""
    request = urllib.request.Request(base + "/api/v1/sessions", data=json.dumps(credentials).encode(),
                                     method="POST", headers={"content-type": "application/json"})
    with urllib.request.urlopen(request, timeout=120) as response:
        return response.headers["set-cookie"].split(";")[0]


def latencies(base, method, path, count, headers=None, body=None):
    """Milliseconds of `count` requests on one kept-alive connection (the first, which opens it, is not counted)."""
    import http.client
    from urllib.parse import urlsplit

    address = urlsplit(base)
    connection = http.client.HTTPConnection(address.hostname, address.port, timeout=60)
    headers = dict(headers or {}, **({"content-type": "application/json"} if body is not None else {}))
    data = json.dumps(body) if body is not None else None
    times = []
    try:
        for index in range(count + 1):
            begin = time.perf_counter()
            connection.request(method, path, body=data, headers=headers)
            response = connection.getresponse()
            response.read()
            if response.status >= 300:
                raise RuntimeError(f"{method} {path} answered {response.status}")
            if index:
                times.append((time.perf_counter() - begin) * 1000)
    finally:
        connection.close()
    return times


def stamp(text):
    """Seconds since the epoch of an API date (RFC 3339 from Wand, `2026-11-27 06:40:00.1` from Mage: UTC)."""
    value = datetime.fromisoformat(text.replace("Z", "+00:00"))
    return (value if value.tzinfo else value.replace(tzinfo=timezone.utc)).timestamp()


def ended_at(run):
    """When a run ended by the server's own record (`completed_at`, seconds since the epoch), None without one."""
    return stamp(run["completed_at"]) if run.get("completed_at") else None


def free_port():
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def tree(pid):
    """The pid and every descendant (children are listed per thread: a child may come from any thread)."""
    found, pending = [], [pid]
    while pending:
        current = pending.pop()
        found.append(current)
        try:
            for task in os.listdir(f"/proc/{current}/task"):
                with open(f"/proc/{current}/task/{task}/children") as children:
                    pending.extend(int(child) for child in children.read().split())
        except (FileNotFoundError, ProcessLookupError):
            pass
    return found


def memory_mb(pid):
    """(RSS, PSS) in MB summed over the process tree, from /proc/<pid>/smaps_rollup."""
    rss = pss = 0
    for member in tree(pid):
        try:
            with open(f"/proc/{member}/smaps_rollup") as rollup:
                for line in rollup:
                    if line.startswith("Rss:"):
                        rss += int(line.split()[1])
                    elif line.startswith("Pss:"):
                        pss += int(line.split()[1])
        except (FileNotFoundError, ProcessLookupError, PermissionError):
            pass
    return rss / 1024, pss / 1024


class Stat:
    """Repeated measurements of one quantity. A Stat with no values says so instead of failing."""

    def __init__(self, values, unit, note=""):
        self.values, self.unit, self.note = list(values), unit, note

    @property
    def median(self):
        """The median, or None when nothing was measured."""
        return statistics.median(self.values) if self.values else None

    def __str__(self):
        def fmt(value):
            return f"{value:.3g}" if abs(value) < 100 else f"{value:.0f}"
        if not self.values:
            return f"no figure ({self.unit}, n=0)"
        if len(self.values) == 1:
            return f"{fmt(self.values[0])} {self.unit} (n=1)"
        return (f"{fmt(self.median)} {self.unit} ({fmt(min(self.values))}–{fmt(max(self.values))}, "
                f"n={len(self.values)})")


def divide(numerator, denominator):
    """numerator / denominator, or None when either is missing or the denominator is 0."""
    if numerator is None or denominator is None or denominator == 0:
        return None
    return numerator / denominator


def ratio(wand, mage):
    """The Wand/Mage cell of a row: the ratio of two medians, or why there is none."""
    if not isinstance(wand, Stat) or not isinstance(mage, Stat):
        return "—"
    if wand.median is None or mage.median is None:
        return "— (no figure)"
    value = divide(wand.median, mage.median)
    if value is None:
        return "— (Mage's median is 0)"
    return f"{value:.3g}"


def rate(count, stat, unit):
    """A Stat of `count` / the median of `stat` (seconds), or None when there is no such figure."""
    value = divide(count, stat.median) if isinstance(stat, Stat) else None
    return Stat([value], unit) if value is not None else None


def per_block(long, one, blocks):
    """The per-block cost in ms between a run of `blocks` blocks and a 1-block run (Stats in seconds), or None."""
    if not isinstance(long, Stat) or not isinstance(one, Stat) or long.median is None or one.median is None:
        return None
    return Stat([(long.median - one.median) / (blocks - 1) * 1000], "ms")


def spacing_ms(moments):
    """The mean time in ms between consecutive moments (seconds) of one run: (last − first) / (count − 1)."""
    moments = sorted(moments)
    return (moments[-1] - moments[0]) / (len(moments) - 1) * 1000 if len(moments) > 1 else None


def wand_block_ends(database, pipeline):
    """When each block run of the newest run of `pipeline` completed (seconds), from Wand's run history."""
    connection = sqlite3.connect(database)
    try:
        rows = connection.execute(
            "SELECT completed_at FROM block_runs WHERE completed_at IS NOT NULL AND pipeline_run_id = "
            "(SELECT max(id) FROM pipeline_runs WHERE pipeline_uuid = ?)", (pipeline,)).fetchall()
    finally:
        connection.close()
    return [stamp(text) for (text,) in rows]


def mage_block_ends(variables):
    """When each block of a `mage run` stored its output (seconds): the time its `output_0/data.json` was written,
    under the pipeline's `.variables` folder (Mage prints nothing per block and keeps no block runs for `mage run`)."""
    ends = []
    for block in os.listdir(variables) if os.path.isdir(variables) else []:
        data = os.path.join(variables, block, "output_0", "data.json")
        if os.path.exists(data):
            ends.append(os.stat(data).st_mtime_ns / 1e9)
    return ends


def change(new, old, spec, scale=1):
    """The difference of two Stats' medians, formatted with `spec`, or "?" when either has no figure."""
    if not isinstance(new, Stat) or not isinstance(old, Stat) or new.median is None or old.median is None:
        return "?"
    return format((new.median - old.median) * scale, spec)


def meets(check, stat):
    """"met" / "not met" for a Stat's median under `check`, "—" when there is nothing to check."""
    if not check or not isinstance(stat, Stat) or stat.median is None:
        return "—"
    return "met" if check(stat.median) else "not met"


class Server:
    """A server under measurement, started in its own process group (stopped with the whole group)."""

    poll = 0.002  # seconds between two status polls of a run

    def stop(self):
        if self.process and self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGTERM)
            try:
                self.process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                os.killpg(self.process.pid, signal.SIGKILL)
                self.process.wait()
        self.process = None

    def wait_ready(self, started, timeout=180):
        while time.perf_counter() - started < timeout:
            if self.process.poll() is not None:
                raise RuntimeError(f"{self.name} exited with {self.process.returncode} before answering")
            try:
                urllib.request.urlopen(self.base + self.ready_path, timeout=5).close()
                return time.perf_counter() - started
            except (OSError, urllib.error.HTTPError):
                time.sleep(self.poll)
        raise RuntimeError(f"{self.name} did not answer within {timeout} s")

    def memory(self):
        return memory_mb(self.process.pid)

    def wait_runs(self, run_ids, timeout=600, poll=None):
        """Waits until every run has ended; returns {id: status}. Raises TimeoutError past `timeout` seconds.
        It asks about the oldest run not yet seen ended, every `poll` seconds (`self.poll` unless given), so waiting
        on many runs costs the server about one request a poll, not one per run."""
        ended, pending, deadline = {}, list(run_ids), time.perf_counter() + timeout
        while pending:
            while pending and (status := self.run_status(pending[0])) in ("completed", "failed", "cancelled"):
                ended[pending.pop(0)] = status
            if pending:
                if time.perf_counter() > deadline:
                    raise TimeoutError(f"{len(ended)} of {len(run_ids)} runs ended within {timeout} s")
                time.sleep(self.poll if poll is None else poll)
        return ended


class Wand(Server):
    name, ready_path = "wand", "/api/v1/health"

    def __init__(self, binary, project, data_dir, python, workers=None, env=None):
        self.binary, self.project, self.data_dir, self.python, self.workers = binary, project, data_dir, python, workers
        self.env = dict(os.environ, **(env or {}))
        self.process = None

    def start(self):
        command = [self.binary, "start", self.project, "--port", "0", "--data-dir", self.data_dir,
                   "--python", self.python]
        if self.workers is not None:
            command += ["--workers", str(self.workers)]
        started = time.perf_counter()
        self.process = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True,
                                        start_new_session=True, env=self.env)
        self.base = re.search(r"on (http://\S+)", self.process.stdout.readline()).group(1)
        return self.wait_ready(started)

    def api_trigger(self, pipeline):
        """The API-trigger URL of `bench_<pipeline>`: created, or the one an earlier part saved in triggers.yaml."""
        name = f"bench_{pipeline}"
        for trigger in call("GET", f"{self.base}/api/v1/pipelines/{pipeline}/triggers"):
            if trigger["name"] == name and trigger.get("api_url"):
                return self.base + trigger["api_url"]
        trigger = call("POST", f"{self.base}/api/v1/pipelines/{pipeline}/triggers",
                       {"name": name, "schedule_type": "api", "status": "active"})
        return self.base + trigger["api_url"]

    def trigger(self, url):
        return call("POST", url, {})["pipeline_run"]["id"]

    def run_status(self, run_id):
        return call("GET", f"{self.base}/api/v1/runs/{run_id}")["status"]

    def ended_at(self, run_id):
        return ended_at(call("GET", f"{self.base}/api/v1/runs/{run_id}"))

    def trigger_count(self):
        return sum(len(call("GET", f"{self.base}/api/v1/pipelines/{p}/triggers")) for p in ("one",))

    def runs(self, since, until):
        """Every run whose execution date is in [since, until), as (execution_date, created_at) in seconds."""
        found, before = [], None
        while True:
            query = f"since={since}&until={until}&limit=500" + (f"&before={before}" if before else "")
            page = call("GET", f"{self.base}/api/v1/runs?{query.replace('+', '%2B')}")
            found += [(stamp(run["execution_date"]), stamp(run["created_at"])) for run in page["runs"]]
            before = page.get("next_before")
            if not before:
                return found


class Mage(Server):
    name, ready_path, poll = "mage", "/api/status", 0.25

    def __init__(self, venv, project, data_dir, login=False):
        self.venv, self.project, self.data_dir, self.login = venv, project, data_dir, login
        self.process = None

    def start(self):
        port = free_port()
        self.base = f"http://127.0.0.1:{port}"
        # Mage 0.9.80 requires a login by default; its REST API is measured without one, like Wand today.
        env = dict(os.environ, MAGE_DATA_DIR=self.data_dir, REQUIRE_USER_AUTHENTICATION="1" if self.login else "0")
        started = time.perf_counter()
        self.process = subprocess.Popen(
            [f"{self.venv}/bin/mage", "start", self.project, "--host", "127.0.0.1", "--port", str(port)],
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, env=env, cwd=os.path.dirname(self.project),
            start_new_session=True)
        return self.wait_ready(started)

    def api_trigger(self, pipeline):
        schedule = call("POST", f"{self.base}/api/pipelines/{pipeline}/pipeline_schedules",
                        {"pipeline_schedule": {"name": f"bench_{pipeline}", "schedule_type": "api",
                                               "status": "active"}})["pipeline_schedule"]
        return f"{self.base}/api/pipeline_schedules/{schedule['id']}/pipeline_runs/{schedule['token']}"

    def trigger(self, url):
        return call("POST", url, {})["pipeline_run"]["id"]

    def run_status(self, run_id):
        return call("GET", f"{self.base}/api/pipeline_runs/{run_id}")["pipeline_run"]["status"]

    def ended_at(self, run_id):
        return ended_at(call("GET", f"{self.base}/api/pipeline_runs/{run_id}")["pipeline_run"])

    def trigger_count(self):
        answer = call("GET", f"{self.base}/api/pipelines/one/pipeline_schedules")
        if "pipeline_schedules" not in answer:  # e.g. an error while the scheduler syncs triggers.yaml: ask again
            print(f"  mage answered {str(answer)[:300]}", flush=True)
        return len(answer.get("pipeline_schedules", []))

    def runs(self, since, until):
        lower, upper = stamp(since), stamp(until)
        page = call("GET", f"{self.base}/api/pipeline_runs?pipeline_uuid=one&_limit=100000")["pipeline_runs"]
        found = [(stamp(run["execution_date"]), stamp(run["created_at"])) for run in page]
        return [(slot, created) for slot, created in found if lower <= slot < upper]


class Receiver:
    """A local HTTP endpoint that answers every POST with 200 and counts them by path: stands in for an OTLP
    collector and a Slack webhook in the monitoring part. Runs in a thread of the suite's process."""

    def __init__(self):
        import http.server
        import threading

        counts = self.counts = {}

        class Handler(http.server.BaseHTTPRequestHandler):
            def do_POST(self):
                self.rfile.read(int(self.headers.get("content-length") or 0))
                counts[self.path] = counts.get(self.path, 0) + 1
                self.send_response(200)
                self.send_header("content-length", "0")
                self.end_headers()

            def log_message(self, *args):
                pass

        self.server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.base = f"http://127.0.0.1:{self.server.server_address[1]}"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def stop(self):
        self.server.shutdown()
        self.server.server_close()


class Scraper:
    """Scrapes `base + /metrics` every `every` seconds in a thread, as Prometheus would, until stopped."""

    def __init__(self, base, every):
        import threading

        self.base, self.every, self.count, self.failures = base, every, 0, []
        self.done = threading.Event()
        self.thread = threading.Thread(target=self.loop, daemon=True)
        self.thread.start()

    def loop(self):
        while not self.done.wait(self.every):
            try:
                with urllib.request.urlopen(self.base + "/metrics", timeout=30) as response:
                    response.read()
                self.count += 1
            except OSError as error:
                self.failures.append(str(error))

    def stop(self):
        self.done.set()
        self.thread.join()
