"""The supervisor: the warm Python process that runs each block run in a fresh child and relays what it writes.

The children come from two fork servers (`fork_server.py`), processes this one forks once and that fork nothing
else; this one forks no more after them, so nothing it writes while relaying is copied first. A block that needs
pandas (a block whose files import anything beyond the standard library and `mage_ai`, one that reads a table, a SQL
block, or one whose child turned out to import pandas & co itself) runs in a child of the heavy server, which imports
pandas and pyarrow once. Every other block's child comes from the lean server: a fork costs about 0.6 ms from it and
5.5 ms from a process with pandas and pyarrow imported (bench/RESULTS.md, "Dynamic blocks"), which is most of a
trivial block's cost.

Protocol (one JSON object per line):
- stdin, from Wand: {"op": "run", "id": ..., "request": {...}}, {"op": "cancel", "id": ...} and
  {"op": "reply", "id": ..., "reply": {...}} (the answer to the block's last call).
- stdout, to Wand: {"event": "ready", ...}, {"event": "log", "id", "stream", "line", "ts"},
  {"event": "call", "id", "call": {...}} (a running block asks Wand for something, e.g. to start another pipeline's
  run, and waits for the reply; see `context.call`) and {"event": "done", "id", "result": {...}}. Nothing else may
  write to this process's stdout.

A child is its own process group, so a timeout or a cancel kills the block and whatever it started.

Two things keep a block's own cost low. While block runs come in, each fork server keeps one spare child forked
ahead of time and hands its pipes to this process, which writes the next request straight to it. And a block is
done when its child has written its result and closed the result pipe, not when the child has finished exiting
(tearing down a copy of a process with pandas imported takes about a millisecond); its server reaps it and reports
its exit.

A printed line is relayed whole up to 64 KiB (`MAX_LINE_BYTES`, counted in UTF-8 bytes without its newline). A longer
line keeps its first 64 KiB (cut at a character boundary) followed by a marker such as
` … [line truncated: 150000000 bytes, kept first 65536]`; the rest is read and counted, never held. So relaying costs
time linear in what a block prints and memory bounded per stream, however long its lines.
"""

import codecs
import json
import os
import re
import select
import signal
import sys
import time

from wand_runtime import child as forking
from wand_runtime.fork_server import ForkServer

# Top-level modules a block may import and still run in a lean child.
_LIGHT_IMPORTS = frozenset({"mage_ai", "wand_runtime", "__future__"}) | frozenset(
    getattr(sys, "stdlib_module_names", ())
)
# The longest line relayed whole, in bytes (the Rust side, `runtime::MAX_LOG_LINE_BYTES`, uses the same bound).
MAX_LINE_BYTES = 64 * 1024
_READ_BYTES = 1 << 16
# Reads of one stream per wake-up, so a child printing without pause cannot starve the others.
_READS_PER_WAKE = 16


def main():
    # Ctrl-C in a terminal reaches the whole process group: Wand decides what it stops (a streaming pipeline's
    # process gets SIGTERM and finishes its batch); this process ends when Wand closes its stdin.
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    protocol = os.fdopen(os.dup(1), "w", buffering=1)
    # Anything that prints by mistake in this process goes to stderr, never into the protocol.
    os.dup2(2, 1)
    _preload()
    _emit(protocol, {"event": "ready", "pid": os.getpid(), "python": sys.version.split()[0]})
    Supervisor(protocol).serve()


def _preload():
    from wand_runtime import block  # noqa: F401  (imported here so each child starts with it)

    # libc's prctl, for the fork servers and their children to die with their parents.
    forking.find_libc()


# (path, mtime_ns, size) -> whether the file imports a module beyond `_LIGHT_IMPORTS`.
_HEAVY_FILES = {}


