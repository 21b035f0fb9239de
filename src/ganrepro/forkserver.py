"""A warm process for a local run's jobs: torch and the job modules are imported once, and each
job's command runs in a process forked from that one.

Why: on the 2-core build machine every job process paid ~2 s to import torch, and a training
another ~1.3 s for ``torch._dynamo`` (imported by the optimiser's first step), about a quarter
of the quick DAG's CPU time. A local Snakemake run starts one server (``common.smk``,
``onstart``) and exports its address as ``$GANREPRO_FORKSERVER``; ``ganrepro`` then hands its
command line, working folder, environment, umask and standard streams to the server, which
forks a worker that runs the command exactly as ``ganrepro`` would have.

The job's own process (the one Snakemake waits on) stays until the worker ends: it forwards the
signals it receives (SIGINT, SIGTERM, SIGHUP, SIGQUIT, SIGUSR1, SIGUSR2) to the worker and exits
with the worker's status, or dies of the worker's signal. Killed outright (SIGKILL), it closes
its end of the connection, and the worker kills itself on seeing that. With no server (a cluster
job, ``dvc repro``, a command typed by hand) or none answering, the command runs in its own
process, as before. ``GANREPRO_FORKSERVER=off`` keeps a Snakemake run from starting one.

Fork safety: the server only imports; it never runs torch maths (no OpenMP pool) nor touches
CUDA, so a worker starts as a fresh process would. It accepts connections from its own user
only (abstract Unix socket, SO_PEERCRED), stops when told (SIGTERM) or when the Snakemake that
started it is gone, and then waits for its running workers.
"""

from __future__ import annotations

import atexit
import contextlib
import gc
import importlib
import json
import os
import secrets
import select
import selectors
import signal
import socket
import struct
import subprocess
import sys
import threading
import traceback

ENV = "GANREPRO_FORKSERVER"
OFF = ("off", "0", "false", "no")
# imported once by the server: what the workflow's commands import (a missing one is skipped)
PRELOAD = (
    "numpy",
    "scipy.linalg",
    "torch",
    "torch._dynamo",
    "torch.optim",
    "torch.utils.tensorboard",
    "tensorboard.compat.proto.summary_pb2",
    "matplotlib.pyplot",
    "PIL.Image",
    "yaml",
    "ganrepro.cli",
    "ganrepro.train.run",
    "ganrepro.evaluate.run",
    "ganrepro.evaluate.stats",
    "ganrepro.evaluate.classifier",
    "ganrepro.evaluate.visuals",
    "ganrepro.report.build",
)
FORWARDED = (
    signal.SIGINT,
    signal.SIGTERM,
    signal.SIGHUP,
    signal.SIGQUIT,
    signal.SIGUSR1,
    signal.SIGUSR2,
)
MAX_REQUEST = 1 << 20


def _raw(address: str) -> str:
    """An address as written in the environment ("@name") -> the abstract socket name."""
    return "\0" + address[1:] if address.startswith("@") else address


# --- the job's side -----------------------------------------------------------------------


def delegate(argv: list[str]) -> int | None:
    """Run ``ganrepro argv`` in a worker of the server named by $GANREPRO_FORKSERVER and return
    its exit status (or die of its signal); None when no server takes it (run it here)."""
    address = os.environ.get(ENV, "")
    if not address or address.lower() in OFF:
        return None
    sock = socket.socket(socket.AF_UNIX, socket.SOCK_SEQPACKET)
    try:
        sock.connect(_raw(address))
        if _peer_uid(sock) != os.getuid():  # not our server (a name anyone could take)
            raise ConnectionRefusedError
        stdio = [fd for fd in (0, 1, 2) if _is_open(fd)]
        umask = os.umask(0)
        os.umask(umask)
        request = {
            "argv": argv,
            "argv0": sys.argv[0],
            "prefix": sys.prefix,  # the environment the job asked for (a conda env's own)
            "cwd": os.getcwd(),
            "env": dict(os.environ),
            "umask": umask,
            "stdio": stdio,
        }
        socket.send_fds(sock, [json.dumps(request).encode()], stdio)
    except OSError:
        sock.close()
        return None  # nobody listening (yet, or any more): run here
    return _wait(sock)


def _peer_uid(sock: socket.socket) -> int:
    creds = sock.getsockopt(socket.SOL_SOCKET, socket.SO_PEERCRED, struct.calcsize("3i"))
    return struct.unpack("3i", creds)[1]


def _is_open(fd: int) -> bool:
    try:
        os.fstat(fd)
    except OSError:
        return False
    return True


