"""Starts the throwaway brokers of scripts/kafka-broker.sh and scripts/nats-server.sh for the streaming tests, and a
consumer process the tests can `kill -9` (`python streaming_brokers.py CONNECTOR CONFIG SINK COMMITS`)."""

import json
import os
import subprocess
import sys
import time

ROOT = os.path.join(os.path.dirname(__file__), "..", "..", "..", "..")


def start(script):
    """Runs `scripts/<script> start`; returns its key=value lines as a dict. A broker that cannot start fails the
    test with the script's own output (never a skip)."""
    import pytest

    done = subprocess.run(
        ["bash", os.path.join(ROOT, "scripts", script), "start"],
        check=False,
        capture_output=True,
        text=True,
        timeout=300,
    )
    if done.returncode != 0:
        pytest.fail(f"scripts/{script} start failed ({done.returncode}):\n{done.stdout}\n{done.stderr}")
    info = dict(line.split("=", 1) for line in done.stdout.splitlines() if "=" in line)
    info["notes"] = done.stderr.strip()
    return info


def stop(script, info):
    subprocess.run(["bash", os.path.join(ROOT, "scripts", script), "stop", info["dir"]], check=False, timeout=60)


def eventually(check, what, seconds=60):
    """Polls `check` until it returns something truthy, or fails naming `what` after the deadline."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        value = check()
        if value:
            return value
        time.sleep(0.1)
    raise AssertionError(f"timed out after {seconds}s waiting for {what}")


def spawn_consumer(connector, config, sink_path, commits):
    """A consumer process: it stores and commits `commits` batches, stores one more without committing, prints
    READY and waits to be killed."""
    return subprocess.Popen(
        [sys.executable, __file__, connector, json.dumps(config), sink_path, str(commits)],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=dict(os.environ, PYTHONPATH=os.path.join(ROOT, "crates", "runtime", "python")),
    )


def read_sink(path):
    """The consumer's sink file: ([committed messages], [stored but uncommitted messages])."""
    committed, uncommitted = [], []
    with open(path, encoding="utf-8") as file:
        for line in file:
            entry = json.loads(line)
            (committed if entry["committed"] else uncommitted).extend(entry["messages"])
    return committed, uncommitted


def _consume(connector, config, sink_path, commits):
    from wand_runtime.streaming.connectors import source_class

    source = source_class(connector, "source.yaml")(config, lambda line: print(line, file=sys.stderr))
    with open(sink_path, "a", encoding="utf-8") as sink:

        def store(batch, committed):
            messages = [message for call in batch.calls for message in (call if isinstance(call, list) else [call])]
            sink.write(json.dumps({"messages": messages, "committed": committed}) + "\n")
            sink.flush()
            os.fsync(sink.fileno())

        stored = 0
        while True:
            batch = source.read(0.5)
            if batch is None:
                continue
            if stored < commits:
                source.commit(batch)
                store(batch, committed=True)
                stored += 1
                continue
            store(batch, committed=False)
            print("READY", flush=True)
            sys.stdin.read()  # killed here


if __name__ == "__main__":
    _consume(sys.argv[1], json.loads(sys.argv[2]), sys.argv[3], int(sys.argv[4]))