def _needs_heavy(request):
    """Whether the block's child should start with pandas and pyarrow imported: a SQL block, a table among its
    inputs, or a file of its (the block's, its conditionals', its callbacks') importing more than the standard library
    and mage_ai. Without `sys.stdlib_module_names` (Python before 3.10) every block does."""
    if not _LIGHT_IMPORTS - {"mage_ai", "wand_runtime", "__future__"} or request.get("language") == "sql":
        return True
    stored = [s for s in request.get("inputs") or [] if s]
    for pick in request.get("picks") or []:
        stored += [s for s in pick.get("instances") or [] if s]
    if any(output.get("kind") == "arrow" for s in stored for output in s.get("outputs") or []):
        return True
    return any(_imports_heavy(path) for path in _code_files(request))


def _code_files(request):
    """The paths of the block's file, its conditionals' and its callbacks'."""
    files = [request.get("file")] + [
        a.get("file") for a in (request.get("conditionals") or []) + (request.get("callbacks") or [])
    ]
    return [os.path.join(request["repo_path"], f) for f in files if f]


def _mark_heavy(paths):
    """Remembers that these files, as they are now, need pandas & co (their block's child imported them itself,
    through a module of the project or an unpickled table): their next runs start in the heavy server's children."""
    for key in filter(None, map(_file_key, paths)):
        _HEAVY_FILES[key] = True


def _file_key(path):
    """The file as it is now, as `_HEAVY_FILES` keys it: (path, mtime_ns, size); None when it cannot be read."""
    try:
        info = os.stat(path)
    except OSError:
        return None
    return (path, info.st_mtime_ns, info.st_size)


# An import statement at the start of a line or after a `;`: `from <dots><module> import` or `import <names>`.
_IMPORT = re.compile(rb"(?:^|;)[ \t]*(?:from[ \t]+(\.*)([\w.]*)[ \t]+import\b|import[ \t]+([^\n#;]+))", re.MULTILINE)


def _imports_heavy(path):
    """Whether the file has an import statement of a module beyond `_LIGHT_IMPORTS` (or of the project: a relative
    import). The file's text is scanned, not parsed: it runs before every block's hand-over, and a scan of a small file
    costs a fraction of a parse (parsing one took ~0.6 ms in a forking process). An import the scan does
    not see (one inside `exec`, a line continued with a backslash) only costs speed: the child imports it itself and
    reports it, and the file's later runs start in the heavy server's children (`_mark_heavy`)."""
    key = _file_key(path)
    if key is None:
        return True
    if key not in _HEAVY_FILES:
        try:
            with open(path, "rb") as file:
                text = file.read()
        except OSError:
            _HEAVY_FILES[key] = True
        else:
            modules = set()
            for dots, module, names in _IMPORT.findall(text):
                if dots:
                    modules.add(".")
                elif module:
                    modules.add(module.split(b".")[0].decode("utf-8", "replace"))
                else:
                    for name in names.split(b","):
                        words = name.split()  # `pandas as pd` -> pandas
                        if words:
                            modules.add(words[0].split(b".")[0].decode("utf-8", "replace"))
            _HEAVY_FILES[key] = bool(modules - _LIGHT_IMPORTS)
    return _HEAVY_FILES[key]


def _emit(protocol, message):
    protocol.write(json.dumps(message) + "\n")


# How long a streaming pipeline's process has after SIGTERM to store, acknowledge and close before it is killed.
STOP_GRACE_SECONDS = 20


class Child:
    """One block run's process and the pipes it writes to. `server` forked it, and reaps it and reports its exit."""

    def __init__(self, run_id, pid, server, pipes, deadline, files):
        out_r, err_r, result_r, call_r, reply_w = pipes
        self.run_id = run_id
        self.pid = pid
        self.server = server
        self.streams = {out_r: LineSplitter("stdout"), err_r: LineSplitter("stderr")}
        self.result_fd = result_r
        # The block's calls to Wand arrive on `call_fd` (a JSON object a line); replies go to `reply_fd`.
        self.call_fd = call_r
        self.reply_fd = reply_w
        self.calls = bytearray()
        self.result = bytearray()
        # The result as read once it is whole (None until then, or when it is no JSON).
        self.parsed = None
        self.result_ended = False
        self.deadline = deadline
        self.files = files
        self.stop_reason = None
        # A streaming pipeline's process is stopped with SIGTERM first: it finishes and commits the batch in hand.
        self.graceful = False


