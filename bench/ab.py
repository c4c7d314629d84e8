"""Compares two Wand binaries in one interleaved run (old, new, new, old, ...), so that a busy or throttled machine
weighs on both alike: `wand run` of the `one` and `chain20` pipelines (cold CLI), and an API trigger of each on two
servers started side by side. Prints medians and new/old ratios. Usage:
bench/ab.py OLD_WAND NEW_WAND [--runs N] (needs WAND_PYTHON: a Python with pandas and pyarrow)."""

import argparse
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from tools import Wand  # noqa: E402

PIPELINES = ("one", "chain20")


def interleaved(runs, measure):
    """`measure(which)` for old and new, alternating who goes first; two warm-up rounds are not counted."""
    times = {"old": [], "new": []}
    for round_ in range(runs + 2):
        for which in ("old", "new") if round_ % 2 == 0 else ("new", "old"):
            seconds = measure(which)
            if round_ >= 2:
                times[which].append(seconds)
    return {which: statistics.median(values) for which, values in times.items()}


def report(what, medians):
    old, new = medians["old"], medians["new"]
    print(f"{what:45} old {old * 1000:8.1f} ms   new {new * 1000:8.1f} ms   new/old {new / old:.3f}")


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("old")
    parser.add_argument("new")
    parser.add_argument("--runs", type=int, default=12)
    args = parser.parse_args()
    python = os.environ["WAND_PYTHON"]
    binaries = {"old": os.path.abspath(args.old), "new": os.path.abspath(args.new)}
    work = tempfile.mkdtemp(prefix="wand-ab-")
    subprocess.run([sys.executable, os.path.join(os.path.dirname(__file__), "make_project.py"),
                    os.path.join(work, "project")], check=True, capture_output=True)

    for pipeline in PIPELINES:
        def cli(which):
            started = time.perf_counter()
            subprocess.run([binaries[which], "run", os.path.join(work, "project"), pipeline, "--python", python,
                            "--data-dir", os.path.join(work, f"cli-{which}")], check=True, capture_output=True)
            return time.perf_counter() - started
        report(f"`run` {pipeline} (CLI, cold)", interleaved(args.runs, cli))

    servers = {}
    try:
        for which, binary in binaries.items():
            project = os.path.join(work, f"project-{which}")
            shutil.copytree(os.path.join(work, "project"), project)
            servers[which] = Wand(binary, project, os.path.join(work, f"server-{which}"), python)
            servers[which].start()
            servers[which].poll = 0.002
        urls = {which: {p: server.api_trigger(p) for p in PIPELINES} for which, server in servers.items()}
        medians = {}
        for pipeline in PIPELINES:
            def api(which):
                server = servers[which]
                started = time.perf_counter()
                run_id = server.trigger(urls[which][pipeline])
                status = server.wait_runs([run_id])[run_id]
                if status != "completed":
                    raise RuntimeError(f"{which}: run {run_id} of {pipeline} ended {status}")
                return time.perf_counter() - started
            medians[pipeline] = interleaved(args.runs, api)
            report(f"API trigger -> {pipeline} completed", medians[pipeline])
        report("per-block overhead ((chain20 - one) / 19, API)",
               {which: (medians["chain20"][which] - medians["one"][which]) / 19 for which in binaries})
    finally:
        for server in servers.values():
            server.stop()
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
