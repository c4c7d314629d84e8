"""The benchmark suite behind bench/run: Wand against Mage on the same Mage-format project (bench/make_project.py),
side by side in one invocation, each row against its goal in PRODUCT.md §5. Prints every row as it is measured and,
unless --smoke, writes bench/RESULTS.md. Standard library only; helpers in bench/tools.py.

Usage: suite.py --wand BINARY --python WAND_PYTHON [--mage-venv VENV] [--postgres URL] [--out RESULTS.md] [--smoke]
                [--only cli,start,server,auth,monitoring,scheduler,scale_out,streaming] [--pipelines dyn1000,...]
(--only and --pipelines measure a part of the suite, e.g. one new row beside Mage; write such a run elsewhere than
bench/RESULTS.md, which holds whole runs.)
"""

import argparse
import os
import platform
import shutil
import subprocess
import sys
import tempfile
import time
import traceback
from datetime import datetime, timezone

import streaming
import throughput
from make_project import main as make_project
from tools import (Mage, Receiver, Scraper, Stat, Wand, call_with, change, latencies, mage_block_ends, meets, per_block,
                   rate, ratio, session_cookie, spacing_ms, wand_block_ends)

HERE = os.path.dirname(os.path.abspath(__file__))

# Repetitions per row: (Wand, Mage). Mage's server rows cost up to minutes per run (its scheduler ticks every 10 s),
# so they get fewer repetitions; the counts are printed beside each figure.
FULL = {
    # The two `run`s the per-block cost is the difference of get as many Mage runs as Wand's: with 3, Mage's
    # (chain100 − one) / 99 moved between 5.3 and 13.4 ms across full runs (2026-12-03 and 12-04).
    "cli": (10, 3), "cli_per_block": (10, 10), "start": (10, 3),
    "trigger": {"one": (20, 3), "frame3": (20, 2), "chain20": (20, 1), "fan20": (20, 1), "dyn1000": (5, 1)},
    "memory_runs": (100, 100), "throughput_runs": (30, 3), "throughput_bursts": (5, 1), "cron_triggers": (10_000, 20),
    "cron_slots": 2,
}
SMOKE = {
    "cli": (1, 0), "cli_per_block": (1, 0), "start": (1, 0), "trigger": {"one": (1, 0), "chain20": (1, 0)},
    "memory_runs": (5, 0), "throughput_runs": (2, 0), "throughput_bursts": (1, 0), "cron_triggers": (10, 0),
    "cron_slots": 0,
}
CLI_PIPELINES = ("one", "chain20", "chain100", "fan20", "frame3", "frame1m", "sql200", "sql1m")
TIMEOUT = 400  # seconds a server's run may take before it counts as not completed (Mage's 20-block chain: ~210 s)
# Per pipeline where more is needed: Mage's server ran 1,000 dynamic children in 488 s (fixtures/mage_dynamic/ORACLE.md).
TIMEOUTS = {"dyn1000": 900}
# Seconds between two looks at a burst of runs (the rate rows): answering polls takes CPU from what is measured
# (polling 30 runs one by one every 2 ms cost Wand's server 1.4 ms of CPU per block run, 2026-12-04), and 20 ms is
# about 1% of a burst's time.
BURST_POLL = 0.02
GRACE = 60  # seconds after the last cron slot until the runs are counted: a run created later counts as missing
KEPT_FROM = "## In-process hot paths (criterion)"  # RESULTS.md from this heading on is written by hand
SETTLE = {"wand": 3, "mage": 20}  # seconds after the first HTTP 200 before idle memory is read


def partial_path(out):
    """Where an interrupted run writes what it measured: RESULTS.md -> RESULTS.partial.md."""
    root, extension = os.path.splitext(out)
    return f"{root}.partial{extension or '.md'}"


def le(limit):
    return lambda value: value <= limit


def ge(limit):
    return lambda value: value >= limit