class Supervisor:
    def __init__(self, protocol):
        self.protocol = protocol
        self.children = {}
        self.stdin_buffer = bytearray()
        # The fork servers, once a block needed each: {heavy: ForkServer}.
        self.servers = {}

    def serve(self):
        stdin = sys.stdin.fileno()
        while True:
            watched = [stdin]
            for child in self.children.values():
                watched.extend(child.streams)
                if not child.result_ended:
                    watched.append(child.result_fd)
                if child.call_fd is not None:
                    watched.append(child.call_fd)
            servers = {server.socket.fileno(): server for server in self.servers.values()}
            watched.extend(servers)
            readable, _, _ = select.select(watched, [], [], self._wait_seconds())
            if not readable:
                for server in list(self.servers.values()):
                    server.drop_idle_spare()
            for server in list(self.servers.values()):
                if server.pending:
                    self._server_exits(server)
            for fd in readable:
                if fd == stdin:
                    if not self._read_requests(stdin):
                        self._stop_all()
                        return
                    continue
                if fd in servers:
                    # Unless the server was lost (and closed) earlier in this pass.
                    if self.servers.get(servers[fd].heavy) is servers[fd]:
                        self._server_exits(servers[fd])
                    continue
                for child in list(self.children.values()):
                    if fd in child.streams:
                        self._relay(child, fd)
                    elif fd == child.result_fd and self._read_result(child) and child.stop_reason is None:
                        # The child closes its result pipe once it has flushed its output and written its result:
                        # the block is over, whether or not the child has finished exiting.
                        child.parsed = _parse(child.result) if child.result else None
                        if child.parsed is not None:
                            self._finish(child, exited=False)
                    elif fd == child.call_fd:
                        self._read_calls(child)
            self._enforce_deadlines()

    def _wait_seconds(self):
        waits = [server.wait_seconds() for server in self.servers.values()]
        waits += [max(0.0, child.deadline - time.monotonic()) for child in self.children.values() if child.deadline]
        waits = [wait for wait in waits if wait is not None]
        return min(waits) if waits else None

    def _read_requests(self, stdin):
        data = os.read(stdin, 1 << 16)
        if not data:
            return False
        buffer = self.stdin_buffer
        # Only the new bytes can hold a newline: a long request arriving in pieces is scanned once.
        search = len(buffer)
        buffer += data
        start = 0
        while (end := buffer.find(b"\n", search)) >= 0:
            line = bytes(buffer[start:end])
            start = search = end + 1
            if line.strip():
                self._handle(json.loads(line))
        del buffer[:start]
        return True

    def _handle(self, message):
        if message["op"] == "run":
            self._start(message["id"], message["request"])
        elif message["op"] == "cancel":
            child = self.children.get(message["id"])
            if child is not None:
                self._kill(child, "cancelled")
        elif message["op"] == "reply":
            child = self.children.get(message["id"])
            if child is not None:
                forking.write_all(child.reply_fd, json.dumps(message["reply"]).encode() + b"\n")

    def _start(self, run_id, request):
        heavy = _needs_heavy(request)
        server = None
        try:
            server = self._server(heavy)
            pid, pipes = server.start(run_id, request)
        except OSError as error:  # out of processes or memory, or the fork server is gone
            if server is not None and isinstance(error, ConnectionError):
                self._server_lost(server)
            failed = {"status": "failed", "error": f"cannot start the block's process: {error}", "reason": "crashed"}
            _emit(self.protocol, {"event": "done", "id": run_id, "result": failed})
            return
        # Counted from here: the heavy server's first block does not pay for importing pandas out of its time.
        timeout = request.get("timeout")
        deadline = time.monotonic() + timeout if timeout else None
        child = Child(run_id, pid, server, pipes, deadline, _code_files(request))
        child.graceful = bool(request.get("streaming"))
        self.children[run_id] = child

    def _server(self, heavy):
        """The fork server for blocks that need pandas (`heavy`) or not, forked the first time one is needed."""
        if heavy not in self.servers:
            self.servers[heavy] = ForkServer([self.protocol.fileno(), *self._held_fds()], heavy)
        return self.servers[heavy]

    def _server_exits(self, server):
        """Finishes the children of `server` whose exits it reported."""
        exits = server.exits()
        if exits is None:
            self._server_lost(server)
            return
        by_pid = {child.pid: child for child in self.children.values() if child.server is server}
        for pid, status in exits:
            if pid in by_pid:
                self._finish(by_pid[pid], status=status)

    def _server_lost(self, server):
        """A fork server has ended (killed, out of memory): its children died with it. The next block that needs it
        starts a new one."""
        if self.servers.get(server.heavy) is not server:
            return
        del self.servers[server.heavy]
        server.close()
        for child in [child for child in self.children.values() if child.server is server]:
            forking.kill_group(child.pid)
            self._finish(child, status=None)

    def _held_fds(self):
        """The descriptors this process holds for its children and its fork servers (a new server closes its
        copies)."""
        held = [fd for server in self.servers.values() for fd in server.fds()]
        for child in self.children.values():
            held.extend(child.streams)
            held.extend(fd for fd in (child.result_fd, child.call_fd, child.reply_fd) if fd is not None)
        return held

    def _relay(self, child, fd, final=False):
        """Relays what `fd` holds as log events; `final` reads it to its end (the child is gone) and flushes."""
        splitter = child.streams[fd]
        reads = 0
        while final or reads < _READS_PER_WAKE:
            reads += 1
            try:
                data = os.read(fd, _READ_BYTES)
            except BlockingIOError:
                break
            if not data:
                final = True
                break
            self._emit_lines(child, splitter.name, splitter.feed(data))
        if final:
            self._emit_lines(child, splitter.name, splitter.flush())

    def _emit_lines(self, child, name, lines):
        if not lines:
            return
        now = time.time()
        for text in lines:
            _emit(self.protocol, {"event": "log", "id": child.run_id, "stream": name, "line": text, "ts": now})

    def _read_result(self, child):
        """Reads what the child wrote on its result pipe; True once the pipe is at its end."""
        while True:
            try:
                data = os.read(child.result_fd, 1 << 16)
            except BlockingIOError:
                return False
            if not data:
                child.result_ended = True
                return True
            child.result += data

    def _read_calls(self, child):
        """Relays each whole line the block wrote on its call pipe as a `call` event; at its end, stops watching."""
        while True:
            try:
                data = os.read(child.call_fd, 1 << 16)
            except BlockingIOError:
                break
            if not data:
                os.close(child.call_fd)
                child.call_fd = None
                break
            child.calls += data
        while (end := child.calls.find(b"\n")) >= 0:
            line, child.calls = bytes(child.calls[:end]), child.calls[end + 1 :]
            _emit(self.protocol, {"event": "call", "id": child.run_id, "call": json.loads(line)})

    def _finish(self, child, exited=True, status=None):
        """Ends a block run: `exited`, its process has ended (with `status` as its server reported it; None when the
        server itself ended); otherwise it closed its result pipe and its exit is reported later."""
        for fd in list(child.streams):
            self._relay(child, fd, final=True)
        if exited and not child.result_ended:
            self._read_result(child)
        if not exited:
            # Whatever the block started and left behind goes with it (its server does this before it reaps it).
            forking.kill_group(child.pid)
        for fd in [*child.streams, child.result_fd, child.call_fd, child.reply_fd]:
            if fd is not None:
                os.close(fd)
        del self.children[child.run_id]
        result = _result(child, status)
        if result.pop("heavy", False) and not child.server.heavy:
            _mark_heavy(child.files)
        _emit(self.protocol, {"event": "done", "id": child.run_id, "result": result})

    def _enforce_deadlines(self):
        now = time.monotonic()
        for child in list(self.children.values()):
            if child.deadline and now >= child.deadline and child.stop_reason is None:
                self._kill(child, "timeout")
            elif child.deadline and now >= child.deadline:
                # A graceful stop's grace is over.
                child.deadline = None
                forking.kill_group(child.pid)

    def _kill(self, child, reason):
        if child.graceful and child.stop_reason is None:
            child.stop_reason = reason
            child.deadline = time.monotonic() + STOP_GRACE_SECONDS
            try:
                os.kill(child.pid, signal.SIGTERM)
            except ProcessLookupError:
                pass
            return
        child.stop_reason = reason
        child.deadline = None
        forking.kill_group(child.pid)

    def _stop_all(self):
        for child in self.children.values():
            forking.kill_group(child.pid)
        for server in self.servers.values():
            server.close()


