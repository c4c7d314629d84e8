"""The supervisor and its fork servers, over the supervisor's JSON-lines protocol: each block runs in a fresh process
(a spare child forked ahead of time or a new one), its printed lines all arrive before its result, and a child that
dies is reported."""

import json
import os
import select
import signal
import subprocess
import sys

import pytest
from wand_runtime import outputs
from wand_runtime.supervisor import MAX_LINE_BYTES, LineSplitter

PACKAGE = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))

BLOCK = """import os
import sys

SEEN = []


@custom
def run(*args, **kwargs):
    SEEN.append(1)
    for index in range(kwargs.get("lines", 0)):
        print(f"line {index}")
    if kwargs.get("long"):
        sys.stdout.write(kwargs.get("head", "") + "x" * kwargs["long"] + "\\n")
        print("after the long line")
    print("to stderr", file=sys.stderr)
    if kwargs.get("exit"):
        os._exit(3)
    if kwargs.get("hang"):
        print(f"pid {os.getpid()} ppid {os.getppid()}", flush=True)
        os.open(kwargs["hang"], os.O_RDONLY)  # a FIFO nobody opens for writing: waits for ever
    return {"pid": os.getpid(), "ppid": os.getppid(), "seen": len(SEEN), "pandas": "pandas" in sys.modules,
            "policy": os.sched_getscheduler(0)}
"""

# A block that needs pandas: it runs in a child of the heavy server.
HEAVY_BLOCK = """import os

import pandas as pd


@custom
def run(*args, **kwargs):
    print(f"pid {os.getpid()} ppid {os.getppid()}", flush=True)
    if kwargs.get("exit"):
        os._exit(3)
    if kwargs.get("hang"):
        os.open(kwargs["hang"], os.O_RDONLY)  # a FIFO nobody opens for writing: waits for ever
    return {"pid": os.getpid(), "ppid": os.getppid(), "rows": len(pd.DataFrame({"a": [1, 2]}))}
"""

# A block that imports pandas where the supervisor's scan of its file cannot see it.
HIDDEN_BLOCK = """import os


@custom
def run(*args, **kwargs):
    exec("import pandas")
    return {"ppid": os.getppid()}
"""


@pytest.fixture
def supervisor(tmp_path):
    project = tmp_path / "proj"
    (project / "custom").mkdir(parents=True)
    (project / "custom" / "block.py").write_text(BLOCK)
    (project / "custom" / "heavy.py").write_text(HEAVY_BLOCK)
    (project / "custom" / "hidden.py").write_text(HIDDEN_BLOCK)
    process = subprocess.Popen(
        [sys.executable, "-u", "-m", "wand_runtime.supervisor"],
        env={**os.environ, "PYTHONPATH": PACKAGE},
        cwd=project,
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
    )
    assert json.loads(process.stdout.readline())["event"] == "ready"
    yield Supervisor(process, project, tmp_path / "data")
    process.stdin.close()
    process.wait(timeout=10)


class Supervisor:
    def __init__(self, process, project, data):
        self.process = process
        self.project = project
        self.data = data
        self.next_id = 1

    def run(self, **variables):
        """Runs the block once; returns its result and the lines it printed, in order."""
        return self.finish(self.start(**variables))

    def finish(self, run_id):
        """Waits for the run's result; returns it and the lines the block printed, in order."""
        lines = []
        while True:
            event = self.next_event()
            assert event["id"] == run_id
            if event["event"] == "log":
                lines.append((event["stream"], event["line"]))
            elif event["event"] == "done":
                return event["result"], lines

    def send(self, message):
        self.process.stdin.write(json.dumps(message).encode() + b"\n")
        self.process.stdin.flush()

    def next_event(self):
        return json.loads(self.process.stdout.readline())

    def start(self, block="block", timeout=None, **variables):
        """Hands the supervisor a run of the block (`custom/<block>.py`); returns its id."""
        run_id, self.next_id = self.next_id, self.next_id + 1
        request = {
            "repo_path": str(self.project),
            "project_name": "proj",
            "data_dir": str(self.data),
            "pipeline_uuid": "p",
            "block_uuid": block,
            "block_type": "custom",
            "run_id": 1,
            "file": f"custom/{block}.py",
            "execution_date": "2026-11-27T00:00:00+00:00",
            "execution_partition": "manual/20261127T000000",
            "env": "dev",
            "trigger_name": None,
            "variables": variables,
            "configuration": {},
            "inputs": [],
            "output_dir": str(self.data / f"out_{run_id}"),
            "run_tests": True,
            "timeout": timeout,
        }
        self.send({"op": "run", "id": run_id, "request": request})
        return run_id