def _wait(sock: socket.socket) -> int | None:
    worker = None
    pending: list[int] = []

    def forward(signum, _frame):
        if worker is None:
            pending.append(signum)
            return
        with contextlib.suppress(ProcessLookupError):
            os.kill(worker, signum)

    for s in FORWARDED:
        signal.signal(s, forward)
    while True:
        try:
            message = sock.recv(64).decode()
        except ConnectionResetError:  # the server went away
            message = ""
        if not message and worker is None:  # before any worker began: nothing ran
            message = "refused"
        if not message:
            print(
                "ganrepro: the fork server's worker ended without a status "
                f"(${ENV}={os.environ.get(ENV)}); rerun the job",
                file=sys.stderr,
            )
            return 1
        kind, _, value = message.partition(" ")
        if kind == "pid":
            worker = int(value)
            for signum in pending:
                forward(signum, None)
            pending.clear()
        elif kind == "exit":
            return int(value)
        elif kind == "signal":  # die the way the worker died
            signum = int(value)
            signal.signal(signum, signal.SIG_DFL)
            os.kill(os.getpid(), signum)
            return 128 + signum
        elif kind == "refused":  # the server could not start a worker: nothing ran
            sock.close()
            for s in FORWARDED:
                signal.signal(s, signal.SIG_DFL)
            signal.signal(signal.SIGINT, signal.default_int_handler)
            for signum in pending:  # what the job was sent meanwhile, now its own
                os.kill(os.getpid(), signum)
            return None


# --- the workflow's side --------------------------------------------------------------------


def start(log: str | os.PathLike) -> subprocess.Popen | None:
    """Start a server for this process's jobs and export its address (None: turned off)."""
    if os.environ.get(ENV, "").lower() in OFF:
        return None
    address = f"@ganrepro-{os.getpid()}-{secrets.token_hex(6)}"
    ready_r, ready_w = os.pipe()
    argv = [address, str(os.getpid()), str(ready_w)]
    with open(log, "ab") as out:
        proc = subprocess.Popen(
            # -P: no working folder on sys.path, as for the `ganrepro` script itself
            [sys.executable, "-P", "-m", "ganrepro.forkserver", *argv],
            stdin=subprocess.DEVNULL,
            stdout=out,
            stderr=subprocess.STDOUT,
            pass_fds=(ready_w,),
            # its own process group, so that a terminal's Ctrl-C reaches the jobs, not the
            # server; the same session, so that the kernel's autogroup scheduling (and a nice
            # value) treats it and its workers as part of this run
            process_group=0,
        )
    os.close(ready_w)
    with os.fdopen(ready_r, "rb") as ready:  # one byte once it listens (EOF: it failed)
        listening = select.select([ready], [], [], 60)[0] and ready.read(1) == b"1"
    if not listening:
        stop(proc, timeout=10)
        return None  # the jobs run in their own processes, as without a server
    os.environ[ENV] = address
    return proc


def stop(proc: subprocess.Popen | None, timeout: float = 120) -> None:
    """Stop a server from :func:`start` once its workers have ended."""
    if proc is None:
        return
    os.environ.pop(ENV, None)
    with contextlib.suppress(ProcessLookupError):
        proc.terminate()
    try:
        proc.wait(timeout)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait()


# --- the server -----------------------------------------------------------------------------


def serve(address: str, parent: int, ready: int) -> None:
    listener = socket.socket(socket.AF_UNIX, socket.SOCK_SEQPACKET)
    listener.bind(_raw(address))
    listener.listen(128)  # the first jobs wait here while the imports run, not import too
    os.write(ready, b"1")
    os.close(ready)
    for name in PRELOAD:
        with contextlib.suppress(ImportError):
            importlib.import_module(name)
    torch = sys.modules.get("torch")
    if torch is not None and torch.cuda.is_initialized():  # a fork would share its context
        raise SystemExit("ganrepro fork server: CUDA was initialised by an import; stopping")
    gc.freeze()  # what the imports made: never scanned by a worker's collections (nor copied)
    wake_r, wake_w = os.pipe()
    os.set_blocking(wake_r, False)
    os.set_blocking(wake_w, False)
    signal.set_wakeup_fd(wake_w)
    stopping = []
    signal.signal(signal.SIGCHLD, lambda *_: None)
    signal.signal(signal.SIGTERM, lambda *_: stopping.append(True))
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    workers: dict[int, socket.socket] = {}
    sel = selectors.DefaultSelector()
    sel.register(listener, selectors.EVENT_READ)
    sel.register(wake_r, selectors.EVENT_READ)
    print(f"ganrepro fork server {address}: ready (pid {os.getpid()})", flush=True)
    while True:
        if os.getppid() != parent:
            stopping.append(True)
        if stopping and listener.fileno() >= 0:
            sel.unregister(listener)
            listener.close()
        _reap(workers)
        if stopping and not workers:
            break
        for key, _ in sel.select(timeout=1.0):
            if key.fileobj is listener:
                _accept(listener, workers, close=(sel, listener, wake_r, wake_w))
            else:
                with contextlib.suppress(BlockingIOError):
                    os.read(wake_r, 4096)
    print(f"ganrepro fork server {address}: stopped", flush=True)


