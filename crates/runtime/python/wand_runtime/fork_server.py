"""Fork servers: the processes that fork the blocks' children, so that the supervisor, which relays what the children
write, never forks after it starts.

Forking makes every page a process shares with its children copy-on-write: each page the forking process writes
afterwards is first copied (2.4–4.2 µs a page on a 2-core VM). The supervisor, forking a spare per block, took ~270
such copies per block run while it read the request, relayed the result and wrote it out (bench/RESULTS.md, "Issue
17, sixth session"). So the supervisor forks two servers and nothing else:
- the lean server, forked when the supervisor starts: the children of the blocks that need no more than the standard
  library and `mage_ai` (~0.6 ms a fork from a ~14 MB process). It forks with libc's fork (`child._fork`).
- the heavy server, forked the first time a block needs pandas: it imports pandas and pyarrow (and, for SQL blocks,
  DuckDB and jinja2) and forks the children of the blocks that need them (~5.5 ms from a ~120 MB process instead).

While blocks come in, each server keeps one spare child forked ahead and hands the supervisor its pipes' ends at
once: the supervisor writes the next request straight to the spare and tells the server, which forks the next spare
meanwhile. A spare unused for `SPARE_IDLE_SECONDS` is dropped by the supervisor (it closes the spare's request
pipe and the spare exits), so an idle supervisor is two processes. The server reaps every child it forked, after
killing what is left of its process group, and reports its exit.

Protocol: the supervisor writes one JSON object a line on a pipe: {"op": "start", "id", "request"} (fork a child for
this request), {"op": "took", "request"} (the spare got this request: fork the next one). The server answers on a
SOCK_SEQPACKET socket, one message each: {"id", "pid"} with the child's five pipe ends attached (stdout, stderr,
result, calls, replies), or {"id", "error"} when it cannot fork; {"spare": pid} with the spare's five pipe ends and
its request pipe attached (or {"spare": null} when it could not fork one); and {"exit": pid, "status"} when a child it forked has exited and been reaped.
"""

import array
import gc
import json
import os
import select
import signal
import socket
import sys
import time
import traceback

from wand_runtime import child

# What the heavy server imports when it starts: every later child of a heavy block starts with them.
HEAVY_MODULES = ("pandas", "pyarrow", "pyarrow.ipc")
# SQL blocks render with jinja2 and most run on DuckDB: imported when the first SQL block comes (not at start,
# which every pipeline waits for), every later SQL block's child has them (~0.2 s each). Importing DuckDB starts no
# thread, so forking after it is safe. Each is optional.
SQL_MODULES = ("pyarrow.csv", "jinja2", "duckdb", "wand_runtime.sql")
# How long a spare child waits unused before the supervisor drops it.
SPARE_IDLE_SECONDS = 1.0
# The pipe ends sent with each started child, in `child.Forked.pipes` order; a spare's request pipe comes after them.
_PIPES = 5


def import_optional(modules):
    """Imports each module that is installed."""
    for module in modules:
        try:
            __import__(module)
        except ImportError:
            pass


class Spare:
    """A spare child of a server's, as the supervisor holds it: its pid, the ends of its pipes and of its request pipe."""

    def __init__(self, pid, fds):
        self.pid = pid
        self.pipes = fds[:_PIPES]
        self.request_fd = fds[_PIPES]
        self.expires = time.monotonic() + SPARE_IDLE_SECONDS

    def hand(self, payload):
        """Hands the spare its request; False if it is gone."""
        try:
            os.set_blocking(self.request_fd, True)
            child.write_all(self.request_fd, payload)
            return True
        except OSError:
            return False
        finally:
            os.close(self.request_fd)

    def drop(self):
        """Closes the supervisor's ends: without its request the spare exits, and its server reaps it."""
        for fd in [*self.pipes, self.request_fd]:
            os.close(fd)