def stored_value(result):
    return outputs.load_one(result["stored"]["outputs"][0])


def test_each_block_run_gets_a_fresh_process_whether_spare_or_forked(supervisor):
    values = [stored_value(supervisor.run(lines=1)[0]) for _ in range(5)]
    assert len({value["pid"] for value in values}) == 5
    # Module state never leaks from one block run into the next.
    assert [value["seen"] for value in values] == [1] * 5


def test_a_block_file_compiled_ahead_runs_as_the_file_is_now_and_only_in_the_child(supervisor):
    """The supervisor compiles each block file once for later children (it never runs it: the file's top-level code
    leaves no mark on the supervisor); a child runs the file as it is when the child runs, edited or broken."""
    block_file = supervisor.project / "custom" / "block.py"
    block_file.write_text(BLOCK + "\nprint('top level ran')\n")
    runs = [supervisor.run() for _ in range(3)]
    assert [stored_value(result)["seen"] for result, _ in runs] == [1, 1, 1]
    assert all(("stdout", "top level ran") in lines for _, lines in runs)
    block_file.write_text(BLOCK.replace('"seen": len(SEEN)', '"seen": -len(SEEN)'))
    assert stored_value(supervisor.run()[0])["seen"] == -1
    block_file.write_text(BLOCK + "\ndef broken(:\n")
    result, _ = supervisor.run()
    assert result["status"] == "failed"
    assert "SyntaxError" in result["error"]


def wait_for_pids(supervisor):
    """The pids a hanging block printed: its own, and its parent's when it says."""
    while (event := supervisor.next_event())["event"] != "log" or not event["line"].startswith("pid "):
        pass
    return [int(word) for word in event["line"].split()[1::2]]


@pytest.mark.parametrize("block", ["block", "heavy"])
def test_a_block_dies_with_its_supervisor(supervisor, tmp_path, block):
    """A killed supervisor takes its fork servers with it, and each server its children (each asks Linux for it,
    through libc's prctl found once by the supervisor): no block outlives a killed Wand."""
    fifo = tmp_path / "never"
    os.mkfifo(fifo)
    supervisor.start(block=block, hang=str(fifo))
    child = os.pidfd_open(wait_for_pids(supervisor)[0])
    supervisor.process.kill()
    supervisor.process.wait()
    readable, _, _ = select.select([child], [], [], 10)
    assert readable, "the block's process outlived its supervisor by 10 s"


def test_every_printed_line_arrives_before_the_result(supervisor):
    result, lines = supervisor.run(lines=2000)
    assert result["status"] == "completed"
    stdout = [text for stream, text in lines if stream == "stdout"]
    assert stdout == [f"line {index}" for index in range(2000)]
    assert ("stderr", "to stderr") in lines


def test_a_child_that_exits_on_its_own_is_reported_and_the_next_block_runs(supervisor):
    result, lines = supervisor.run(exit=True)
    assert result["status"] == "failed"
    assert result["reason"] == "crashed"
    assert "exited with code 3" in result["error"]
    assert ("stderr", "to stderr") in lines
    assert supervisor.run()[0]["status"] == "completed"


def maps_module(pid, package):
    """Whether the process has a file of the Python package mapped (pandas's compiled modules, once imported)."""
    with open(f"/proc/{pid}/maps") as maps:
        return any(f"/{package}/" in line for line in maps)


def parent_of(pid):
    with open(f"/proc/{pid}/stat") as stat:
        return int(stat.read().rsplit(")", 1)[1].split()[1])


def children_of(pid):
    with open(f"/proc/{pid}/task/{pid}/children") as children:
        return sorted(int(word) for word in children.read().split())


