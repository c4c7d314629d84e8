"""The floor of a process per block on this machine, from a warm Python like Wand's lean fork server (its runtime
imported, `gc.freeze()`d): the round trip of forking a child that writes a small JSON result on a pipe and exits at
once (with `os.fork`, and with libc's fork as the lean server forks), and what copying one page after a fork costs.
No Wand, no database: what any design that runs each block in a fresh forked process pays at least.

Usage: PYTHONPATH=crates/runtime/python python bench/fork_floor.py [ROUNDS]
"""

import ctypes
import gc
import json
import os
import signal
import statistics
import sys
import time

from wand_runtime import block  # noqa: F401  (the lean server's modules)

PAGE = os.sysconf("SC_PAGE_SIZE")


def round_trips(fork, rounds):
    """Median ms of fork → the child's result read → the child reaped."""
    times = []
    result = json.dumps({"status": "completed", "stored": {"container": "single", "outputs": [
        {"name": "output_0", "kind": "json", "text": "1", "type": "int"}]}}).encode()
    for _ in range(rounds):
        begin = time.perf_counter()
        read, write = os.pipe()
        pid = fork()
        if pid == 0:
            os.write(write, result)
            os._exit(0)
        os.close(write)
        json.loads(os.read(read, 1 << 16))
        os.close(read)
        times.append(time.perf_counter() - begin)
        os.waitpid(pid, 0)
    return statistics.median(times) * 1000


def page_copy_us(pages=2000):
    """µs a page written after a fork costs beyond writing a page already the process's own."""
    memory = bytearray(pages * PAGE)
    for index in range(pages):
        memory[index * PAGE] = 1
    pid = os.fork()
    if pid == 0:
        time.sleep(30)
        os._exit(0)
    try:
        begin = time.perf_counter()
        for index in range(pages):
            memory[index * PAGE] = 2
        copied = time.perf_counter() - begin
        begin = time.perf_counter()
        for index in range(pages):
            memory[index * PAGE] = 3
        owned = time.perf_counter() - begin
    finally:
        os.kill(pid, signal.SIGKILL)
        os.waitpid(pid, 0)
    return (copied - owned) / pages * 1e6


def main():
    rounds = int(sys.argv[1]) if len(sys.argv) > 1 else 2000
    gc.freeze()
    libc_fork = ctypes.PyDLL(None).fork
    print(f"fork + result round trip, os.fork:     {round_trips(os.fork, rounds):.3f} ms (median of {rounds})")
    print(f"fork + result round trip, libc's fork: {round_trips(libc_fork, rounds):.3f} ms (median of {rounds})")
    copies = sorted(page_copy_us() for _ in range(5))
    print(f"a page copied after a fork: {copies[2]:.2f} µs (median of 5; {copies[0]:.2f}–{copies[-1]:.2f})")


if __name__ == "__main__":
    main()
