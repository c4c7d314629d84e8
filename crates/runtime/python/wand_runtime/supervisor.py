"""The supervisor: the warm Python process that imports the heavy libraries once, then forks a fresh child per
block run.

It starts lean: pandas and pyarrow are imported the first time a block needs them (a block whose files import
anything beyond the standard library and `mage_ai`, one that reads a table, a SQL block, or one whose child turned
out to import them itself), and stay imported from then on. Until then every fork copies a small process: a fork of
the warm parent costs about 0.6 ms lean and 5.5 ms with pandas and pyarrow imported (bench/RESULTS.md, "Dynamic
blocks"), which is most of a trivial block's cost.

Protocol (one JSON object per line):
- stdin, from Wand: {"op": "run", "id": ..., "request": {...}}, {"op": "cancel", "id": ...} and
  {"op": "reply", "id": ..., "reply": {...}} (the answer to the block's last call).
- stdout, to Wand: {"event": "ready", ...}, {"event": "log", "id", "stream", "line", "ts"},
  {"event": "call", "id", "call": {...}} (a running block asks Wand for something, e.g. to start another pipeline's
  run, and waits for the reply; see `context.call`) and {"event": "done", "id", "result": {...}}. Nothing else may
  write to this process's stdout.

A child is its own process group, so a timeout or a cancel kills the block and whatever it started.

Two things keep a block's own cost low. While block runs come in, one spare child is forked ahead of time, when
the supervisor is idle: it has already paid for the fork and its set-up and waits for its request on a pipe (the
spare is dropped after an idle second, so an idle supervisor is one process). And a block is done when its child has
written its result and closed the result pipe, not when the child has finished exiting (tearing down a copy of a
process with pandas imported takes about a millisecond); the exit is reaped in the background.

A printed line is relayed whole up to 64 KiB (`MAX_LINE_BYTES`, counted in UTF-8 bytes without its newline). A longer
line keeps its first 64 KiB (cut at a character boundary) followed by a marker such as
` … [line truncated: 150000000 bytes, kept first 65536]`; the rest is read and counted, never held. So relaying costs
time linear in what a block prints and memory bounded per stream, however long its lines.
"""

import codecs
import gc
import json
import os
import re
import select
import signal
import sys
import time

_HEAVY = ("pandas", "pyarrow", "pyarrow.ipc")
# A child that ends with one of these imported tells the supervisor, which imports the heavy modules for later blocks.
_HEAVY_SIGNS = ("pandas", "numpy", "pyarrow", "polars")
# Top-level modules a block may import and still run in a lean child.
_LIGHT_IMPORTS = frozenset({"mage_ai", "wand_runtime", "__future__"}) | frozenset(
    getattr(sys, "stdlib_module_names", ())
)
# SQL blocks render with jinja2 and most run on DuckDB: imported here when the first SQL block comes (not at start,
# which every pipeline waits for), every later SQL block's child has them (~0.2 s each). Importing DuckDB starts no
# thread, so forking after it is safe. Each is optional.
_SQL_PRELOAD = ("pyarrow.csv", "jinja2", "duckdb")
# How long a spare child waits unused before it is dropped.
_SPARE_IDLE_SECONDS = 1.0
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
    preloaded = _preload()
    _emit(protocol, {"event": "ready", "pid": os.getpid(), "python": sys.version.split()[0], "preloaded": preloaded})
    Supervisor(protocol).serve()


def _import_optional(modules):
    """Imports each module that is installed; returns those imported."""
    loaded = []
    for module in modules:
        try:
            __import__(module)
            loaded.append(module)
        except ImportError:
            pass
    return loaded


# libc's prctl, once `_preload` has found it.
_PRCTL = None


def _preload():
    from wand_runtime import block  # noqa: F401  (imported here so each child starts with it)

    global _PRCTL
    # Each child asks to die with this process (`_die_with_parent`) through libc's prctl: found here once, so no
    # child imports ctypes (about 2 ms of CPU and a fifth of a trivial block's page faults, each time).
    try:
        import ctypes

        _PRCTL = ctypes.CDLL(None, use_errno=True).prctl
    except (OSError, AttributeError, ImportError):
        _PRCTL = None

    # Objects that exist now are never collected in a child: its collector leaves them alone instead of touching
    # (and so copying) every page the fork shares with this process.
    gc.freeze()
    return []


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
    files = [request.get("file")] + [
        a.get("file") for a in (request.get("conditionals") or []) + (request.get("callbacks") or [])
    ]
    return any(_imports_heavy(os.path.join(request["repo_path"], f)) for f in files if f)