def test_blocks_needing_pandas_fork_from_the_heavy_server_and_the_others_from_the_lean_one(supervisor):
    """Neither the supervisor nor the lean server imports pandas: a block that needs it runs in a child of the heavy
    server, so the blocks after it still fork from a small process. The supervisor forks nothing but the two
    servers: its memory is never shared with a block's process, so relaying costs it no page copies."""
    supervisor_pid = supervisor.process.pid
    lean = stored_value(supervisor.run()[0])
    lean_server = lean["ppid"]
    assert lean_server != supervisor_pid and parent_of(lean_server) == supervisor_pid and not lean["pandas"]
    first, second = (stored_value(supervisor.run(block="heavy")[0]) for _ in range(2))
    heavy_server = first["ppid"]
    assert heavy_server not in (supervisor_pid, lean_server) and parent_of(heavy_server) == supervisor_pid
    assert (second["ppid"], first["rows"], second["rows"]) == (heavy_server, 2, 2)
    after = stored_value(supervisor.run()[0])
    assert (after["ppid"], after["pandas"]) == (lean_server, False)
    assert maps_module(heavy_server, "pandas")
    assert not maps_module(supervisor_pid, "pandas") and not maps_module(lean_server, "pandas")
    assert children_of(supervisor_pid) == sorted([lean_server, heavy_server])


def test_a_block_whose_child_imported_pandas_unseen_starts_in_the_heavy_server_next_time(supervisor):
    lean_server = stored_value(supervisor.run(block="hidden")[0])["ppid"]
    again = stored_value(supervisor.run(block="hidden")[0])["ppid"]
    assert again != lean_server and parent_of(again) == supervisor.process.pid
    assert stored_value(supervisor.run()[0])["ppid"] == lean_server, "other blocks stay lean"


def test_a_heavy_blocks_crash_timeout_and_cancel_end_only_that_block(supervisor, tmp_path):
    result, lines = supervisor.run(block="heavy", exit=True)
    assert (result["status"], result["reason"]) == ("failed", "crashed")
    assert "exited with code 3" in result["error"]
    fifo = tmp_path / "never"
    os.mkfifo(fifo)
    result, _ = supervisor.run(block="heavy", hang=str(fifo), timeout=0.5)
    assert (result["status"], result["reason"]) == ("failed", "timeout")
    run_id = supervisor.start(block="heavy", hang=str(fifo))
    block = os.pidfd_open(wait_for_pids(supervisor)[0])
    supervisor.send({"op": "cancel", "id": run_id})
    assert supervisor.finish(run_id)[0]["status"] == "cancelled"
    assert select.select([block], [], [], 10)[0], "the cancelled block's process still runs after 10 s"
    assert stored_value(supervisor.run(block="heavy")[0])["rows"] == 2


@pytest.mark.parametrize("block", ["block", "heavy"])
def test_a_killed_fork_server_fails_its_blocks_and_the_next_block_gets_a_new_one(supervisor, tmp_path, block):
    fifo = tmp_path / "never"
    os.mkfifo(fifo)
    run_id = supervisor.start(block=block, hang=str(fifo))
    block_pid, server = wait_for_pids(supervisor)
    watched = os.pidfd_open(block_pid)
    os.kill(server, signal.SIGKILL)
    result, _ = supervisor.finish(run_id)
    assert (result["status"], result["reason"]) == ("failed", "crashed")
    assert "ended with its parent" in result["error"]
    assert select.select([watched], [], [], 10)[0], "the block outlived its fork server by 10 s"
    again = stored_value(supervisor.run(block=block)[0])
    assert again["ppid"] != server and parent_of(again["ppid"]) == supervisor.process.pid
    assert supervisor.run()[0]["status"] == "completed"


def peak_memory_kib(pid):
    with open(f"/proc/{pid}/status") as status:
        for line in status:
            if line.startswith("VmHWM:"):
                return int(line.split()[1])
    raise AssertionError("no VmHWM")


def test_a_very_long_line_is_truncated_with_a_marker_and_the_supervisor_stays_small(supervisor):
    supervisor.run(lines=1)
    before = peak_memory_kib(supervisor.process.pid)
    result, lines = supervisor.run(long=20_000_000)
    assert result["status"] == "completed"
    stdout = [text for stream, text in lines if stream == "stdout"]
    marker = f" … [line truncated: 20000000 bytes, kept first {MAX_LINE_BYTES}]"
    assert stdout == ["x" * MAX_LINE_BYTES + marker, "after the long line"]
    # The supervisor holds at most one capped line per stream, never the 20 MB line (nor copies of it).
    assert peak_memory_kib(supervisor.process.pid) - before < 8 * 1024


def test_a_truncated_line_never_ends_inside_a_character(supervisor):
    # The 2-byte "é" straddles the cut: the kept text ends before it instead of with a replacement character.
    result, lines = supervisor.run(long=100_000, head="a" + "é" * 40_000)
    assert result["status"] == "completed"
    (first,) = [text for stream, text in lines if stream == "stdout"][:1]
    kept, marker = first.split(" … ")
    assert kept == "a" + "é" * 32_767
    assert marker == f"[line truncated: {1 + 80_000 + 100_000} bytes, kept first {MAX_LINE_BYTES - 1}]"


