"""The heavy parent: a process the supervisor forks the first time a block needs pandas, which imports pandas and
pyarrow (and, for SQL blocks, DuckDB and jinja2) and forks the children of the blocks that need them.

The supervisor itself stays lean, so a block that needs none of them forks from a ~14 MB process (~0.6 ms) even after
other blocks brought pandas in, instead of copying a ~120 MB one (~5.5 ms, bench/RESULTS.md). A heavy block's child
is the heavy parent's: the heavy parent sets up its process group and pipes, hands the supervisor the pipes' ends
(over a Unix socket) and, when the child has exited, kills what is left of its group, reaps it and reports its exit
status. The supervisor relays its output, times it out and kills it exactly as it does its own children.

Protocol: the supervisor writes one JSON object a line, {"id": ..., "request": {...}}, on a pipe. The heavy parent
answers on a SOCK_SEQPACKET socket, one message each: {"id": ..., "pid": ...} with the child's five pipe ends
attached (stdout, stderr, result, calls, replies), or {"id": ..., "error": "..."} when it cannot fork; and
{"exit": pid, "status": ...} when a child it forked has exited and been reaped.
"""

import array
import gc
import json
import os
import select
import signal
import socket
import sys
import traceback

from wand_runtime import child

# What the heavy parent imports when it starts: every later child of a heavy block starts with them.
HEAVY_MODULES = ("pandas", "pyarrow", "pyarrow.ipc")
# SQL blocks render with jinja2 and most run on DuckDB: imported when the first SQL block comes (not at start,
# which every pipeline waits for), every later SQL block's child has them (~0.2 s each). Importing DuckDB starts no
# thread, so forking after it is safe. Each is optional.
SQL_MODULES = ("pyarrow.csv", "jinja2", "duckdb", "wand_runtime.sql")
# The pipe ends sent with each started child, in `child.Forked.pipes` order.
_PIPES = 5


def import_optional(modules):
    """Imports each module that is installed."""
    for module in modules:
        try:
            __import__(module)
        except ImportError:
            pass


class HeavyParent:
    """The supervisor's handle on its heavy parent."""

    def __init__(self, held):
        """Forks the heavy parent. `held`: the descriptors the supervisor holds, which it closes."""
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
                _serve(request_r, theirs)
            except BaseException:  # noqa: BLE001  (must always reach os._exit)
                traceback.print_exc()
                code = 70
            finally:
                os._exit(code)
        os.close(request_r)
        theirs.close()
        self.pid = pid
        self.requests = request_w
        self.socket = ours
        # Exit notices that arrived while `start` waited for its answer.
        self.pending = []

    def fds(self):
        return [self.requests, self.socket.fileno()]

    def start(self, run_id, request):
        """Has the heavy parent fork a child running `request`: returns (pid, pipe ends). Raises OSError when it cannot
        (the heavy parent is gone, or out of processes)."""
        child.write_all(self.requests, json.dumps({"id": run_id, "request": request}).encode() + b"\n")
        while True:
            message, fds = self._receive()
            if message is None:
                raise ConnectionError("the heavy parent process ended")
            if "exit" in message:
                self.pending.append(message)
            elif message.get("error"):
                raise OSError(message["error"])
            else:
                return message["pid"], fds

    def exits(self):
        """The exit notices that have arrived, as (pid, status); None when the heavy parent has ended."""
        notices, self.pending = self.pending, []
        while True:
            try:
                message, _ = self._receive(block=False)
            except BlockingIOError:
                break
            if message is None:
                return None
            notices.append(message)
        return [(notice["exit"], notice["status"]) for notice in notices]

    def close(self):
        """Ends the heavy parent (its children die with it) and reaps it."""
        os.close(self.requests)
        self.socket.close()
        try:
            os.kill(self.pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
        os.waitpid(self.pid, 0)

    def _receive(self, block=True):
        flags = 0 if block else socket.MSG_DONTWAIT
        fds = array.array("i")
        data, ancillary, _, _ = self.socket.recvmsg(1 << 16, socket.CMSG_SPACE(_PIPES * fds.itemsize), flags)
        for level, kind, payload in ancillary:
            if level == socket.SOL_SOCKET and kind == socket.SCM_RIGHTS:
                fds.frombytes(payload[: len(payload) - len(payload) % fds.itemsize])
        if not data:
            return None, []
        return json.loads(data), list(fds)


def _serve(requests, sock):
    """The heavy parent's loop: forks a child per request, reaps each child that exits and reports its status."""
    import_optional(HEAVY_MODULES)
    gc.freeze()
    from wand_runtime import block

    sql_ready = False
    children = {}  # pidfd -> pid, for the blocks' children
    discarded = {}  # pidfd -> pid, for spares dropped unused
    buffer = bytearray()
    spares = child.SpareSlot(lambda spare: discarded.__setitem__(spare.pidfd, spare.pid))

    def held():
        return [requests, sock.fileno(), *children, *discarded, *spares.fds()]

    while True:
        readable, _, _ = select.select([requests, *children, *discarded], [], [], spares.wait_seconds())
        if not readable:
            spares.idle(held())
        for fd in readable:
            if fd in discarded:
                os.waitpid(discarded.pop(fd), 0)
                os.close(fd)
                continue
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
                if request.get("language") == "sql" and not sql_ready:
                    sql_ready = True
                    import_optional(SQL_MODULES)
                    gc.freeze()
                    spares.drop()  # forked without them
                try:
                    forked = spares.take(request, held())
                except OSError as error:
                    sock.send(json.dumps({"id": message["id"], "error": f"cannot fork: {error}"}).encode())
                    continue
                sock.sendmsg(
                    [json.dumps({"id": message["id"], "pid": forked.pid}).encode()],
                    [(socket.SOL_SOCKET, socket.SCM_RIGHTS, array.array("i", forked.pipes()))],
                )
                for pipe in forked.pipes():
                    os.close(pipe)
                children[forked.pidfd] = forked.pid
                block.compile_ahead(request)