# An import statement at the start of a line or after a `;`: `from <dots><module> import` or `import <names>`.
_IMPORT = re.compile(rb"(?:^|;)[ \t]*(?:from[ \t]+(\.*)([\w.]*)[ \t]+import\b|import[ \t]+([^\n#;]+))", re.MULTILINE)


def _imports_heavy(path):
    """Whether the file has an import statement of a module beyond `_LIGHT_IMPORTS` (or of the project: a relative
    import). The file's text is scanned, not parsed: this runs between a fork and the block's hand-over, where every
    page this process writes is copied first (parsing a small file touched ~0.6 ms of them). An import the scan does
    not see (one inside `exec`, a line continued with a backslash) only costs speed: the child imports it itself and
    reports it, and later children start with it."""
    try:
        info = os.stat(path)
    except OSError:
        return True
    key = (path, info.st_mtime_ns, info.st_size)
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
    """One forked block run and the pipes it writes to."""

    def __init__(self, run_id, spare, streams, deadline):
        self.run_id = run_id
        self.pid = spare.pid
        self.pidfd = spare.pidfd
        self.streams = streams  # fd -> LineSplitter
        self.result_fd = spare.result_r
        # The block's calls to Wand arrive on `call_fd` (a JSON object a line); replies go to `reply_fd`.
        self.call_fd = spare.call_r
        self.reply_fd = spare.reply_w
        self.calls = bytearray()
        self.result = bytearray()
        self.deadline = deadline
        self.stop_reason = None
        # A streaming pipeline's process is stopped with SIGTERM first: it finishes and commits the batch in hand.
        self.graceful = False


class Spare:
    """A child forked ahead of its block run, set up and waiting for its request on `request_fd`."""

    def __init__(self, pid, pidfd, request_fd, out_r, err_r, result_r, call_r, reply_w):
        self.pid = pid
        self.pidfd = pidfd
        self.request_fd = request_fd
        self.out_r = out_r
        self.err_r = err_r
        self.result_r = result_r
        self.call_r = call_r
        self.reply_w = reply_w
        self.expires = time.monotonic() + _SPARE_IDLE_SECONDS


