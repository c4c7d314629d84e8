#!/usr/bin/env python3
"""Run one pipeline of a Mage project on real Mage's *server* and print what happened, as JSON.

Mage's CLI (`mage run`) ignores conditionals and callbacks and crashes on dynamic blocks, so the server is the
reference for run semantics. This script does the fiddly part: it adds a temporary API trigger to the pipeline's
triggers.yaml (restored afterwards), starts `mage start` with its own data folder, calls Mage's API-trigger URL with
your variables, waits for the run to end and prints the pipeline run and every block run (uuid, status, times).
Whatever the blocks write (files, tables) stays where they wrote it.

  mage-oracle PROJECT PIPELINE [--vars '{"k": "v"}'] [--mage-venv DIR] [--port N] [--timeout S] [--keep-data]

The Mage venv: --mage-venv, else $MAGE_VENV, else ~/.cache/mage-oracle/venv (created with `pip install mage-ai` on
first use, about two minutes). Install what your blocks import into that venv yourself (duckdb, dbt-duckdb, ...).
Exit status: 0 when the run ended (whatever its status), 1 when it did not end in time, 2 on bad use.
"""
import argparse
import json
import os
import secrets
import shutil
import signal
import socket
import sqlite3
import subprocess
import sys
import tempfile
import time
import urllib.request

import_yaml_error = None
try:
    import yaml  # PyYAML, present in every Mage venv; this script re-executes itself there when missing here.
except ImportError as e:  # pragma: no cover
    import_yaml_error = e

END = {"completed", "failed", "cancelled"}


def venv_path(arg):
    venv = arg or os.environ.get("MAGE_VENV") or os.path.expanduser("~/.cache/mage-oracle/venv")
    if not os.path.exists(os.path.join(venv, "bin", "mage")):
        print(f"== installing mage-ai into {venv} (first use)", file=sys.stderr)
        subprocess.run([sys.executable, "-m", "venv", venv], check=True)
        subprocess.run([os.path.join(venv, "bin", "pip"), "install", "-q", "mage-ai"], check=True)
    return venv


def free_port():
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return port


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("project")
    ap.add_argument("pipeline")
    ap.add_argument("--vars", default="{}", help="runtime variables as a JSON object")
    ap.add_argument("--mage-venv")
    ap.add_argument("--port", type=int)
    ap.add_argument("--timeout", type=float, default=600)
    ap.add_argument("--keep-data", action="store_true", help="keep Mage's data folder (its database, outputs)")
    a = ap.parse_args()
    venv = venv_path(a.mage_venv)
    if import_yaml_error is not None:  # run again inside the Mage venv, which has PyYAML
        os.execv(os.path.join(venv, "bin", "python"), [os.path.join(venv, "bin", "python"), __file__] + sys.argv[1:])
    project = os.path.abspath(a.project)
    name = os.path.basename(project.rstrip("/"))
    try:
        variables = json.loads(a.vars)
        assert isinstance(variables, dict)
    except Exception:
        print("--vars must be a JSON object", file=sys.stderr)
        return 2

    sequence = a.pipeline.split(",")
    tokens = {p: secrets.token_hex(16) for p in dict.fromkeys(sequence)}
    backups = {}
    for p, token in tokens.items():
        triggers = os.path.join(project, "pipelines", p, "triggers.yaml")
        backups[triggers] = open(triggers).read() if os.path.exists(triggers) else None
        doc = (yaml.safe_load(backups[triggers]) if backups[triggers] else None) or {}
        doc.setdefault("triggers", []).append({
            "name": "mage_oracle_" + token[:8], "schedule_type": "api", "schedule_interval": None,
            "start_time": None, "status": "active", "token": token,
        })
        with open(triggers, "w") as f:
            yaml.safe_dump(doc, f, sort_keys=False)
    data = tempfile.mkdtemp(prefix="mage-oracle-")
    port = a.port or free_port()
    env = dict(os.environ, MAGE_DATA_DIR=data)
    log = open(os.path.join(data, "server.log"), "w")
    server = None
    triggers = None
    backup = None
    try:
        server = subprocess.Popen([os.path.join(venv, "bin", "mage"), "start", project, "--host", "127.0.0.1",
                                   "--port", str(port)], cwd=os.path.dirname(project), env=env, stdout=log,
                                  stderr=subprocess.STDOUT, start_new_session=True)
        db = os.path.join(data, name, "mage-ai.db")
        deadline = time.monotonic() + a.timeout
        sids = {}
        while len(sids) < len(tokens) and time.monotonic() < deadline:
            time.sleep(2)
            if os.path.exists(db):
                for p, token in tokens.items():
                    try:
                        row = sqlite3.connect(db).execute(
                            "select id from pipeline_schedule where token = ?", (token,)).fetchone()
                        if row:
                            sids[p] = row[0]
                    except sqlite3.Error:
                        pass
        if len(sids) < len(tokens):
            print(f"Mage never took in the triggers (server log: {log.name})", file=sys.stderr)
            return 1
        results = []
        status = None
        for p in sequence:
            body = json.dumps({"pipeline_run": {"variables": variables}}).encode()
            req = urllib.request.Request(
                f"http://127.0.0.1:{port}/api/pipeline_schedules/{sids[p]}/pipeline_runs/{tokens[p]}",
                data=body, headers={"Content-Type": "application/json"}, method="POST")
            started = time.monotonic()
            answer = json.load(urllib.request.urlopen(req, timeout=60))
            if "pipeline_run" not in answer:
                print(json.dumps(answer, indent=2), file=sys.stderr)
                print(open(log.name).read()[-5000:], file=sys.stderr)
                return 1
            run_id = answer["pipeline_run"]["id"]
            con = sqlite3.connect(db)
            while time.monotonic() < deadline:
                status = con.execute("select status from pipeline_run where id = ?", (run_id,)).fetchone()[0].lower()
                if status in END:
                    break
                time.sleep(1)
            results.append({"pipeline": p, "run_id": run_id, "status": status,
                            "seconds_from_trigger": round(time.monotonic() - started, 1)})
        con = sqlite3.connect(db)
        runs = [dict(id=i, pipeline_uuid=u, status=s.lower(), schedule=n, gdp=g, execution_date=e, blocks=[
            dict(block_uuid=bu, status=bs.lower()) for bu, bs in con.execute(
                "select block_uuid, status from block_run where pipeline_run_id = ? order by id", (i,))])
            for i, u, s, n, g, e in con.execute(
                "select r.id, r.pipeline_uuid, r.status, s.name, s.global_data_product_uuid, r.execution_date "
                "from pipeline_run r join pipeline_schedule s on s.id = r.pipeline_schedule_id order by r.id")]
        print(json.dumps({"sequence": results, "pipeline_runs": runs,
                          "mage_data_dir": data if a.keep_data else None}, indent=2, default=str))
        return 0 if status in END else 1
    finally:
        if server is not None:
            try:
                os.killpg(server.pid, signal.SIGTERM)
                server.wait(timeout=20)
            except Exception:
                try:
                    os.killpg(server.pid, signal.SIGKILL)
                except Exception:
                    pass
        for t, b in backups.items():
            if b is None:
                os.remove(t)
            else:
                with open(t, "w") as f:
                    f.write(b)
        if not a.keep_data:
            shutil.rmtree(data, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
