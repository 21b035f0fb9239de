"""`ganrepro` commands in real child processes that a test can kill, stop or starve of disk.

Children are forked from a fork server that has imported torch and ganrepro once, so a process
costs its own work only (a fresh interpreter costs seconds of imports, which 40 kills would
multiply). Each child runs the real CLI entry point, ``ganrepro.cli.main``.
"""

from __future__ import annotations

import multiprocessing
import os
import resource
import signal
import sys
import time
from collections.abc import Callable
from pathlib import Path

CTX = multiprocessing.get_context("forkserver")
# everything a command imports on its way (tensorboard alone costs about a second)
PRELOAD = ["torch", "torch.utils.tensorboard", "ganrepro.cli", "ganrepro.train.run"]
CTX.set_forkserver_preload([*PRELOAD, "ganrepro.evaluate.run"])


def cli(argv: list[str]) -> int:
    from ganrepro.cli import main

    return main(argv)


def cli_in(root: str, argv: list[str]) -> int:
    """The CLI run from ``root`` (a project root: the layout's results/ paths start there)."""
    os.chdir(root)
    return cli(argv)


def _child(func: Callable, args: tuple, log: str, max_file_bytes: int | None) -> None:
    fd = os.open(log, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o644)
    os.dup2(fd, 1)
    os.dup2(fd, 2)
    if max_file_bytes is not None:  # `ulimit -f`: a write past it fails with EFBIG
        signal.signal(signal.SIGXFSZ, signal.SIG_IGN)
        resource.setrlimit(resource.RLIMIT_FSIZE, (max_file_bytes, resource.RLIM_INFINITY))
    sys.exit(func(*args))


class Child:
    """One ``ganrepro ARGV`` process (or ``func(*args)``: a module-level function, for a fault
    that must be planted inside the process); its stdout and stderr go to ``log``."""

    def __init__(
        self,
        argv: list[str],
        log: Path,
        max_file_bytes: int | None = None,
        func: Callable = cli,
        args: tuple | None = None,
    ):
        self.log = Path(log)
        self.started = time.monotonic()
        work = (func, (argv,) if args is None else args, str(log), max_file_bytes)
        self.proc = CTX.Process(target=_child, args=work)
        self.proc.start()

    def wait_until(self, ready: Callable[[], bool], timeout: float = 120) -> None:
        """Poll ``ready()`` until it holds (or the child ends)."""
        deadline = time.monotonic() + timeout
        while not ready() and self.proc.is_alive() and time.monotonic() < deadline:
            time.sleep(0.01)

    def kill_after(self, seconds: float) -> bool:
        """SIGKILL at ``seconds`` after the start; True if the child was still running."""
        self.proc.join(max(0.0, seconds - (time.monotonic() - self.started)))
        alive = self.proc.is_alive()
        if alive:
            self.proc.kill()
        return alive

    def finish(self, timeout: float = 300) -> int:
        """The exit code (negative: killed by that signal)."""
        self.proc.join(timeout)
        if self.proc.is_alive():
            self.proc.kill()
            self.proc.join()
            raise TimeoutError(f"{self.log}: no exit within {timeout} s")
        return self.proc.exitcode

    @property
    def output(self) -> str:
        return self.log.read_text() if self.log.exists() else ""


def run(argv: list[str], log: Path, **kw) -> tuple[int, str]:
    """Run to the end: (exit code, output)."""
    child = Child(argv, log, **kw)
    return child.finish(), child.output