class Supervisor:
    def __init__(self, protocol):
        self.protocol = protocol
        self.children = {}
        self.stdin_buffer = bytearray()
        self.spare = None
        # Whether block runs are coming in, so a spare child is worth keeping.
        self.busy = False
        # Children whose block is done and whose exit is still to be reaped: pidfd -> pid.
        self.exiting = {}
        # Whether the modules SQL blocks use are imported (see `_SQL_PRELOAD`), and pandas and pyarrow (`_HEAVY`).
        self.sql_ready = False
        self.heavy_ready = False

    def serve(self):
        stdin = sys.stdin.fileno()
        while True:
            watched = [stdin, *self.exiting]
            for child in self.children.values():
                watched.extend(child.streams)
                watched.append(child.result_fd)
                watched.append(child.pidfd)
                if child.call_fd is not None:
                    watched.append(child.call_fd)
            if self.spare is not None:
                watched.append(self.spare.pidfd)
            readable, _, _ = select.select(watched, [], [], self._wait_seconds())
            if not readable:
                self._idle()
            for fd in readable:
                if fd == stdin:
                    if not self._read_requests(stdin):
                        self._stop_all()
                        return
                    continue
                if fd in self.exiting:
                    self._reap(fd)
                    continue
                if self.spare is not None and fd == self.spare.pidfd:
                    self._drop_spare()
                    continue
                for child in list(self.children.values()):
                    if fd in child.streams:
                        self._relay(child, fd)
                    elif fd == child.result_fd:
                        self._read_result(child)
                    elif fd == child.call_fd:
                        self._read_calls(child)
                    elif fd == child.pidfd:
                        self._finish(child)
            self._enforce_deadlines()

    def _wait_seconds(self):
        if self.busy and self.spare is None:
            return 0.0
        deadlines = [child.deadline for child in self.children.values() if child.deadline]
        if self.spare is not None:
            deadlines.append(self.spare.expires)
        if not deadlines:
            return None
        return max(0.0, min(deadlines) - time.monotonic())

    def _idle(self):
        """Nothing to read: fork the spare child now if block runs are coming in, or drop it if they stopped."""
        if self.spare is None:
            if self.busy:
                self.busy = False
                try:
                    self.spare = self._fork_spare()
                except OSError as error:  # out of processes or memory: the next block forks its own child
                    print(f"cannot fork a spare child: {error}", file=sys.stderr)
        elif time.monotonic() >= self.spare.expires:
            self._drop_spare()

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
                _write_all(child.reply_fd, json.dumps(message["reply"]).encode() + b"\n")

    def _go_heavy(self):
        """Imports pandas and pyarrow for every later child (once)."""
        self.heavy_ready = True
        _import_optional(_HEAVY)
        gc.freeze()
        # The spare was forked without them.
        self._drop_spare()

    def _start(self, run_id, request):
        self.busy = True
        if not self.heavy_ready and _needs_heavy(request):
            self._go_heavy()
        if request.get("language") == "sql" and not self.sql_ready:
            self.sql_ready = True
            _import_optional(_SQL_PRELOAD + ("wand_runtime.sql",))
            gc.freeze()
            # The spare was forked without them.
            self._drop_spare()
        spare, self.spare = self.spare, None
        if spare is None or not _send_request(spare, request):
            if spare is not None:
                self._discard(spare)
            spare = self._fork_spare(request)
        timeout = request.get("timeout")
        deadline = time.monotonic() + timeout if timeout else None
        streams = {spare.out_r: LineSplitter("stdout"), spare.err_r: LineSplitter("stderr")}
        self.children[run_id] = Child(run_id, spare, streams, deadline)
        self.children[run_id].graceful = bool(request.get("streaming"))
        # While the child runs: its files, compiled, for the next children (the next spare is forked after this).
        from wand_runtime import block

        block.compile_ahead(request)

    def _fork_spare(self, request=None):
        """Forks a child that runs `request`, or, without one, waits for its request on a pipe."""
        out_r, out_w = os.pipe()
        err_r, err_w = os.pipe()
        result_r, result_w = os.pipe()
        call_r, call_w = os.pipe()
        reply_r, reply_w = os.pipe()
        request_r, request_w = os.pipe() if request is None else (None, None)
        held = self._held_fds()
        sys.stderr.flush()
        pid = os.fork()
        if pid == 0:
            own = [fd for fd in (out_r, err_r, result_r, call_r, reply_w, request_w) if fd is not None]
            _child_main(request, request_r, out_w, err_w, result_w, (call_w, reply_r), [*own, *held])
        try:
            os.setpgid(pid, pid)  # also done by the child; whichever runs first wins, so a kill never misses it
        except OSError:
            pass
        for fd in (out_w, err_w, result_w, call_w, reply_r, request_r):
            if fd is not None:
                os.close(fd)
        for fd in (out_r, err_r, result_r, call_r):
            os.set_blocking(fd, False)
        return Spare(pid, os.pidfd_open(pid), request_w, out_r, err_r, result_r, call_r, reply_w)

    def _held_fds(self):
        """The pipes and pidfds this process holds for its children (a new child closes its copies)."""
        held = list(self.exiting)
        for child in self.children.values():
            held.extend(child.streams)
            held.extend(fd for fd in (child.result_fd, child.pidfd, child.call_fd, child.reply_fd) if fd is not None)
        return held

    def _drop_spare(self):
        spare, self.spare = self.spare, None
        if spare is not None:
            self._discard(spare)

    def _discard(self, spare):
        """Ends an unused spare: without its request it exits; its exit is reaped like a finished child's."""
        if spare.request_fd is not None:
            os.close(spare.request_fd)
            spare.request_fd = None
        _kill_group(spare.pid)
        for fd in (spare.out_r, spare.err_r, spare.result_r, spare.call_r, spare.reply_w):
            os.close(fd)
        self.exiting[spare.pidfd] = spare.pid

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
        while True:
            try:
                data = os.read(child.result_fd, 1 << 16)
            except BlockingIOError:
                return
            if not data:
                # The child closes its result pipe once it has flushed its output and written its result: the
                # block is over, whether or not the child has finished exiting.
                if child.result and child.stop_reason is None and _parse(child.result) is not None:
                    self._finish(child, exited=False)
                return
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

    def _finish(self, child, exited=True):
        status = os.waitpid(child.pid, 0)[1] if exited else None
        for fd in list(child.streams):
            self._relay(child, fd, final=True)
        if exited:
            self._read_result(child)
        # Whatever the block started and left behind goes with it.
        _kill_group(child.pid)
        for fd in [*child.streams, child.result_fd, child.call_fd, child.reply_fd]:
            if fd is not None:
                os.close(fd)
        if exited:
            os.close(child.pidfd)
        else:
            self.exiting[child.pidfd] = child.pid
        del self.children[child.run_id]
        result = _result(child, status)
        if result.pop("heavy", False) and not self.heavy_ready:
            # Its block imported them itself (through a module of the project, an unpickled table): later blocks
            # start with them.
            self._go_heavy()
        _emit(self.protocol, {"event": "done", "id": child.run_id, "result": result})

    def _reap(self, pidfd):
        pid = self.exiting.pop(pidfd)
        os.waitpid(pid, 0)
        os.close(pidfd)

    def _enforce_deadlines(self):
        now = time.monotonic()
        for child in list(self.children.values()):
            if child.deadline and now >= child.deadline and child.stop_reason is None:
                self._kill(child, "timeout")
            elif child.deadline and now >= child.deadline:
                # A graceful stop's grace is over.
                child.deadline = None
                _kill_group(child.pid)

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
        _kill_group(child.pid)

    def _stop_all(self):
        for child in self.children.values():
            _kill_group(child.pid)
        if self.spare is not None:
            _kill_group(self.spare.pid)


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