def check_split(chunks, expected):
    splitter = LineSplitter("stdout")
    lines = []
    for chunk in chunks:
        lines += splitter.feed(chunk)
    assert lines + splitter.flush() == expected


def test_lines_are_cut_wherever_the_reads_end():
    check_split([b"a\nb", b"c\r\n", b"", b"\n", b"tail"], ["a", "bc", "", "tail"])
    marker = " … [line truncated: 80000 bytes, kept first 65536]"
    check_split([b"x" * 40_000, b"x" * 40_000, b"\nnext\n"], ["x" * MAX_LINE_BYTES + marker, "next"])
    check_split([b"x" * MAX_LINE_BYTES + b"\n"], ["x" * MAX_LINE_BYTES])
    check_split([b"\xff\n"], ["\ufffd"])


def test_only_blocks_that_need_pandas_run_in_the_heavy_servers_children(tmp_path):
    """Forks stay small (a fork copies ~14 MB, not ~120 MB): a block runs in a child of the heavy server,
    which has pandas and pyarrow imported, when it imports beyond the standard library and mage_ai, reads a table, or
    is SQL."""
    from wand_runtime import supervisor

    (tmp_path / "light.py").write_text(
        "if 'data_loader' not in globals():\n    from mage_ai.data_preparation.decorators import data_loader\n"
        "import json, os.path\n\n@data_loader\ndef load(*args, **kwargs):\n    return json.dumps([1])\n"
    )
    (tmp_path / "heavy.py").write_text("def f():\n    import pandas as pd\n    return pd.DataFrame()\n")
    (tmp_path / "project.py").write_text("from shop.utils import helpers\n")
    base = {"repo_path": str(tmp_path), "language": "python", "inputs": [], "picks": []}
    assert not supervisor._needs_heavy({**base, "file": "light.py"})
    assert supervisor._needs_heavy({**base, "file": "heavy.py"})
    assert supervisor._needs_heavy({**base, "file": "project.py"}), "a project module may import anything"
    assert supervisor._needs_heavy({**base, "file": "light.py", "callbacks": [{"uuid": "cb", "file": "heavy.py"}]})
    table = {"container": "single", "outputs": [{"name": "output_0", "kind": "arrow", "path": "/x.arrow"}]}
    assert supervisor._needs_heavy({**base, "file": "light.py", "inputs": [table]})
    assert supervisor._needs_heavy({**base, "file": "light.py", "picks": [{"pick": "reduce", "instances": [table]}]})
    assert supervisor._needs_heavy({**base, "file": "light.sql", "language": "sql"})
    # The statements are found by scanning the text: every form of import statement counts.
    light_forms = "import os, sys as system\nfrom json import (dumps,\n loads)\n  import os.path; from typing import Any\n"
    heavy_forms = {
        "a later name": "import os, pandas as pd\n",
        "tabs": "import\tos,\tpandas\tas pd\n",
        "after a semicolon": "import os; import numpy\n",
        "indented": "def f():\n    from polars import col\n",
        "a submodule": "import sklearn.linear_model\n",
        "relative": "from . import helpers\n",
        "relative with a module": "from ..utils.helpers import load\n",
    }
    (tmp_path / "forms.py").write_text(light_forms + "# import pandas\nx = 'no import here'\n")
    assert not supervisor._needs_heavy({**base, "file": "forms.py"})
    for label, text in heavy_forms.items():
        name = label.replace(" ", "_") + ".py"
        (tmp_path / name).write_text(light_forms + text)
        assert supervisor._needs_heavy({**base, "file": name}), label


def test_compile_ahead_keeps_code_for_a_file_until_it_changes(tmp_path):
    from wand_runtime import block

    path = tmp_path / "custom" / "b.py"
    path.parent.mkdir()
    path.write_text("RAN = True\nraise SystemExit('never in the supervisor')\n")
    request = {"repo_path": str(tmp_path), "file": "custom/b.py", "callbacks": [{"file": "custom/missing.py"}]}
    block.compile_ahead(request)
    code = block._compiled(str(path))
    assert code is not None and code.co_filename == str(path)
    block.compile_ahead(request)
    assert block._compiled(str(path)) is code, "compiled once while the file is unchanged"
    path.write_text("RAN = 'changed'\n")
    assert block._compiled(str(path)) is None, "a changed file is not run from the old code"
    path.write_text("def broken(:\n")
    block.compile_ahead(request)
    assert block._compiled(str(path)) is None, "a file that does not compile is left to its child"