def _accept(listener, workers, close) -> None:
    conn, _ = listener.accept()
    uid = _peer_uid(conn)
    fds: list[int] = []
    try:
        if uid != os.getuid():
            raise PermissionError(f"a connection from uid {uid}")
        conn.settimeout(10)
        message, fds, flags, _ = socket.recv_fds(conn, MAX_REQUEST, 3)
        if flags & (socket.MSG_TRUNC | socket.MSG_CTRUNC):
            raise ValueError("a truncated request")
        conn.settimeout(None)  # the worker waits on it for as long as the job lives
        request = json.loads(message)
        if request.get("prefix") != sys.prefix:
            raise ValueError(f"a job of another environment ({request.get('prefix')})")
        pid = os.fork()
    except Exception as exc:  # nothing ran: the job runs in its own process instead
        print(f"refused {exc!r}", flush=True)
        with contextlib.suppress(OSError):
            conn.send(b"refused")
        conn.close()
        for fd in fds:
            os.close(fd)
        return
    if pid == 0:
        _worker(conn, fds, request, [*close, *workers.values()])  # never returns
    for fd in fds:
        os.close(fd)
    workers[pid] = conn
    print(f"worker {pid}: {' '.join(request['argv'][:2])}", flush=True)


def _reap(workers: dict[int, socket.socket]) -> None:
    while workers:
        try:
            pid, status = os.waitpid(-1, os.WNOHANG)
        except ChildProcessError:
            return
        if pid == 0:
            return
        conn = workers.pop(pid, None)
        if conn is None:
            continue
        if os.WIFSIGNALED(status):
            message = f"signal {os.WTERMSIG(status)}"
        else:
            message = f"exit {os.waitstatus_to_exitcode(status)}"
        with contextlib.suppress(OSError):  # the job may have read the worker's own status
            conn.send(message.encode())
        conn.close()


def _worker(conn: socket.socket, fds: list[int], request: dict, inherited: list) -> None:
    """In the forked child: become the job's command, run it, report, exit."""
    code, started = 1, False
    try:
        signal.set_wakeup_fd(-1)
        for s in (signal.SIGCHLD, *FORWARDED):
            signal.signal(s, signal.SIG_DFL)
        signal.signal(signal.SIGINT, signal.default_int_handler)
        sel, *rest = inherited
        sel.close()
        for item in rest:
            with contextlib.suppress(OSError):
                item.close() if hasattr(item, "close") else os.close(item)
        for target, fd in zip(request["stdio"], fds, strict=True):
            if fd != target:
                os.dup2(fd, target)
                os.close(fd)
        for target in {0, 1, 2} - set(request["stdio"]):
            devnull = os.open(os.devnull, os.O_RDWR)
            if devnull != target:
                os.dup2(devnull, target)
                os.close(devnull)
        sys.stdout.reconfigure(line_buffering=os.isatty(1))
        os.chdir(request["cwd"])
        os.environ.clear()
        os.environ.update(request["env"])
        os.umask(request["umask"])
        sys.argv = [request["argv0"], *request["argv"]]
        _limit_threads(request["env"])
        atexit._clear()  # the server's imports' handlers are the server's, not this job's
        conn.sendall(f"pid {os.getpid()}".encode())
        started = True
        threading.Thread(target=_die_with_the_job, args=(conn,), daemon=True).start()
        code = _run(request["argv"])
        threading._shutdown()  # as a direct process ends: its other threads first, then atexit
        atexit._run_exitfuncs()
    except BaseException:  # noqa: BLE001 - a worker must always report and exit
        with contextlib.suppress(Exception):
            traceback.print_exc()
        if not started:  # nothing ran: the job runs in its own process instead
            with contextlib.suppress(OSError):
                conn.sendall(b"refused")
            os._exit(1)
    finally:
        with contextlib.suppress(Exception):
            sys.stdout.flush()
            sys.stderr.flush()
        with contextlib.suppress(OSError):
            conn.sendall(f"exit {code}".encode())
        os._exit(code)


def _limit_threads(env: dict[str, str]) -> None:
    """The thread counts Snakemake gives the job (OMP_NUM_THREADS..., its ``threads``): read
    by OpenMP and OpenBLAS when they load, which was in the server, so set here; a command's
    own ``--threads`` sets them again."""
    threads = env.get("OMP_NUM_THREADS", "")
    if threads.isdigit() and int(threads) > 0:
        from ganrepro.cli import limit_threads

        limit_threads(int(threads))


def _run(argv: list[str]) -> int:
    """``ganrepro argv`` as the console script runs it: its exit status."""
    from ganrepro.cli import main

    try:
        code = main(argv)
    except SystemExit as exc:
        if exc.code is None or isinstance(exc.code, int):
            return exc.code or 0
        print(exc.code, file=sys.stderr)
        return 1
    except KeyboardInterrupt:  # as an interrupted Python program ends: by SIGINT
        traceback.print_exc()
        sys.stderr.flush()
        signal.signal(signal.SIGINT, signal.SIG_DFL)
        os.kill(os.getpid(), signal.SIGINT)
        raise
    except BaseException:
        traceback.print_exc()
        return 1
    return code or 0


def _die_with_the_job(conn: socket.socket) -> None:
    """The job's process is gone (SIGKILL, or its machine's OOM killer): so is this worker."""
    while True:
        try:
            if not conn.recv(64):
                break
        except OSError:
            break
    os.kill(os.getpid(), signal.SIGKILL)


if __name__ == "__main__":
    serve(sys.argv[1], int(sys.argv[2]), int(sys.argv[3]))
