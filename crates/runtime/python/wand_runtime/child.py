"""A block run's own process: forked by a fork server (`fork_server`: the lean one, or the heavy one for blocks that
need pandas), set up, handed its request (at once, or later for a spare forked ahead), run, and ended."""

import json
import os
import signal
import sys
import threading

# A child that ends with one of these imported says so in its result: its block needs the heavy server.
HEAVY_SIGNS = ("pandas", "numpy", "pyarrow", "polars")

# libc's prctl, once `find_libc` has found it.
_PRCTL = None
# libc's fork and the process that may call it (see `_fork`), once `find_libc` has found it.
_LIBC_FORK = None


def find_libc(plain_fork=False):
    """Finds libc's prctl in the warm parent, so no child imports ctypes (about 2 ms of CPU and a fifth of a trivial
    block's page faults, each time) to ask to die with its parent; with `plain_fork`, libc's fork too, for this
    process's forks (`_fork`)."""
    global _PRCTL, _LIBC_FORK
    try:
        import ctypes

        _PRCTL = ctypes.CDLL(None, use_errno=True).prctl
        # CPython with its GIL only: a free-threaded build needs its after-fork work even in one thread.
        if plain_fork and sys.implementation.name == "cpython" and getattr(sys, "_is_gil_enabled", lambda: True)():
            _LIBC_FORK = (os.getpid(), ctypes.PyDLL(None, use_errno=True).fork)
    except (OSError, AttributeError, ImportError):
        _PRCTL = None


def _fork():
    """`os.fork`, or in the process that found libc's fork while it runs one thread, libc's fork without CPython's
    after-fork work: that work (the runtime's locks, threading's and logging's hooks) makes a fork safe beside other
    threads, and cost each child of the lean server ~200 page copies and ~0.3 ms before its first line. The
    one hook that matters in one thread, `random`'s reseed, it does itself. Returns (pid, whether plain)."""
    plain = _LIBC_FORK is not None and _LIBC_FORK[0] == os.getpid() and threading.active_count() == 1
    if not plain:
        return os.fork(), False
    pid = _LIBC_FORK[1]()
    if pid < 0:
        import ctypes

        error = ctypes.get_errno()
        raise OSError(error, os.strerror(error))
    if pid == 0 and "random" in sys.modules:
        sys.modules["random"].seed()  # what its after-fork hook does: no two children draw the same numbers
    return pid, True


def die_with_parent():
    """Asks Linux to kill this process when the process that forked it dies."""
    if _PRCTL is not None:
        _PRCTL(1, signal.SIGKILL)  # PR_SET_PDEATHSIG


class Forked:
    """A forked child and the ends of its pipes the parent holds: stdout, stderr, the result, the block's calls to
    Wand and their replies, and, for a spare, the pipe its request comes on."""

    def __init__(self, pid, pidfd, request_fd, out_r, err_r, result_r, call_r, reply_w):
        self.pid = pid
        self.pidfd = pidfd
        self.request_fd = request_fd
        self.out_r = out_r
        self.err_r = err_r
        self.result_r = result_r
        self.call_r = call_r
        self.reply_w = reply_w

    def pipes(self):
        """The parent's ends of the block's pipes, in the order `Forked` takes them."""
        return [self.out_r, self.err_r, self.result_r, self.call_r, self.reply_w]


def fork(request, held):
    """Forks a child that runs `request` or, without one, waits for its request on a pipe. `held`: the descriptors
    the parent holds for other purposes, which the child closes."""
    out_r, out_w = os.pipe()
    err_r, err_w = os.pipe()
    result_r, result_w = os.pipe()
    call_r, call_w = os.pipe()
    reply_r, reply_w = os.pipe()
    request_r, request_w = os.pipe() if request is None else (None, None)
    sys.stderr.flush()
    pid, _ = _fork()
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
    return Forked(pid, os.pidfd_open(pid), request_w, out_r, err_r, result_r, call_r, reply_w)


def write_all(fd, payload):
    view = memoryview(payload)
    while view:
        view = view[os.write(fd, view) :]


def kill_group(pid):
    try:
        os.killpg(pid, signal.SIGKILL)
    except (ProcessLookupError, PermissionError):
        pass


def _child_main(request, request_r, out_w, err_w, result_w, channel, parent_fds):
    """Runs in the forked child: becomes its own process group, rewires stdio, then runs `request` (or, in a spare,
    the request that arrives on `request_r`) and exits. Closing the result pipe tells the parent it is done.
    `channel` (call pipe, reply pipe) carries the block's calls to Wand (`context.call`)."""
    code = 0
    try:
        os.setpgid(0, 0)
        die_with_parent()
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
            request = _wait_for_request(request_r)
            if request is None:
                return
        from wand_runtime import block, context

        context.set_channel(*channel)
        result = block.run(request)
        if any(module in sys.modules for module in HEAVY_SIGNS):
            result["heavy"] = True
        payload = json.dumps(result, default=str).encode()
        sys.stdout.flush()
        sys.stderr.flush()
        with os.fdopen(result_w, "wb") as sink:
            sink.write(payload)
        # The block is over: what is left (the process's teardown) yields to whoever picks up its result.
        try:
            os.setpriority(os.PRIO_PROCESS, 0, 19)
        except OSError:
            pass
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


def _wait_for_request(request_r):
    """The request a spare child is handed, waited for under Linux's SCHED_BATCH policy: the supervisor's write that
    wakes it then does not make it take the supervisor's CPU at once. It did in one block of seven of a chain on 2
    cores, and the supervisor, stalled until the block had run, forked its next spare and relayed its result ~1.5 ms
    late (bench/RESULTS.md, "Issue 17, seventh session"). The block runs under the normal policy, as any process."""
    batch = _set_policy(os.SCHED_BATCH)
    request = _receive_request(request_r)
    if batch:
        _set_policy(os.SCHED_OTHER)
    return request


def _set_policy(policy):
    """Sets this process's scheduling policy; False where the system refuses."""
    try:
        os.sched_setscheduler(0, policy, os.sched_param(0))
        return True
    except OSError:
        return False


def _receive_request(request_r):
    """The request a spare child is handed, or None when its parent dropped the spare instead."""
    chunks = []
    while True:
        data = os.read(request_r, 1 << 16)
        if not data:
            break
        chunks.append(data)
    os.close(request_r)
    return json.loads(b"".join(chunks)) if chunks else None
