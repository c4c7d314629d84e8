"""Checks that the `wand` a wheel installed into a venv serves a project: `wand start` on a copy of the project and a
free port, then the health route, the UI's front page and its script (from inside the binary), the venv's own Python
for the blocks, and a pipeline run to completion through the API; then a clean stop. Exits 1 with the reason and the
server's output when any of that does not hold. Standard library only: it runs with the fresh venv's Python.

    python scripts/wheel_serves.py VENV PROJECT PIPELINE SCRATCH_DIR
"""

import json
import os
import queue
import re
import shutil
import signal
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
from pathlib import Path

SERVING_WITHIN = 60  # seconds until `wand start` says where it serves
RUN_WITHIN = 300  # seconds for the pipeline run (its first block imports pandas)
STOP_WITHIN = 30  # seconds for a clean stop after SIGTERM
POLL = 0.2  # seconds between two looks at the run's status

# Settings of the caller's environment that would make the server use something else than the wheel's defaults.
CLEARED = (
    "WAND_PYTHON",
    "WAND_DATA_DIR",
    "WAND_DATABASE_URL",
    "WAND_OWNER_EMAIL",
    "WAND_OWNER_PASSWORD",
    "DEFAULT_OWNER_EMAIL",
    "DEFAULT_OWNER_PASSWORD",
    "PYTHONPATH",
    "VIRTUAL_ENV",
)


class Failed(Exception):
    """What did not hold."""


def main(venv, project, pipeline, scratch):
    venv, scratch = Path(venv).absolute(), Path(scratch).absolute()
    copy = scratch / Path(project).name
    shutil.copytree(project, copy, ignore=shutil.ignore_patterns(".venv", "__pycache__"))
    wand = venv / "bin" / "wand"
    log = scratch / "server.log"
    env = {name: value for name, value in os.environ.items() if name not in CLEARED}
    env["PATH"] = f"{venv / 'bin'}{os.pathsep}{env.get('PATH', '')}"  # as after `source venv/bin/activate`
    command = [str(wand), "start", str(copy), "--port", "0", "--data-dir", str(scratch / "data")]
    with open(log, "wb") as stderr:
        server = subprocess.Popen(command, env=env, cwd=scratch, stdout=subprocess.PIPE, stderr=stderr)
    try:
        base = serving_address(server)
        check_server(base, wand, venv, copy, pipeline)
        stop(server)
    except Failed as failure:
        if server.poll() is None:
            server.kill()
            server.wait()
        print(
            f"FAILED: {failure}\n--- the server's output ({log}) ---\n{log.read_text(errors='replace')}",
            file=sys.stderr,
        )
        return 1
    print(
        f"the wheel's wand served {copy.name} on {base}: health, the UI, and a run of {pipeline} with {venv}'s Python"
    )
    return 0


def serving_address(server):
    """The `http://127.0.0.1:PORT` of the server's first line, which it prints once it listens."""
    lines = queue.Queue()

    def read():
        for line in server.stdout:
            lines.put(line.decode(errors="replace"))
        lines.put(None)

    threading.Thread(target=read, daemon=True).start()
    try:
        line = lines.get(timeout=SERVING_WITHIN)
    except queue.Empty:
        raise Failed(f"`wand start` printed no serving line within {SERVING_WITHIN} s") from None
    match = re.search(r" on (http://\S+)", line or "")
    if not match:
        raise Failed(f"`wand start` exited ({server.poll()}) or printed {line!r} instead of where it serves")
    return match.group(1)


def check_server(base, wand, venv, project, pipeline):
    status, health = request(base, "GET", "/api/v1/health")
    expect(status == 200 and json.loads(health).get("status") == "ok", f"health answered {status} {health!r}")

    status, page = request(base, "GET", "/")
    page = page.decode()
    expect(status == 200 and '<div id="root">' in page, f"the front page answered {status}: {page[:300]!r}")
    script = re.search(r'<script type="module"[^>]* src="/(assets/[^"]+\.js)"', page)
    expect(script, f"the front page names no script: {page[:500]!r}")
    status, code = request(base, "GET", "/" + script.group(1))
    expect(
        status == 200 and len(code) > 1000, f"the UI's script {script.group(1)} answered {status} ({len(code)} bytes)"
    )
    # A debug build of rust-embed reads ui/dist from the source tree at run time; only an embedded UI puts the asset's
    # name into the binary. Without this, a wheel that serves nothing away from this checkout would pass.
    expect(
        script.group(1).encode() in wand.read_bytes(),
        f"{wand} does not embed the UI (its {script.group(1)} is read from the source tree): build it with the "
        "`embed-ui` feature (pyproject.toml turns it on)",
    )

    status, python = request(base, "GET", "/api/v1/python")
    interpreter = json.loads(python).get("interpreter") or ""
    expect(
        status == 200 and Path(interpreter).parent.resolve() == (venv / "bin").resolve(),
        f"blocks should run with the venv's Python, but /api/v1/python answered {status} {python!r}",
    )

    status, created = request(base, "POST", f"/api/v1/pipelines/{pipeline}/runs", {})
    expect(status == 201, f"starting {pipeline} answered {status} {created!r}")
    run_id = json.loads(created)["id"]
    run = wait_for_run(base, run_id)
    if run.get("status") != "completed":
        raise Failed(f"run {run_id} ended {run.get('status')}:\n{block_logs(base, run_id)}")
    expect(not (project / ".venv").exists(), f"a .venv was built in {project} instead of using the venv's Python")


def wait_for_run(base, run_id):
    deadline = time.monotonic() + RUN_WITHIN
    while True:
        _, body = request(base, "GET", f"/api/v1/runs/{run_id}")
        run = json.loads(body)
        if run.get("status") in ("completed", "failed", "cancelled"):
            return run
        if time.monotonic() > deadline:
            raise Failed(f"run {run_id} did not finish within {RUN_WITHIN} s: {run}\n{block_logs(base, run_id)}")
        time.sleep(POLL)


def block_logs(base, run_id):
    """Each block run's status and log, for the failure message."""
    _, body = request(base, "GET", f"/api/v1/runs/{run_id}/block_runs")
    text = []
    for block_run in json.loads(body):
        text.append(f"-- {block_run['block_uuid']}: {block_run['status']}")
        _, log = request(base, "GET", f"/api/v1/runs/{run_id}/logs/{block_run['block_uuid']}")
        text.extend(line["text"] for line in json.loads(log).get("lines", []))
    return "\n".join(text)


def stop(server):
    server.send_signal(signal.SIGTERM)
    try:
        code = server.wait(timeout=STOP_WITHIN)
    except subprocess.TimeoutExpired:
        raise Failed(f"`wand start` did not stop within {STOP_WITHIN} s of SIGTERM") from None
    expect(code == 0, f"`wand start` exited {code} after SIGTERM")


def request(base, method, path, body=None):
    """(status, body bytes) of one request; an HTTP error status is an answer, not an exception."""
    data = None if body is None else json.dumps(body).encode()
    headers = {} if body is None else {"Content-Type": "application/json"}
    try:
        with urllib.request.urlopen(urllib.request.Request(base + path, data, headers, method=method), timeout=30) as r:
            return r.status, r.read()
    except urllib.error.HTTPError as error:
        return error.code, error.read()
    except OSError as error:
        raise Failed(f"{method} {path}: {error}") from None


def expect(condition, message):
    if not condition:
        raise Failed(message)


if __name__ == "__main__":
    if len(sys.argv) != 5:
        sys.exit(__doc__)
    sys.exit(main(*sys.argv[1:]))
