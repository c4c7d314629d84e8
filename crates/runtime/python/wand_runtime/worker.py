"""The warm worker: imports the heavy libraries once, then forks a fresh child per block run.

Protocol (one JSON object per line):
- stdin, from Wand: {"op": "run", "id": ..., "request": {...}} and {"op": "cancel", "id": ...}.
- stdout, to Wand: {"event": "ready", ...}, {"event": "log", "id", "stream", "line", "ts"} and
  {"event": "done", "id", "result": {...}}. Nothing else may write to this process's stdout.

A child is its own process group, so a timeout or a cancel kills the block and whatever it started.
"""

import json
import os
import select
import signal
import sys
import time

_PRELOAD = ("pandas", "pyarrow", "pyarrow.ipc")


def main():
    protocol = os.fdopen(os.dup(1), "w", buffering=1)
    # Anything that prints by mistake in this process goes to stderr, never into the protocol.
    os.dup2(2, 1)
    preloaded = _preload()
    _emit(protocol, {"event": "ready", "pid": os.getpid(), "python": sys.version.split()[0], "preloaded": preloaded})
    Supervisor(protocol).serve()


def _preload():
    loaded = []
    for module in _PRELOAD:
        try:
            __import__(module)
            loaded.append(module)
        except ImportError:
            pass
    from wand_runtime import block  # noqa: F401  (imported here so each child starts with it)

    return loaded


def _emit(protocol, message):
    protocol.write(json.dumps(message) + "\n")


class Child:
    """One forked block run and the pipes it writes to."""

    def __init__(self, run_id, pid, pidfd, streams, result_fd, deadline):
        self.run_id = run_id
        self.pid = pid
        self.pidfd = pidfd
        self.streams = streams  # fd -> [stream name, pending bytes]
        self.result_fd = result_fd
        self.result = b""
        self.deadline = deadline
        self.stop_reason = None


class Supervisor:
    def __init__(self, protocol):
        self.protocol = protocol
        self.children = {}
        self.stdin_buffer = b""

    def serve(self):
        stdin = sys.stdin.fileno()
        while True:
            watched = [stdin]
            for child in self.children.values():
                watched.extend(child.streams)
                watched.append(child.result_fd)
                watched.append(child.pidfd)
            readable, _, _ = select.select(watched, [], [], self._wait_seconds())
            for fd in readable:
                if fd == stdin:
                    if not self._read_requests(stdin):
                        self._stop_all()
                        return
                    continue
                for child in list(self.children.values()):
                    if fd in child.streams:
                        self._relay(child, fd)
                    elif fd == child.result_fd:
                        self._read_result(child)
                    elif fd == child.pidfd:
                        self._finish(child)
            self._enforce_deadlines()

    def _wait_seconds(self):
        deadlines = [child.deadline for child in self.children.values() if child.deadline]
        if not deadlines:
            return None
        return max(0.0, min(deadlines) - time.monotonic())

    def _read_requests(self, stdin):
        data = os.read(stdin, 1 << 16)
        if not data:
            return False
        self.stdin_buffer += data
        while b"\n" in self.stdin_buffer:
            line, self.stdin_buffer = self.stdin_buffer.split(b"\n", 1)
            if line.strip():
                self._handle(json.loads(line))
        return True

    def _handle(self, message):
        if message["op"] == "run":
            self._start(message["id"], message["request"])
        elif message["op"] == "cancel":
            child = self.children.get(message["id"])
            if child is not None:
                self._kill(child, "cancelled")

    def _start(self, run_id, request):
        out_r, out_w = os.pipe()
        err_r, err_w = os.pipe()
        result_r, result_w = os.pipe()
        sys.stderr.flush()
        pid = os.fork()
        if pid == 0:
            _child_main(request, out_w, err_w, result_w, (out_r, err_r, result_r))
        for fd in (out_w, err_w, result_w):
            os.close(fd)
        for fd in (out_r, err_r, result_r):
            os.set_blocking(fd, False)
        timeout = request.get("timeout")
        deadline = time.monotonic() + timeout if timeout else None
        streams = {out_r: ["stdout", b""], err_r: ["stderr", b""]}
        self.children[run_id] = Child(run_id, pid, os.pidfd_open(pid), streams, result_r, deadline)

    def _relay(self, child, fd, final=False):
        name, pending = child.streams[fd]
        while True:
            try:
                data = os.read(fd, 1 << 16)
            except BlockingIOError:
                break
            if not data:
                final = True
                break
            pending += data
        lines = pending.split(b"\n")
        pending = lines.pop()
        if final and pending:
            lines.append(pending)
            pending = b""
        now = time.time()
        for line in lines:
            text = line.decode("utf-8", "replace").rstrip("\r")
            _emit(self.protocol, {"event": "log", "id": child.run_id, "stream": name, "line": text, "ts": now})
        child.streams[fd][1] = pending

    def _read_result(self, child):
        while True:
            try:
                data = os.read(child.result_fd, 1 << 16)
            except BlockingIOError:
                return
            if not data:
                return
            child.result += data

    def _finish(self, child):
        _, status = os.waitpid(child.pid, 0)
        for fd in list(child.streams):
            self._relay(child, fd, final=True)
        self._read_result(child)
        # Whatever the block started and left behind goes with it.
        _kill_group(child.pid)
        for fd in [*child.streams, child.result_fd, child.pidfd]:
            os.close(fd)
        del self.children[child.run_id]
        _emit(self.protocol, {"event": "done", "id": child.run_id, "result": _result(child, status)})

    def _enforce_deadlines(self):
        now = time.monotonic()
        for child in list(self.children.values()):
            if child.deadline and now >= child.deadline and child.stop_reason is None:
                self._kill(child, "timeout")

    def _kill(self, child, reason):
        child.stop_reason = reason
        child.deadline = None
        _kill_group(child.pid)

    def _stop_all(self):
        for child in self.children.values():
            _kill_group(child.pid)


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
    """Asks Linux to kill this child if the worker dies, so no block outlives a killed worker."""
    try:
        import ctypes

        ctypes.CDLL(None, use_errno=True).prctl(1, signal.SIGKILL)  # PR_SET_PDEATHSIG
    except (OSError, AttributeError):
        pass


def _child_main(request, out_w, err_w, result_w, parent_fds):
    """Runs in the forked child: becomes its own process group, rewires stdio, runs the block, exits."""
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
        sys.stdout = os.fdopen(1, "w", buffering=1, encoding="utf-8", errors="replace", closefd=False)
        sys.stderr = os.fdopen(2, "w", buffering=1, encoding="utf-8", errors="replace", closefd=False)
        from wand_runtime import block

        result = block.run(request)
        payload = json.dumps(result, default=str).encode()
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


if __name__ == "__main__":
    main()