def test_an_exit_reported_before_the_result_pipe_is_read_ends_the_run_once(tmp_path):
    """A fork parent's exit notice can be read before the child's closed result pipe: the run ends once, with the
    result the child wrote."""
    from wand_runtime import supervisor

    events_r, events_w = os.pipe()
    pipes = [os.pipe() for _ in range(5)]  # stdout, stderr, result, calls, replies
    os.write(pipes[2][1], json.dumps({"status": "completed"}).encode())
    for read, write in pipes[:4]:
        os.close(write)
    ended = subprocess.Popen(["true"], start_new_session=True)
    ended.wait()
    ours = [read for read, _ in pipes[:4]] + [pipes[4][1]]
    with os.fdopen(events_w, "w") as protocol:
        server = supervisor.Supervisor(protocol)
        server.children[7] = supervisor.Child(7, ended.pid, None, ours, None, [])
        server._finish(server.children[7], status=0)
    with os.fdopen(events_r) as events:
        assert [json.loads(line) for line in events] == [
            {"event": "done", "id": 7, "result": {"status": "completed"}}
        ]
    os.close(pipes[4][0])
    assert not server.children



# Run in a fresh process with one thread, as the lean fork server is (this test process may run other tests' threads).
PLAIN_FORKS = """
import json, random, sys, threading, os
from wand_runtime import child

def in_child(report):
    read, write = os.pipe()
    pid, plain = child._fork()
    if pid == 0:
        try:
            os.write(write, json.dumps(report()).encode())
        finally:
            os._exit(0)
    os.close(write)
    with os.fdopen(read, "rb") as source:
        value = json.loads(source.read())
    os.waitpid(pid, 0)
    return [value, plain]

def threaded():
    seen = []
    worker = threading.Thread(target=lambda: seen.append(threading.get_ident()))
    worker.start()
    worker.join()
    return seen != [threading.get_ident()] and threading.active_count() == 1

child.find_libc(plain_fork=True)
found = {"draws": [in_child(random.random) for _ in range(3)], "threads": in_child(threaded)}
release = threading.Event()
other = threading.Thread(target=release.wait)
other.start()
# threading's own after-fork hook leaves the child with its one thread.
found["beside_a_thread"] = in_child(threading.active_count)
release.set()
other.join()
print(json.dumps(found))
"""


@pytest.fixture(scope="module")
def plain_forks():
    """What children of a one-thread process that forks as the lean fork server does (libc's fork, without CPython's
    after-fork work) see."""
    done = subprocess.run(
        [sys.executable, "-c", PLAIN_FORKS], env={**os.environ, "PYTHONPATH": PACKAGE}, capture_output=True, text=True
    )
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout)


def test_plainly_forked_children_draw_different_random_numbers(plain_forks):
    draws = plain_forks["draws"]
    assert all(plain for _, plain in draws)
    assert len({value for value, _ in draws}) == 3


def test_a_plainly_forked_child_runs_threads(plain_forks):
    assert plain_forks["threads"] == [True, True]


def test_a_process_running_another_thread_forks_with_cpythons_after_fork_work(plain_forks):
    assert plain_forks["beside_a_thread"] == [1, False]