class Suite:
    def __init__(self, args):
        self.args, self.smoke = args, args.smoke
        self.plan = dict(SMOKE if args.smoke else FULL)
        if args.pipelines:
            wanted = args.pipelines.split(",")
            self.plan["trigger"] = {name: FULL["trigger"].get(name, (3, 1)) for name in wanted}
            self.plan["memory_runs"] = self.plan["throughput_runs"] = (0, 0)
        self.work = tempfile.mkdtemp(prefix="wand-bench-")
        # A copy of the binary: a rebuild in the shared target folder must not change Wand halfway through.
        args.wand = shutil.copy2(args.wand, os.path.join(self.work, "wand"))
        self.rev = self.output(["git", "rev-parse", "--short", "HEAD"])
        self.dirty = self.output(["git", "status", "--porcelain", "--", "../crates"])
        self.project = os.path.join(self.work, "benchproj")
        make_project(self.project)
        self.rows, self.notes, self.scale, self.failures = [], [], [], []
        self.load = [os.getloadavg()[1]]  # the machine may be shared: its 5-minute load, at the start and the end

    # -- recording ----------------------------------------------------------------------------------------------

    def row(self, what, wand, mage=None, goal="—", check=None):
        """One figure of both tools: Stat or text each; `check` says whether Wand's median meets `goal`."""
        met, wand_over_mage = meets(check, wand), ratio(wand, mage)
        if wand is None:
            wand = "no figure"
        if mage is None:
            mage = "—" if self.smoke else "not measured"
        self.rows.append((what, str(wand), str(mage), wand_over_mage, goal, met))
        print(f"{what:<58} wand {str(wand):<34} mage {str(mage):<34} ratio {wand_over_mage:<7} {met}", flush=True)

    def note(self, text):
        self.notes.append(text)
        print(f"  note: {text}", flush=True)

    def mage(self, repetitions):
        return self.args.mage_venv and repetitions > 0

    # -- CLI: `wand run` against `mage run` ---------------------------------------------------------------------

    def timed(self, command, env=None):
        begin = time.perf_counter()
        done = subprocess.run(command, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True, env=env,
                              cwd=self.work)
        elapsed = time.perf_counter() - begin
        if done.returncode != 0:
            raise RuntimeError(f"{' '.join(command)} failed: {done.stderr[-2000:]}")
        return elapsed

    def cli(self):
        mage_env = dict(os.environ, MAGE_DATA_DIR=os.path.join(self.work, "mage_cli_data"))
        # sql200 and sql1m: issue 12's goals (Mage 0.9.80's `mage run` took 8.0 s and 8.9 s on this machine kind).
        limits = {"one": 0.5, "chain20": 0.5, "chain100": 0.8, "sql200": 0.6, "sql1m": 1.5}
        medians = {}
        longest, blocks = ("chain20", 20) if self.smoke else ("chain100", 100)
        wand_database = os.path.join(self.work, "wand_cli_data", "wand.db")
        # Per block inside one run, measured inside it: the time between consecutive blocks' ends.
        spacing = {"wand": [], "mage": []}
        for pipeline in CLI_PIPELINES[:2] if self.smoke else CLI_PIPELINES:
            wand_runs, mage_runs = self.plan["cli_per_block" if pipeline in ("one", longest) else "cli"]
            wand_cmd = [self.args.wand, "run", self.project, pipeline, "--python", self.args.python,
                        "--data-dir", os.path.join(self.work, "wand_cli_data")]
            mage_cmd = [f"{self.args.mage_venv}/bin/mage", "run", self.project, pipeline]
            wand, mage, failed = [], [], False
            mage_variables = os.path.join(mage_env["MAGE_DATA_DIR"], os.path.basename(self.project), "pipelines",
                                          pipeline, ".variables")
            for index in range(max(wand_runs, mage_runs) + 1):  # index 0: one warm-up run each, not counted
                if index <= wand_runs:
                    wand.append(self.timed(wand_cmd))
                    if pipeline == longest and index:
                        spacing["wand"].append(spacing_ms(wand_block_ends(wand_database, pipeline)))
                if self.mage(mage_runs) and index <= mage_runs and not failed:
                    try:
                        shutil.rmtree(mage_variables, ignore_errors=True)  # every output file from this run
                        mage.append(self.timed(mage_cmd, mage_env))
                        if pipeline == longest and index:
                            spacing["mage"].append(spacing_ms(mage_block_ends(mage_variables)))
                    except RuntimeError as error:
                        failed, mage = True, []
                        self.note(f"`mage run {pipeline}` failed: {str(error)[-300:]}")
            limit = limits.get(pipeline)
            medians[pipeline] = (Stat(wand[1:], "s"), Stat(mage[1:], "s") if mage else None)
            self.row(f"`run` {pipeline} (CLI, cold)", *medians[pipeline], f"≤ {limit} s" if limit else "—",
                     le(limit) if limit else None)
        overhead = [per_block(long, one, blocks) for long, one in zip(medians[longest], medians["one"])]
        self.row(f"per-block overhead in one CLI run (({longest} − one) / {blocks - 1}, medians)", *overhead)
        inside = [Stat([value for value in values if value is not None], "ms") if values else None
                  for values in (spacing["wand"], spacing["mage"])]
        third = inside[1].median / 3 if inside[1] is not None and inside[1].median is not None else None
        self.row(f"per-block cost inside one `run` of {longest} (first block's end → last block's end, / {blocks - 1})",
                 *inside, "≤ ⅓ of Mage's", le(third) if third is not None else None)
        self.note(f"per-block cost inside one `run`: Wand's block ends are its block runs' `completed_at`; Mage's, the "
                  f"times its blocks' `output_0/data.json` files were written (`mage run` prints nothing per block). "
                  f"Measured inside the run, they leave out the start, which moves Mage's `run` by ±0.5 s: the "
                  f"difference of two runs above is mostly that noise for Mage.")

    # -- the server ---------------------------------------------------------------------------------------------

    def wand_server(self, name, **options):
        return Wand(self.args.wand, self.project, os.path.join(self.work, name), self.args.python, **options)

    def mage_server(self, project=None, login=False):
        data = "mage_data" if project is None else "mage_cron_data"
        return Mage(self.args.mage_venv, project or self.project, os.path.join(self.work, data), login)

    def start(self):
        wand_runs, mage_runs = self.plan["start"]
        times = {"wand": [], "mage": [], "mage without login": []}
        for index in range(max(wand_runs, mage_runs) + 1):  # index 0: first start (creates the database)
            servers = [("wand", self.wand_server("wand_data"))] if index <= wand_runs else []
            if self.mage(mage_runs) and index <= mage_runs:
                servers += [("mage", self.mage_server(login=True)), ("mage without login", self.mage_server())]
            for label, server in servers:
                try:
                    times[label].append(server.start())
                except RuntimeError as error:
                    if server.name == "wand":
                        raise
                    self.note(f"`mage start` failed: {error}")
                finally:
                    server.stop()
        self.row("server start to first HTTP 200", Stat(times["wand"][1:], "s"),
                 Stat(times["mage"][1:], "s") if len(times["mage"]) > 1 else None, "≤ 0.1 s", le(0.1))
        if len(times["mage without login"]) > 1:
            self.note(f"`mage start` with its default login (REQUIRE_USER_AUTHENTICATION) as above; without it "
                      f"{Stat(times['mage without login'][1:], 's')}. Every other Mage server row runs without "
                      "login (as Wand's: no user is created).")
        idle = self.wand_server("wand_idle", workers=0)
        try:
            idle.start()
            time.sleep(1)
            rss, pss = idle.memory()
        finally:
            idle.stop()
        alone = "— (no such mode)" if self.args.mage_venv else None
        self.row("idle memory, server without Python supervisor (RSS)", Stat([rss], "MB"), alone, "≤ 30 MB", le(30))
        self.row("idle memory, server without Python supervisor (PSS)", Stat([pss], "MB"), alone)

    def session(self, server, repetitions):
        """Everything measured on one running server: idle memory, API trigger -> run completed, memory after
        100 runs, block runs per second. Returns {row: Stat}."""
        found = {}
        try:
            server.start()
            time.sleep(SETTLE[server.name])
            rss, pss = server.memory()
            found["idle_rss"], found["idle_pss"] = Stat([rss], "MB"), Stat([pss], "MB")
            urls = {}
            for pipeline, counts in self.plan["trigger"].items():
                runs = counts[repetitions]
                if not runs:
                    continue
                urls[pipeline] = server.api_trigger(pipeline)
                times = []
                try:
                    for index in range(runs + (server.name == "wand")):  # Wand: one warm-up run, not counted
                        # Until the run's own `completed_at`: polled every 2 ms, a 20-block chain's run answered
                        # ~30 status requests that took CPU from it (0.33 ms a block, 2026-12-05).
                        begin, begin_wall = time.perf_counter(), time.time()
                        run_id = server.trigger(urls[pipeline])
                        status = server.wait_runs([run_id], timeout=TIMEOUTS.get(pipeline, TIMEOUT),
                                                  poll=max(server.poll, BURST_POLL))[run_id]
                        if status != "completed":
                            raise RuntimeError(f"{server.name} {pipeline} run {run_id} ended {status}")
                        ended = server.ended_at(run_id)
                        times.append(ended - begin_wall if ended else time.perf_counter() - begin)
                    found[pipeline] = Stat(times[1:] if server.name == "wand" else times, "s")
                except TimeoutError:
                    if server.name == "wand":
                        raise
                    limit = TIMEOUTS.get(pipeline, TIMEOUT)
                    found[pipeline] = f"run {run_id} not completed after {limit} s"
                    self.note(f"Mage's {pipeline} run {run_id} had not completed after {limit} s; "
                              f"{len(times)} earlier run(s) took {', '.join(f'{t:.1f} s' for t in times) or '—'}")
                print(f"  {server.name} API trigger -> {pipeline} completed: {found[pipeline]}", flush=True)
            if isinstance(found.get("chain20"), Stat) and isinstance(found.get("one"), Stat):
                chain, one = found["chain20"].values, found["one"].values
                if len(chain) == len(one):
                    found["per_block"] = Stat([(long - short) / 19 * 1000
                                               for long, short in zip(sorted(chain), sorted(one))], "ms")
                else:
                    found["per_block"] = per_block(found["chain20"], found["one"], 20)
            count = self.plan["memory_runs"][repetitions]
            if count:
                url = urls.get("one") or server.api_trigger("one")
                begin = time.perf_counter()
                ids = [server.trigger(url) for _ in range(count)]
                try:
                    server.wait_runs(ids, timeout=TIMEOUT, poll=BURST_POLL)
                    elapsed = time.perf_counter() - begin
                    found["one_runs_rate"] = Stat([count / elapsed], "runs/s")
                except TimeoutError as error:
                    found["memory_note"] = str(error)
                time.sleep(2)
                rss, pss = server.memory()
                found["after_rss"], found["after_pss"] = Stat([rss], "MB"), Stat([pss], "MB")
            count = self.plan["throughput_runs"][repetitions]
            if count:
                url = urls.get("fan20") or server.api_trigger("fan20")
                rates = []
                try:
                    # Several bursts, one after the other: one burst's rate moves with whatever else the VM runs.
                    for _ in range(self.plan["throughput_bursts"][repetitions]):
                        begin = time.perf_counter()
                        ids = [server.trigger(url) for _ in range(count)]
                        server.wait_runs(ids, timeout=TIMEOUT, poll=BURST_POLL)
                        rates.append(count * 21 / (time.perf_counter() - begin))
                    found["throughput"] = Stat(rates, "block runs/s")
                except TimeoutError as error:
                    if server.name == "wand":
                        raise
                    found["throughput"] = str(error)
        except Exception as error:  # keep what was measured; the rest of the suite still runs
            found["error"] = f"{type(error).__name__}: {error}"
            self.note(f"{'Wand' if server.name == 'wand' else 'Mage'}'s server session stopped early: "
                      f"{found['error']}")
        finally:
            server.stop()
        return found

    def server(self):
        wand = self.session(self.wand_server("wand_session"), 0)
        mage = self.session(self.mage_server(), 1) if self.mage(1) else {}
        if "error" in wand:
            self.failures.append(("server (Wand's session)", wand["error"]))
        self.row("idle memory, server + warm Python supervisor (RSS)", wand.get("idle_rss"), mage.get("idle_rss"),
                 "≤ 150 MB", le(150))
        self.row("idle memory, server + warm Python supervisor (PSS)", wand.get("idle_pss"), mage.get("idle_pss"))
        labels = {"one": "1-block run", "frame3": "3-block 100k-row pandas run", "chain20": "20-block chain",
                  "fan20": "1→20 fan-out"}
        self.note("API trigger → run completed: from just before the trigger's request to the run's `completed_at` "
                  "as the server recorded it (both tools), its status polled every 20 ms (Mage 250 ms): polling "
                  "a run every 2 ms took CPU from it (0.33 ms a block in a 20-block chain, 2026-12-05).")
        for pipeline, label in labels.items():
            if pipeline in wand:
                goal = pipeline in ("frame3", "chain20")
                self.row(f"API trigger → {label} completed", wand[pipeline], mage.get(pipeline),
                         "≤ 0.5 s" if goal else "—", le(0.5) if goal else None)
        if "dyn1000" in wand:
            self.row("API trigger → 1,000 dynamic children completed", wand["dyn1000"], mage.get("dyn1000"),
                     "≤ 4 s", le(4))
            rates = [rate(1002, found.get("dyn1000"), "block runs/s") for found in (wand, mage)]
            self.row("block runs per second in that fan-out (1,002 block runs / median)", *rates)
        if "per_block" in wand:
            self.row("per-block overhead, warm supervisor ((chain20 − one) / 19, API)", wand["per_block"],
                     mage.get("per_block"), "≤ 3 ms", le(3))
        runs = self.plan["memory_runs"]
        if "after_rss" in wand:
            self.row(f"memory after {runs[0]} runs (RSS)", wand["after_rss"], mage.get("after_rss"))
            self.row(f"memory after {runs[0]} runs (PSS)", wand["after_pss"], mage.get("after_pss"))
            self.row(f"{runs[0]} 1-block runs triggered at once: runs completed per second",
                     wand.get("one_runs_rate"), mage.get("one_runs_rate", mage.get("memory_note")))
        counts, bursts = self.plan["throughput_runs"], self.plan["throughput_bursts"]
        if "throughput" in wand:
            self.row(f"block runs per second, trivial blocks ({counts[0]} × fan20 at once, {bursts[0]} bursts; "
                     f"Mage {counts[1]}, {bursts[1]} burst)",
                     wand["throughput"], mage.get("throughput"), "≥ 300", ge(300))

    # -- the scheduler ------------------------------------------------------------------------------------------

    def cron(self, server, count, slots):
        """`count` active `* * * * *` triggers in pipelines/one/triggers.yaml (a copy of the project); the lag
        between each of the next `slots` minute slots and its runs' creation. Smoke: only the initial runs."""
        entries = "".join(
            f"- name: cron_{index:05}\n  schedule_type: time\n  schedule_interval: '* * * * *'\n  status: active\n"
            "  start_time: 2026-01-01 00:00:00\n"
            f"  settings: {{create_initial_pipeline_run: {'true' if not slots else 'false'}}}\n"
            for index in range(count))
        with open(os.path.join(server.project, "pipelines", "one", "triggers.yaml"), "w") as file:
            file.write("triggers:\n" + entries)
        server.start()
        try:
            deadline = time.time() + 180
            while server.trigger_count() < count:
                if time.time() > deadline:
                    raise RuntimeError(f"{server.name} loaded {server.trigger_count()} of {count} triggers")
                time.sleep(1)
            ready = time.time()
            first = (int(ready + 2) // 60 + 1) * 60 if slots else int(ready) // 60 * 60 - 60
            last = first + 60 * max(slots, 2)
            if slots:
                time.sleep(max(0, first + 60 * (slots - 1) - time.time() + GRACE))
            else:
                time.sleep(1)
            iso = lambda moment: datetime.fromtimestamp(moment, timezone.utc).isoformat()  # noqa: E731
            runs = server.runs(iso(first), iso(last))
        finally:
            server.stop()
        lags = [created - slot for slot, created in runs]
        expected = count * max(slots, 1)
        if not lags:
            return f"no runs created (expected {expected})"
        lags.sort()
        within = sum(lag <= 1 for lag in lags)
        return (Stat(lags, "s lag"), f"{len(runs)} of {expected} runs; p99 {lags[int(len(lags) * 0.99) - 1]:.2f} s, "
                f"max {lags[-1]:.2f} s; {within} within 1 s", within == expected and len(runs) == expected)

    def scheduler(self):
        (wand_count, mage_count), slots = self.plan["cron_triggers"], self.plan["cron_slots"]
        results = {}
        for name, count in (("wand", wand_count), ("mage", mage_count)):
            if name == "mage" and not self.mage(count):
                continue
            project = os.path.join(self.work, f"cron_{name}")
            make_project(project)
            server = (Wand(self.args.wand, project, os.path.join(self.work, "wand_cron"), self.args.python,
                           workers=0) if name == "wand" else self.mage_server(project))
            try:
                results[name] = self.cron(server, count, slots)
            except Exception as error:  # a failed row is reported, the rest of the suite still runs
                results[name] = f"failed: {error}"
            result = results[name]
            print(f"  {name} with {count} cron triggers: {result[1] if isinstance(result, tuple) else result}")
        wand, mage = results["wand"], results.get("mage")
        if not self.smoke:
            self.note(f"scheduler: Wand runs with no worker (`--workers 0`), so the runs are created but not executed: "
                      f"{wand_count} runs a minute are more than one machine executes, and the row measures the "
                      f"scheduler alone. Mage has {mage_count} triggers, not {wand_count}: it cannot be run without "
                      "executing, and it completes 1-block runs at about the rate shown above, so 10,000 runs a "
                      "minute would bury the measurement. Mage's `created_at` has whole seconds; its lag is rounded "
                      f"down. Runs created more than {GRACE} s after the last slot count as missing.")
        if isinstance(wand, tuple):
            self.row(f"scheduler, {wand_count} active `* * * * *` triggers: slot → run created "
                     f"({max(slots, 1)} slots; Mage {mage_count} triggers)", wand[0],
                     mage[0] if isinstance(mage, tuple) else mage, "every due run within 1 s of its slot",
                     lambda _: wand[2])
            self.note(f"scheduler (Wand, {wand_count} triggers, no worker): {wand[1]}")
        else:
            self.row(f"scheduler, {wand_count} active cron triggers", wand, mage)
        if isinstance(mage, tuple):
            self.note(f"scheduler (Mage, {mage_count} triggers): {mage[1]}")

    # -- authentication: what sign-in and API tokens add to an API call ---------------------------------------

    def auth(self):
        count = 20 if self.smoke else 500
        owner = {"WAND_OWNER_EMAIL": "bench@example.com", "WAND_OWNER_PASSWORD": "a bench password"}
        path = "/api/v1/runs?limit=20"
        open_server = self.wand_server("wand_auth_open", workers=0)
        closed = self.wand_server("wand_auth_closed", workers=0, env=owner)
        try:
            open_server.start()
            plain = Stat(latencies(open_server.base, "GET", path, count), "ms")
        finally:
            open_server.stop()
        try:
            closed.start()
            credentials = {"email": owner["WAND_OWNER_EMAIL"], "password": owner["WAND_OWNER_PASSWORD"]}
            sign_in = Stat(latencies(closed.base, "POST", "/api/v1/sessions", 10 if self.smoke else 50,
                                     body=credentials), "ms")
            cookie = session_cookie(closed.base, credentials)
            token = call_with(closed.base, "POST", "/api/v1/tokens", {"name": "bench"}, {"cookie": cookie})["value"]
            with_token = Stat(latencies(closed.base, "GET", path, count, {"authorization": f"Bearer {token}"}), "ms")
            with_cookie = Stat(latencies(closed.base, "GET", path, count, {"cookie": cookie}), "ms")
        finally:
            closed.stop()
        self.row("API call (GET /runs, kept-alive connection), no sign-in", plain)
        self.row("API call, with an API token (Authorization: Bearer)", with_token)
        self.row("API call, with a session cookie", with_cookie)
        self.row("sign-in (POST /sessions, Argon2id 19 MiB × 2 passes)", sign_in)
        self.note(f"authentication: a token adds {change(with_token, plain, '+.2f')} ms and a session cookie "
                  f"{change(with_cookie, plain, '+.2f')} ms to the median API call of the same run (one indexed "
                  "lookup of the token's SHA-256); sign-in's cost is Argon2id's, by design, and is paid once a session.")

    # -- monitoring: what /metrics, OTLP traces and notifications cost a server ----------------------------------

    def monitoring(self):
        """One plain server and one with everything on, each on its own copy of the project: /metrics scraped every
        second, traces exported to a local OTLP endpoint, and a notification_config (a Slack webhook to a local
        receiver, on success and failure) in the project's metadata.yaml. Idle memory, the median API call, an API
        trigger -> 1-block run, and memory after the runs, measured the same way on both."""
        runs, calls = (3, 20) if self.smoke else (100, 500)
        settle, pause = (1, 0.5) if self.smoke else (SETTLE["wand"], 2)  # before idle memory; after the runs
        receiver = Receiver()
        monitored = os.path.join(self.work, "monitoredproj")
        shutil.copytree(self.project, monitored)
        with open(os.path.join(monitored, "metadata.yaml"), "a") as file:
            file.write("notification_config:\n  alert_on:\n  - trigger_failure\n  - trigger_success\n"
                       f"  slack_config:\n    webhook_url: {receiver.base}/slack\n")
        otel = {"OTEL_EXPORTER_OTLP_ENDPOINT": receiver.base, "OTEL_SERVICE_NAME": "wand-bench"}
        setups = [("plain", self.wand_server("wand_plain"), None),
                  ("monitored", Wand(self.args.wand, monitored, os.path.join(self.work, "wand_monitored"),
                                     self.args.python, env=otel), 1.0)]
        found = {}
        try:
            for label, server, every in setups:
                scraper = None
                try:
                    server.start()
                    if every:
                        scraper = Scraper(server.base, every)
                    time.sleep(settle)
                    idle = server.memory()[0]
                    api = Stat(latencies(server.base, "GET", "/api/v1/runs?limit=20", calls), "ms")
                    url = server.api_trigger("one")
                    times = []
                    for index in range(runs + 1):  # one warm-up run, not counted
                        begin = time.perf_counter()
                        run_id = server.trigger(url)
                        if server.wait_runs([run_id], timeout=TIMEOUT)[run_id] != "completed":
                            raise RuntimeError(f"{label} run {run_id} did not complete")
                        times.append(time.perf_counter() - begin)
                    time.sleep(pause)
                    found[label] = {"idle": Stat([idle], "MB"), "api": api, "one": Stat(times[1:], "s"),
                                    "after": Stat([server.memory()[0]], "MB")}
                finally:
                    if scraper:
                        scraper.stop()
                        found.setdefault(label, {})["scrapes"] = (scraper.count, scraper.failures)
                    server.stop()
        finally:
            receiver.stop()
        plain, on = found["plain"], found["monitored"]
        for key, what in (("idle", "idle memory, server + warm Python supervisor (RSS)"),
                          ("api", "API call (GET /runs, kept-alive connection)"),
                          ("one", "API trigger → 1-block run completed"),
                          ("after", f"memory after {runs} 1-block runs (RSS)")):
            self.row(f"{what}, plain server", plain[key])
            self.row(f"{what}, metrics + traces + notifications on", on[key])
        scrapes, failures = on["scrapes"]
        if failures:
            raise RuntimeError(f"{len(failures)} scrapes of /metrics failed: {failures[:3]}")
        self.note(f"monitoring: with /metrics scraped every second ({scrapes} scrapes), traces sent to a local OTLP "
                  f"endpoint ({receiver.counts.get('/v1/traces', 0)} exports) and a Slack notification_config "
                  f"({receiver.counts.get('/slack', 0)} webhooks received), idle memory changes by "
                  f"{change(on['idle'], plain['idle'], '+.1f')} MB, the median API call by "
                  f"{change(on['api'], plain['api'], '+.2f')} ms and a 1-block run by "
                  f"{change(on['one'], plain['one'], '+.1f', 1000)} ms; memory after {runs} runs differs by "
                  f"{change(on['after'], plain['after'], '+.1f')} MB.")

    # -- streaming: Kafka → transformer → PostgreSQL (bench/streaming.py) ---------------------------------------

    def streaming(self):
        """Messages per second of one streaming pipeline (Kafka → Python transformer → PostgreSQL with Mage's
        unique_constraints) in the foreground: `mage run` and `wand run`, each from its own consumer group over the
        same topic. Smoke: Wand only, 2,000 messages, when the engine and a PostgreSQL are there."""
        count, deadline = (2_000, 120) if self.smoke else (100_000, 900)
        what = f"streaming Kafka → transformer → PostgreSQL, {count:,} messages: messages/s"
        if self.smoke and not streaming.engine_present():
            self.row(what, "not measured: engine not on this branch")
            return
        if not self.args.postgres:
            self.row(what, "not measured: no --postgres")
            return
        mage_venv = self.args.mage_venv if not self.smoke else None
        found = streaming.run(self.work, self.args.python, self.args.postgres, count, deadline, mage_venv=mage_venv,
                              wand=self.args.wand)
        figures = {}
        for tool in ("wand", "mage"):
            result = found[tool]
            if result is None or isinstance(result, str):
                figures[tool] = (result, result)
                continue
            if result["rows"] != count or result["distinct"] != count:
                raise RuntimeError(f"{tool}: the sink holds {result['rows']} rows ({result['distinct']} distinct) of "
                                   f"{count}; its log ends:\n{result['log']}")
            rate = result.get("rate")
            figures[tool] = (Stat([rate], "messages/s") if rate is not None else
                             f"not measured: all {count:,} rows arrived between two looks "
                             f"({streaming.LOOK_SECONDS} s apart)",
                             Stat([result["startup"]], "s"))
        self.row(what, figures["wand"][0], figures["mage"][0])
        self.row("streaming: start to the first row in the sink", figures["wand"][1], figures["mage"][1])
        self.note(f"streaming: one broker ({found['broker']}, scripts/kafka-broker.sh), a 3-partition topic of "
                  f"{count:,} JSON messages produced beforehand; each tool reads it from a consumer group of its own "
                  "in batches of 100 and writes with Mage's PostgreSQL sink settings (unique_constraints [id], "
                  f"IGNORE); rate from the first row to the last, row counts polled every {streaming.LOOK_SECONDS} s "
                  "with psql.")

    # -- scale-out: `wand worker` processes (bench/throughput.py) ----------------------------------------------

    def scale_out(self):
        runs = 2 if self.smoke else 30
        setups = [("SQLite", 1)] if self.smoke else [("SQLite", w) for w in (1, 2, 4)]
        if self.args.postgres and not self.smoke:
            setups += [("PostgreSQL", w) for w in (1, 2, 4)]
        self.scale = []
        for backend, workers in setups:
            try:
                if backend == "SQLite":
                    database = f"sqlite://{self.work}/scale-{workers}.db"
                else:
                    database = throughput.create_database(self.args.postgres, f"bench_{workers}_{int(time.time())}")
                per_second, latency = throughput.measure(self.args.wand, self.project, self.work, database, workers,
                                                         runs)
                cells = (f"{per_second:.1f}", f"{latency:.0f} ms")
            except Exception as error:  # one setup failing leaves the others measured
                self.failures.append((f"scale_out {backend} {workers}", f"{type(error).__name__}: {error}"))
                cells = (f"failed: {type(error).__name__}", "—")
            self.scale.append((backend, workers, *cells))
            print(f"  scale-out {backend} {workers} workers: {cells[0]} block runs/s, claim latency {cells[1]}",
                  flush=True)

    # -- RESULTS.md ---------------------------------------------------------------------------------------------

    @staticmethod
    def output(command):
        return subprocess.run(command, capture_output=True, text=True, cwd=HERE).stdout.strip()

    def versions(self):
        """(Python, pandas, pyarrow) of Wand's blocks and (mage-ai, Python, pandas) of Mage's, "?" where unknown."""
        wand = self.output([self.args.python, "-c", "import sys, pandas, pyarrow; print(sys.version.split()[0], "
                            "pandas.__version__, pyarrow.__version__)"]).split()
        mage = []
        if self.args.mage_venv:
            mage = self.output([f"{self.args.mage_venv}/bin/python", "-c", "import sys, importlib.metadata as m, "
                                "pandas; print(m.version('mage-ai'), sys.version.split()[0], pandas.__version__)"])
            mage = mage.split()
        return (wand + ["?"] * 3)[:3], (mage + ["?"] * 3)[:3]

    def write(self, path, started, finished=True):
        rev, dirty = self.rev, self.dirty
        versions, mage_versions = self.versions()
        cpu = next((line.split(":", 1)[1].strip() for line in open("/proc/cpuinfo") if line.startswith("model name")),
                   platform.machine())
        memory = int(next(line.split()[1] for line in open("/proc/meminfo") if line.startswith("MemTotal"))) / 2**20
        minutes = (time.time() - started) / 60
        self.load.append(os.getloadavg()[1])
        lines = [
            "# Benchmark results", "",
            f"Written by `bench/run` on {datetime.now(timezone.utc):%Y-%m-%d %H:%M} UTC in {minutes:.0f} minutes. "
            f"Machine: {cpu}, {os.cpu_count()} cores, {memory:.0f} GiB, Linux {platform.release()}; 5-minute load "
            f"average {self.load[0]:.1f} at the start and {self.load[1]:.1f} at the end.",
            f"Wand {rev}{' (plus uncommitted changes in crates/)' if dirty else ''}, release build; its blocks on "
            f"Python {versions[0]} with pandas {versions[1]} and pyarrow {versions[2]}. Mage {mage_versions[0]} "
            f"(`pip install mage-ai`, Python {mage_versions[1]}, pandas {mage_versions[2]}), default settings "
            "(SQLite, local Python executor, 10 s scheduler tick).", "",
            "Both tools run the same generated Mage-format project (`bench/make_project.py`: trivial Python blocks; "
            "`frame3` and `frame1m` pass pandas DataFrames of 100k × 5 and 1M × 10). CLI runs and server starts "
            "alternate the two tools run by run; the server rows run one tool's server, then the other's. "
            "Figures: median (min–max, n); warm-up runs are not counted. Mage gets fewer repetitions where one of "
            "its runs takes tens of seconds or minutes (n is given). Memory: RSS and PSS summed over the server's "
            "whole process tree (`/proc/<pid>/smaps_rollup`). Wand/Mage below 1 is better for times and memory, "
            "above 1 for rates.", "",
            "| what | Wand | Mage | Wand/Mage | Wand goal (PRODUCT.md §5) | goal |",
            "|---|---|---|---|---|---|",
        ]
        lines += [f"| {' | '.join(row)} |" for row in self.rows]
        if not finished or self.failures:
            lines += ["", "**This run is incomplete.**" + ("" if finished else " It was interrupted; the rows above "
                                                            "are what it had measured.")]
            lines += [f"- `{part}` failed: {error}" for part, error in self.failures]
        lines += ["", "Notes:", ""] + [f"- {text}" for text in self.notes]
        lines += [
            "", "## Scale-out throughput (`wand worker` processes, `bench/throughput.py`)", "",
            "A server with no local worker and 1, 2 or 4 `wand worker` processes (one block at a time each) on the "
            "same machine; 30 runs of `fan10` (a root and nine children) = 300 block runs after a warm-up; claim "
            "latency = a parent completed → its child started (median). On PostgreSQL processes wake each other "
            "with NOTIFY; on SQLite separate processes poll (0.5 s) and the scheduler ticks (1 s), which is why "
            "`wand start`'s own in-process workers (the table above) are the one-machine setup.", "",
            "| backend | workers | block runs/s | claim latency |", "|---|---|---|---|",
        ]
        lines += [f"| {b} | {w} | {per_second} | {latency} |" for b, w, per_second, latency in self.scale] or [
            "| — | — | not measured in this run | — |"]
        # Sections written by hand (profiles, criterion figures) follow the generated part and are kept.
        try:
            kept = open(path).read().split(KEPT_FROM, 1)
        except FileNotFoundError:
            kept = []
        if len(kept) == 2:
            lines += ["", KEPT_FROM + kept[1].rstrip("\n")]
        with open(path, "w") as file:
            file.write("\n".join(lines) + "\n")
        print(f"wrote {path}")

    def run(self):
        started = time.time()
        parts = [part for part in (self.cli, self.start, self.server, self.auth, self.monitoring, self.scheduler,
                                   self.scale_out, self.streaming)
                 if not self.args.only or part.__name__ in self.args.only.split(",")]
        finished = False
        try:
            for part in parts:
                print(f"== {part.__name__}", flush=True)
                try:
                    part()
                except Exception as error:  # a part that fails is reported; the other parts still run
                    traceback.print_exc()
                    self.failures.append((part.__name__, f"{type(error).__name__}: {error}"))
            finished = True
        finally:
            # What was measured is written even when a part failed or the run was interrupted: a finished run to
            # --out, an interrupted one beside it (RESULTS.partial.md), so a whole run's file is never overwritten
            # by a fragment.
            if self.args.out and not self.smoke:
                self.write(self.args.out if finished else partial_path(self.args.out), started, finished)
            shutil.rmtree(self.work, ignore_errors=True)
        for part, error in self.failures:
            print(f"bench: {part} failed: {error}", file=sys.stderr)
        print(f"bench: done in {time.time() - started:.0f} s")
        return 1 if self.failures else 0


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--wand", required=True)
    parser.add_argument("--python", required=True)
    parser.add_argument("--mage-venv")
    parser.add_argument("--postgres")
    parser.add_argument("--out")
    parser.add_argument("--smoke", action="store_true")
    parser.add_argument("--only", help="comma-separated parts: cli, start, server, auth, monitoring, scheduler, scale_out, "
                        "streaming")
    parser.add_argument("--pipelines", help="comma-separated pipelines the server part triggers (default: all)")
    args = parser.parse_args()
    os.environ["WAND_PYTHON"] = args.python
    return Suite(args).run()


if __name__ == "__main__":
    sys.exit(main())
