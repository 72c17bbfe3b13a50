"""Run one function in a forked child process held to hard limits of CPU time, memory and time.

A report render is CPU- and memory-hungry in proportion to its text, and a renderer bug or
text nobody foresaw must not take the worker (or the host) down with it. The child:

- gets RLIMIT_CPU: the kernel sends SIGXCPU at the soft limit and SIGKILL at the hard one;
- gets RLIMIT_AS: its address space may grow by at most `memory_bytes` beyond what it
  inherited at the fork, so an allocation past that fails (MemoryError in Python);
- runs at a lower CPU priority (nice), so web requests win the CPU from any render;
- is killed by the parent when `wall_seconds` pass (a render waiting on nothing forever),
  and by the kernel if the parent ends first (a worker stopped mid-render).

Forking (not spawning) keeps what the parent has loaded: WeasyPrint, its fonts and caches,
so a render starts at once. The child never touches the parent's database connection:
it gets what it needs as arguments and returns bytes through a pipe, then leaves with
os._exit, which runs no clean-up that could talk to the database on the parent's behalf.
"""

import ctypes
import os
import pickle
import resource
import select
import signal
import time
import traceback
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

# Niceness of a render: the web processes (nice 0) get about ten times its share of a busy core.
CHILD_NICENESS = 10
# How often the parent looks at the child: its result, its memory, the clock.
POLL_SECONDS = 0.01
# prctl(2): the signal the kernel sends this process when its parent thread ends.
PR_SET_PDEATHSIG = 1
# A child that crashes with its address space this close to its allowance was stopped by it.
NEAR_THE_LIMIT = 0.8


@dataclass(frozen=True)
class Limits:
    cpu_seconds: int
    memory_bytes: int
    wall_seconds: float


@dataclass(frozen=True)
class Usage:
    """What the child used, from the kernel's accounting (os.wait4)."""

    cpu_seconds: float
    peak_memory_bytes: int  # resident set size at its largest
    wall_seconds: float


class OverLimit(Exception):
    """The child went over one of its limits and was stopped."""

    def __init__(self, limit: str, usage: Usage) -> None:
        super().__init__(f"Stopped at the {limit} limit.")
        self.limit = limit  # "cpu", "memory" or "time"
        self.usage = usage


class ChildFailed(Exception):
    """The function raised, or the child died for a reason other than a limit."""

    def __init__(self, message: str, usage: Usage) -> None:
        super().__init__(message)
        self.usage = usage


class Refused(Exception):
    """Raised by the function to refuse its input; passed to the parent as it is (it must pickle)."""


def _address_space() -> int:
    """This process's current virtual memory size, in bytes (Linux)."""
    with open("/proc/self/statm") as statm:
        return int(statm.read().split()[0]) * os.sysconf("SC_PAGE_SIZE")


def _die_with_parent(parent_pid: int) -> None:
    """Have the kernel kill this child if its parent (the worker) ends first: a worker stopped
    mid-render must not leave a render running on, holding a copy of its database socket.
    Linux's PR_SET_PDEATHSIG; a parent already gone before it took effect ends the child here."""
    libc = ctypes.CDLL(None, use_errno=True)
    libc.prctl(PR_SET_PDEATHSIG, signal.SIGKILL)
    if os.getppid() != parent_pid:
        os._exit(1)


def _child(write_fd: int, fn: Callable[..., Any], args: tuple, limits: Limits, parent_pid: int) -> None:
    outcome: tuple[str, Any]
    try:
        _die_with_parent(parent_pid)
        os.nice(CHILD_NICENESS)
        resource.setrlimit(resource.RLIMIT_CORE, (0, 0))  # a render stopped by SIGXCPU leaves no core file
        resource.setrlimit(resource.RLIMIT_CPU, (limits.cpu_seconds, limits.cpu_seconds + 2))
        ceiling = _address_space() + limits.memory_bytes
        resource.setrlimit(resource.RLIMIT_AS, (ceiling, ceiling))
        outcome = ("ok", fn(*args))
    except MemoryError:
        outcome = ("memory", None)
    except Refused as refused:
        outcome = ("refused", refused)
    except BaseException as error:  # everything is reported to the parent
        outcome = ("error", "".join(traceback.format_exception(error))[-4000:])
    try:
        data = pickle.dumps(outcome)
    except Exception:  # an exception that does not pickle
        data = pickle.dumps(("error", repr(outcome[1])[:4000]))
    try:
        with os.fdopen(write_fd, "wb") as pipe:
            pipe.write(data)
    finally:
        os._exit(0)


def _peak_address_space(pid: int) -> int:
    """The child's largest address space so far (the kernel's VmPeak), or 0 once it has gone."""
    try:
        with open(f"/proc/{pid}/status") as status:
            for line in status:
                if line.startswith("VmPeak:"):
                    return int(line.split()[1]) * 1024
    except OSError:
        pass
    return 0


def run_limited(fn: Callable[..., Any], *args: Any, limits: Limits) -> tuple[Any, Usage]:
    """fn(*args) in a limited child process; returns its result and what it used.

    Raises OverLimit, ChildFailed, or the Refused exception the function raised.
    """
    start_size = _address_space()
    read_fd, write_fd = os.pipe()
    started = time.monotonic()
    parent_pid = os.getpid()
    pid = os.fork()
    if pid == 0:  # the child
        os.close(read_fd)
        _child(write_fd, fn, args, limits, parent_pid)
    os.close(write_fd)
    chunks: list[bytes] = []
    timed_out = False
    peak = 0
    with os.fdopen(read_fd, "rb") as pipe:
        while True:
            peak = max(peak, _peak_address_space(pid))
            remaining = limits.wall_seconds - (time.monotonic() - started)
            if remaining <= 0:
                timed_out = True
                os.kill(pid, signal.SIGKILL)
                break
            ready, _, _ = select.select([pipe], [], [], min(remaining, POLL_SECONDS))
            if ready:
                chunk = os.read(pipe.fileno(), 1 << 20)
                if not chunk:
                    break
                chunks.append(chunk)
    _, status, rusage = os.wait4(pid, 0)
    usage = Usage(
        cpu_seconds=rusage.ru_utime + rusage.ru_stime,
        peak_memory_bytes=rusage.ru_maxrss * 1024,
        wall_seconds=time.monotonic() - started,
    )
    if timed_out:
        raise OverLimit("time", usage)
    if os.WIFSIGNALED(status):
        sig = os.WTERMSIG(status)
        if sig in (signal.SIGXCPU, signal.SIGKILL) and usage.cpu_seconds >= limits.cpu_seconds / 2:
            raise OverLimit("cpu", usage)
        # C libraries (fontconfig, cairo, Pango) crash rather than raise when an allocation
        # fails: a crash close to the memory limit is the memory limit.
        if peak - start_size >= limits.memory_bytes * NEAR_THE_LIMIT:
            raise OverLimit("memory", usage)
        raise ChildFailed(f"The render process died of {signal.Signals(sig).name}.", usage)
    try:
        # Our own forked child wrote it, through a pipe only the two processes hold.
        kind, value = pickle.loads(b"".join(chunks))  # noqa: S301
    except Exception:
        raise ChildFailed("The render process ended without a result.", usage) from None
    if kind == "ok":
        return value, usage
    if kind == "memory":
        raise OverLimit("memory", usage)
    if kind == "refused":
        raise value
    raise ChildFailed(value, usage)