class LineSplitter:
    """Cuts one stream's bytes into lines as they arrive, in time linear in the bytes. It holds at most
    `MAX_LINE_BYTES` of the current line: a longer line keeps its head, counts the rest and gets a marker."""

    def __init__(self, name):
        self.name = name
        self.kept = bytearray()
        self.size = 0

    def feed(self, data):
        """The lines `data` completes, as text."""
        lines = []
        start = 0
        while (end := data.find(b"\n", start)) >= 0:
            self._add(data, start, end)
            lines.append(self._take())
            start = end + 1
        self._add(data, start, len(data))
        return lines

    def flush(self):
        """The unfinished last line, if any (the stream has ended)."""
        return [self._take()] if self.size else []

    def _add(self, data, start, end):
        self.size += end - start
        room = MAX_LINE_BYTES - len(self.kept)
        if room > 0 and end > start:
            self.kept += data[start : min(end, start + room)]

    def _take(self):
        kept, size = self.kept, self.size
        self.kept, self.size = bytearray(), 0
        return render_line(bytes(kept), size)


def render_line(kept, size):
    """The text of a line of `size` bytes whose first bytes are `kept`, with a marker when bytes were left out."""
    if size <= len(kept):
        return kept.decode("utf-8", "replace").rstrip("\r")
    # An incremental decoder holds back a character cut in two at the end instead of replacing it.
    decoder = codecs.getincrementaldecoder("utf-8")("replace")
    text = decoder.decode(kept, final=False)
    shown = len(kept) - len(decoder.getstate()[0])
    return f"{text} … [line truncated: {size} bytes, kept first {shown}]"


def _parse(result):
    try:
        return json.loads(result)
    except ValueError:
        return None


def _result(child, status):
    if child.stop_reason == "timeout":
        return {"status": "failed", "error": "the block ran past its timeout and was stopped", "reason": "timeout"}
    if child.stop_reason == "cancelled":
        return {"status": "cancelled", "error": "the block run was cancelled", "reason": "cancelled"}
    if child.parsed is not None:
        return child.parsed
    if child.result:
        try:
            return json.loads(child.result)
        except ValueError:
            pass
    if status is None:
        return {
            "status": "failed",
            "error": "the block's process ended with its parent (the process that forks the blocks' processes, "
            "which was killed)",
            "reason": "crashed",
        }
    if os.WIFSIGNALED(status):
        number = os.WTERMSIG(status)
        return {
            "status": "failed",
            "error": f"the block's process was killed by signal {number} ({signal.Signals(number).name})",
            "reason": "crashed",
        }
    code = os.WEXITSTATUS(status)
    return {
        "status": "failed",
        "error": f"the block's process exited with code {code} before the block finished",
        "reason": "crashed",
    }


if __name__ == "__main__":
    main()