class ForkServer:
    """The supervisor's handle on one fork server."""

    def __init__(self, held, heavy):
        """Forks the server; `heavy`: it imports pandas & co first. `held`: the descriptors the supervisor holds,
        which it closes."""
        request_r, request_w = os.pipe()
        ours, theirs = socket.socketpair(socket.AF_UNIX, socket.SOCK_SEQPACKET)
        sys.stderr.flush()
        pid = os.fork()
        if pid == 0:
            code = 0
            try:
                os.close(request_w)
                ours.close()
                for fd in held:
                    os.close(fd)
                child.die_with_parent()
                _serve(request_r, theirs, heavy)
            except BaseException:  # noqa: BLE001  (must always reach os._exit)
                traceback.print_exc()
                code = 70
            finally:
                os._exit(code)
        os.close(request_r)
        theirs.close()
        self.pid = pid
        self.heavy = heavy
        self.requests = request_w
        self.socket = ours
        self.spare = None
        # Whether the server is forking a spare the supervisor has not received yet (it sends one after each
        # request, or word that it could not).
        self.spare_coming = False
        # Whether the server has imported what SQL blocks need (a spare forked before would lack it).
        self.sql_ready = False
        # Exit notices that arrived while `start` waited for its answer.
        self.pending = []

    def fds(self):
        held = [self.requests, self.socket.fileno()]
        if self.spare is not None:
            held += [*self.spare.pipes, self.spare.request_fd]
        return held

    def start(self, run_id, request):
        """A child running `request`: its pid and pipe ends. The spare, handed the request, when there is one;
        otherwise the server forks one. Raises OSError when it cannot (the server is gone, or out of processes)."""
        payload = json.dumps(request).encode()
        sql = request.get("language") == "sql" and not self.sql_ready
        self.sql_ready = self.sql_ready or request.get("language") == "sql"
        self._read_arrived()
        # A spare on its way comes sooner than a child forked after it: the server forks one thing at a time.
        while self.spare is None and self.spare_coming and not sql:
            message, fds = self._receive()
            if message is None:
                raise ConnectionError("the fork server process ended")
            self._keep(message, fds)
        self.spare_coming = True
        spare, self.spare = self.spare, None
        if spare is not None and sql:
            spare.drop()  # forked before the server imported what SQL blocks need
        elif spare is not None:
            if spare.hand(payload):
                self._send(b'{"op": "took", "request": ' + payload + b"}\n")
                return spare.pid, spare.pipes
            for fd in spare.pipes:
                os.close(fd)
        self._send(b'{"op": "start", "id": ' + json.dumps(run_id).encode() + b', "request": ' + payload + b"}\n")
        while True:
            message, fds = self._receive()
            if message is None:
                raise ConnectionError("the fork server process ended")
            if message.get("id") == run_id and "pid" in message:
                return message["pid"], fds
            if message.get("id") == run_id:
                raise OSError(message["error"])
            self._keep(message, fds)

    def exits(self):
        """The exit notices that have arrived, as (pid, status); None when the server has ended. A spare that
        arrived is kept."""
        if not self._read_arrived():
            return None
        notices, self.pending = self.pending, []
        return [(notice["exit"], notice["status"]) for notice in notices]

    def _read_arrived(self):
        """Takes in every message that has arrived; False when the server has ended."""
        while True:
            try:
                message, fds = self._receive(block=False)
            except BlockingIOError:
                return True
            if message is None:
                return False
            self._keep(message, fds)

    def wait_seconds(self):
        """How long until the spare is to be dropped; None without one."""
        return None if self.spare is None else max(0.0, self.spare.expires - time.monotonic())

    def drop_idle_spare(self):
        """Drops the spare once it has waited unused for `SPARE_IDLE_SECONDS`."""
        if self.spare is not None and time.monotonic() >= self.spare.expires:
            spare, self.spare = self.spare, None
            spare.drop()

    def close(self):
        """Ends the server (its children die with it) and reaps it."""
        if self.spare is not None:
            self.spare.drop()
            self.spare = None
        os.close(self.requests)
        self.socket.close()
        try:
            os.kill(self.pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
        os.waitpid(self.pid, 0)

    def _keep(self, message, fds):
        if "spare" in message:
            self.spare_coming = False
            if self.spare is not None:
                self.spare.drop()
            if message["spare"] is not None:
                self.spare = Spare(message["spare"], fds)
        elif "exit" in message:
            self.pending.append(message)

    def _send(self, line):
        try:
            child.write_all(self.requests, line)
        except BrokenPipeError as error:
            raise ConnectionError("the fork server process ended") from error

    def _receive(self, block=True):
        flags = 0 if block else socket.MSG_DONTWAIT
        fds = array.array("i")
        data, ancillary, _, _ = self.socket.recvmsg(1 << 16, socket.CMSG_SPACE((_PIPES + 1) * fds.itemsize), flags)
        for level, kind, payload in ancillary:
            if level == socket.SOL_SOCKET and kind == socket.SCM_RIGHTS:
                fds.frombytes(payload[: len(payload) - len(payload) % fds.itemsize])
        if not data:
            return None, []
        return json.loads(data), list(fds)


def _serve(requests, sock, heavy):
    """A server's loop: forks a child per request and a spare after each, reaps each child that exits and reports
    its status."""
    if heavy:
        import_optional(HEAVY_MODULES)
    else:
        # This process runs one thread and never imports user code: its children may skip CPython's after-fork work.
        child.find_libc(plain_fork=True)
    # Objects that exist now are never collected in a child: its collector leaves them alone instead of touching
    # (and so copying) every page the fork shares with this process.
    gc.freeze()
    from wand_runtime import block

    sql_ready = False
    children = {}  # pidfd -> pid, for every child forked, spares included
    buffer = bytearray()

    def held():
        return [requests, sock.fileno(), *children]

    def fork(request):
        forked = child.fork(request, held())
        children[forked.pidfd] = forked.pid
        return forked

    def send(message, fds):
        sock.sendmsg([json.dumps(message).encode()], [(socket.SOL_SOCKET, socket.SCM_RIGHTS, array.array("i", fds))])
        for fd in fds:
            os.close(fd)

    while True:
        readable, _, _ = select.select([requests, *children], [], [])
        for fd in readable:
            if fd in children:
                pid = children.pop(fd)
                os.close(fd)
                # Whatever the block started and left behind goes with it, while its pid is still taken.
                child.kill_group(pid)
                status = os.waitpid(pid, 0)[1]
                sock.send(json.dumps({"exit": pid, "status": status}).encode())
                continue
            data = os.read(requests, 1 << 16)
            if not data:
                for pid in children.values():
                    child.kill_group(pid)
                return
            buffer += data
            while (end := buffer.find(b"\n")) >= 0:
                message = json.loads(bytes(buffer[:end]))
                del buffer[: end + 1]
                request = message["request"]
                if request.get("language") == "sql" and not sql_ready and heavy:
                    sql_ready = True
                    import_optional(SQL_MODULES)
                    gc.freeze()
                if message["op"] == "start":
                    try:
                        forked = fork(request)
                    except OSError as error:
                        sock.send(json.dumps({"id": message["id"], "error": f"cannot fork: {error}"}).encode())
                        continue
                    send({"id": message["id"], "pid": forked.pid}, forked.pipes())
                # While the child runs: the files of the blocks downstream compiled, then the next spare, which most
                # likely runs one of them and so starts with it compiled (~0.1 ms less a block of a chain), then the
                # child's own files for the children of later runs.
                block.compile_files(request["repo_path"], request.get("ahead") or [])
                try:
                    spare = fork(None)
                    send({"spare": spare.pid}, [*spare.pipes(), spare.request_fd])
                except OSError as error:  # out of processes or memory: the next block forks its own child
                    print(f"cannot fork a spare child: {error}", file=sys.stderr)
                    sock.send(json.dumps({"spare": None}).encode())
                block.compile_ahead(request)