# A lean fork server driven directly, in a fresh one-thread process (as the supervisor is), waiting only on events: a
# server's message on its socket, a process's end on its pidfd. Prints what it saw as JSON.
SPARES = """
import json, os, select, signal, sys, time
from wand_runtime import child, fork_server, outputs

project = sys.argv[1]


def request(number, file="custom/block.py", ahead=()):
    return {"repo_path": project, "project_name": "proj", "data_dir": project + "/data", "pipeline_uuid": "p",
            "block_uuid": "block", "block_type": "custom", "run_id": 1, "file": file, "ahead": list(ahead),
            "execution_date": "2026-11-27T00:00:00+00:00", "execution_partition": "manual/20261127T000000",
            "env": "dev", "trigger_name": None, "variables": {}, "configuration": {}, "inputs": [],
            "output_dir": project + f"/out_{number}", "run_tests": True, "timeout": None}


def ran(pipes):
    # What the block returned (its pid, its scheduling policy), from the result it wrote; its pipes closed.
    result = pipes[2]
    os.set_blocking(result, True)
    text = b""
    while chunk := os.read(result, 1 << 16):
        text += chunk
    for fd in pipes:
        os.close(fd)
    value = json.loads(text)
    return outputs.load_one(value["stored"]["outputs"][0]) if value["status"] == "completed" else value


def policy_once_waiting(pid):
    # A spare sets its policy once forked, maybe after its pipes were sent: looked at until it is no longer the
    # server's (inherited) or 10 s have passed.
    deadline = time.monotonic() + 10
    while os.sched_getscheduler(pid) == os.SCHED_OTHER and time.monotonic() < deadline:
        os.sched_yield()
    return os.sched_getscheduler(pid)


def ends(pid):
    pidfd = os.pidfd_open(pid)
    try:
        return bool(select.select([pidfd], [], [], 10)[0])
    finally:
        os.close(pidfd)


def spare_of(server):
    while server.spare is None:
        assert select.select([server.socket], [], [], 10)[0], "no spare within 10 s"
        assert server.exits() is not None, "the server ended"
    return server.spare.pid


child.find_libc()
server = fork_server.ForkServer([], heavy=False)
found = {}
pid, pipes = server.start(1, request(1, ahead=["custom/next.py"]))
found["first_is_its_own"] = ran(pipes)["pid"] == pid
spare = spare_of(server)
found["spare_waits_as_batch"] = policy_once_waiting(spare) == os.SCHED_BATCH
pid, pipes = server.start(2, request(2, file="custom/next.py"))
block = ran(pipes)
found["second_in_the_spare"] = (pid, block["pid"]) == (spare, spare)
found["its_block_runs_as_other"] = block["policy"] == os.SCHED_OTHER
found["downstream_file_compiled_in_the_spare"] = block["compiled_ahead"]
spare = spare_of(server)
server.spare.expires = 0  # its idle time is up
server.drop_idle_spare()
found["dropped_spare_ends"] = server.spare is None and ends(spare)
pid, pipes = server.start(3, request(3))
found["after_the_drop"] = ran(pipes)["pid"] == pid != spare
spare = spare_of(server)
os.kill(spare, signal.SIGKILL)
found["killed_spare_ends"] = ends(spare)
pid, pipes = server.start(4, request(4))
found["after_the_kill"] = ran(pipes)["pid"] == pid != spare
server.close()
print(json.dumps(found))
"""


# The block the first request names as downstream: it says whether the fork server had compiled it when it forked
# the spare it runs in.
NEXT_BLOCK = BLOCK.replace("import sys\n", "import sys\n\nfrom wand_runtime import block as runtime_block\n").replace(
    '"policy": os.sched_getscheduler(0)}',
    '"policy": os.sched_getscheduler(0), "compiled_ahead": os.path.abspath(__file__) in runtime_block._COMPILED}',
)


@pytest.fixture(scope="module")
def spares(tmp_path_factory):
    project = tmp_path_factory.mktemp("spares")
    (project / "custom").mkdir()
    (project / "custom" / "block.py").write_text(BLOCK)
    (project / "custom" / "next.py").write_text(NEXT_BLOCK)
    done = subprocess.run(
        [sys.executable, "-c", SPARES, str(project)],
        env={**os.environ, "PYTHONPATH": PACKAGE},
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout)


def test_a_fork_server_forks_the_first_block_and_keeps_a_spare_for_the_next(spares):
    assert spares["first_is_its_own"]
    assert spares["second_in_the_spare"]


def test_a_spare_waits_under_sched_batch_and_its_block_runs_under_the_normal_policy(spares):
    """Woken by its request, a spare does not take the supervisor's CPU at once (the supervisor still has to relay
    the next spare and the result); the block's own code, and what it starts, run as any process."""
    assert spares["spare_waits_as_batch"]
    assert spares["its_block_runs_as_other"]


def test_the_files_of_the_blocks_downstream_are_compiled_before_the_spare_that_runs_one_is_forked(spares):
    assert spares["downstream_file_compiled_in_the_spare"]


def test_an_unused_spare_is_dropped_after_its_idle_time_and_the_next_block_gets_a_child_of_its_own(spares):
    assert spares["dropped_spare_ends"]
    assert spares["after_the_drop"]


def test_a_spare_that_died_unused_is_passed_over(spares):
    assert spares["killed_spare_ends"]
    assert spares["after_the_kill"]
