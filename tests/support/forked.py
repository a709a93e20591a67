"""Forked children that report on a pipe: the crash and concurrency tests' one harness.

A child is a function of its arguments and a pipe to write to; it runs in a fork of
the test process (every module already imported, so it starts at once), each line it
writes is a report (``error ...`` when it raised), and it ends with ``os._exit``.
"""

from __future__ import annotations

import os
import signal
import time
from collections.abc import Callable
from typing import Any


def fork(child: Callable[..., object], *args: Any) -> tuple[int, int]:
    """Run ``child(*args, write)`` in a forked process, where ``write(line)`` reports one
    line; returns the pid and the read end of its pipe."""
    read_fd, write_fd = os.pipe()
    pid = os.fork()
    if pid == 0:  # pragma: no cover - the child
        os.close(read_fd)

        def write(line: str) -> None:
            os.write(write_fd, f"{line}\n".encode())

        try:
            child(*args, write)
        except BaseException as exc:  # reported to the parent, which fails the test
            write(f"error {type(exc).__name__}: {exc}")
        os._exit(0)
    os.close(write_fd)
    return pid, read_fd


def finish(
    pid: int, read_fd: int, *, kill_after: float | None = None, after_first: bool = False
) -> tuple[list[str], bool]:
    """The child's report lines and whether a signal ended it; with ``kill_after``
    seconds, SIGKILL it then (wherever it is). With ``after_first`` the seconds count
    from the child's first report, so that each child gets some work done however
    loaded the machine is."""
    head = b""
    if after_first:
        while b"\n" not in head and (chunk := os.read(read_fd, 4096)):
            head += chunk
    if kill_after is not None:
        time.sleep(kill_after)
        os.kill(pid, signal.SIGKILL)
    with os.fdopen(read_fd, "rb") as pipe:
        lines = (head + pipe.read()).decode().splitlines()
    _, status = os.waitpid(pid, 0)
    return lines, os.WIFSIGNALED(status)