def _write_all(fd, payload):
    view = memoryview(payload)
    while view:
        view = view[os.write(fd, view) :]


def _send_request(spare, request):
    """Hands a request to a spare child; False if the spare is gone."""
    payload = json.dumps(request).encode()
    fd, spare.request_fd = spare.request_fd, None
    try:
        os.set_blocking(fd, True)
        _write_all(fd, payload)
        return True
    except OSError:
        return False
    finally:
        os.close(fd)


def _parse(result):
    try:
        return json.loads(result)
    except ValueError:
        return None


def _kill_group(pid):
    try:
        os.killpg(pid, signal.SIGKILL)
    except (ProcessLookupError, PermissionError):
        pass


def _result(child, status):
    if child.stop_reason == "timeout":
        return {"status": "failed", "error": "the block ran past its timeout and was stopped", "reason": "timeout"}
    if child.stop_reason == "cancelled":
        return {"status": "cancelled", "error": "the block run was cancelled", "reason": "cancelled"}
    if child.result:
        try:
            return json.loads(child.result)
        except ValueError:
            pass
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


def _die_with_parent():
    """Asks Linux to kill this child if the supervisor dies, so no block outlives a killed supervisor."""
    if _PRCTL is not None:
        _PRCTL(1, signal.SIGKILL)  # PR_SET_PDEATHSIG


def _child_main(request, request_r, out_w, err_w, result_w, channel, parent_fds):
    """Runs in the forked child: becomes its own process group, rewires stdio, then runs `request` (or, in a spare,
    the request that arrives on `request_r`) and exits. Closing the result pipe tells the supervisor it is done.
    `channel` (call pipe, reply pipe) carries the block's calls to Wand (`context.call`)."""
    code = 0
    try:
        os.setpgid(0, 0)
        _die_with_parent()
        signal.signal(signal.SIGTERM, signal.SIG_DFL)
        for fd in parent_fds:
            os.close(fd)
        devnull = os.open(os.devnull, os.O_RDONLY)
        os.dup2(devnull, 0)
        os.dup2(out_w, 1)
        os.dup2(err_w, 2)
        os.close(out_w)
        os.close(err_w)
        sys.stdout = os.fdopen(1, "w", buffering=1, encoding="utf-8", errors="replace", closefd=False)
        sys.stderr = os.fdopen(2, "w", buffering=1, encoding="utf-8", errors="replace", closefd=False)
        if request is None:
            request = _receive_request(request_r)
            if request is None:
                return
        from wand_runtime import block, context

        context.set_channel(*channel)
        result = block.run(request)
        if any(module in sys.modules for module in _HEAVY_SIGNS):
            result["heavy"] = True
        payload = json.dumps(result, default=str).encode()
        sys.stdout.flush()
        sys.stderr.flush()
        with os.fdopen(result_w, "wb") as sink:
            sink.write(payload)
    except BaseException:  # noqa: BLE001  (the child must always reach os._exit)
        import traceback

        traceback.print_exc()
        code = 70
    finally:
        try:
            sys.stdout.flush()
            sys.stderr.flush()
        finally:
            os._exit(code)


def _receive_request(request_r):
    """The request a spare child is handed, or None when the supervisor dropped the spare instead."""
    chunks = []
    while True:
        data = os.read(request_r, 1 << 16)
        if not data:
            break
        chunks.append(data)
    os.close(request_r)
    return json.loads(b"".join(chunks)) if chunks else None


if __name__ == "__main__":
    main()
