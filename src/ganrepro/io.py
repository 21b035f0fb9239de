"""Atomic file writes: a crash leaves either the old file or the new one, never half of one.
Reading: a damaged file fails with one line naming it and what to do; torch files are loaded
with ``weights_only=True`` (tensors and plain values only: unpickling never runs code)."""

from __future__ import annotations

import contextlib
import errno
import json
import os
import pickle
import re
import tempfile
import zipfile
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any, BinaryIO

# a full disk, a quota, a file-size limit (``ulimit -f``)
NO_SPACE = (errno.ENOSPC, errno.EDQUOT, errno.EFBIG)


class WriteFailed(OSError):
    """A write that ran out of space: the previous file, if any, is untouched."""

    def __str__(self) -> str:
        return self.strerror


class DamagedFile(ValueError):
    """A file that cannot be what it should be (truncated, empty, garbage, foreign)."""

    def __init__(self, path: str | os.PathLike, problem: str, fix: str):
        super().__init__(f"{path}: {problem}; {fix}")
        self.path, self.problem = Path(path), problem


class UnsafeFile(DamagedFile):
    """A torch file holding objects whose unpickling could run code: refused, never run."""


_UMASK = os.umask(0)
os.umask(_UMASK)


@contextlib.contextmanager
def atomic_open(path: str | os.PathLike, mode: str = "wb") -> Iterator[BinaryIO]:
    """Open a temporary file beside ``path``; on clean exit fsync it and rename it over ``path``."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    os.chmod(tmp, 0o666 & ~_UMASK)  # mkstemp makes 0600 files; give the usual permissions
    try:
        with os.fdopen(fd, mode) as fh:
            yield fh
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, path)
    except BaseException as exc:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(tmp)
        if isinstance(exc, OSError) and exc.errno in NO_SPACE:
            raise WriteFailed(
                exc.errno,
                f"{path} not written ({os.strerror(exc.errno)}); the previous version, if any, "
                "is intact: free some space and rerun",
            ) from exc
        raise


def remove_stale_temps(folder: str | os.PathLike, names: list[str] | None = None) -> None:
    """Delete the temporary files that killed writers (``atomic_open``'s) left in ``folder``:
    all of them, or those of the files ``names``. Call it only where no other process writes."""
    patterns = [f".{name}.*.tmp" for name in names] if names is not None else [".*.tmp"]
    for pattern in patterns:
        for tmp in Path(folder).glob(pattern):
            tmp.unlink(missing_ok=True)


def atomic_write(path: str | os.PathLike, write: Callable[[BinaryIO], Any]) -> None:
    """Call ``write(fh)`` on a temporary file and move it to ``path`` atomically."""
    with atomic_open(path, "wb") as fh:
        write(fh)


def write_json(path: str | os.PathLike, obj: Any) -> None:
    data = (json.dumps(obj, indent=2, sort_keys=True) + "\n").encode()
    atomic_write(path, lambda fh: fh.write(data))


def write_text(path: str | os.PathLike, text: str) -> None:
    atomic_write(path, lambda fh: fh.write(text.encode()))


# what a damaged file raises while being parsed (FileNotFoundError and our own errors pass)
_PARSE_ERRORS = (
    OSError,
    EOFError,
    ValueError,
    KeyError,
    IndexError,
    TypeError,
    RuntimeError,
    zipfile.BadZipFile,
    pickle.UnpicklingError,
)


@contextlib.contextmanager
def reading(path: str | os.PathLike, what: str, fix: str, keep=()) -> Iterator[None]:
    """Parse ``path`` inside the block: any parsing failure becomes one ``DamagedFile`` line
    naming the file, what it should be and ``fix`` (what to do). Exceptions of the ``keep``
    types, a missing file and our own refusals pass unchanged."""
    try:
        yield
    except (FileNotFoundError, DamagedFile, WriteFailed, *keep):
        raise
    except _PARSE_ERRORS as exc:
        # the parser's own words are long and may advise an unsafe load: name the symptom only
        empty = Path(path).is_file() and Path(path).stat().st_size == 0
        reason = "empty" if empty else f"truncated or foreign content: {type(exc).__name__}"
        raise DamagedFile(path, f"not a readable {what} ({reason})", fix) from exc


def read_json(path: str | os.PathLike, what: str, fix: str) -> Any:
    """A JSON file; a damaged one is one ``DamagedFile`` line naming it and ``fix``."""
    with reading(path, what, fix):
        return json.loads(Path(path).read_text())


def read_run_json(path: str | os.PathLike) -> Any:
    """A run's JSON file (train.json, metrics.json); a damaged one names the job to rerun."""
    from ganrepro.layout import rerun_hint

    return read_json(path, f"{Path(path).name} of a run", rerun_hint(path))


def load_tensors(path: str | os.PathLike, what: str, fix: str, map_location="cpu") -> dict:
    """A dict of tensors and plain values saved with ``torch.save``, loaded with
    ``weights_only=True``: a file whose unpickling would create any other object (and so could
    run code) is refused with ``UnsafeFile``, naming the object; nothing of it runs."""
    import torch

    with reading(path, what, fix):
        try:
            obj = torch.load(path, map_location=map_location, weights_only=True)
        except pickle.UnpicklingError as exc:
            found = re.search(r"GLOBAL ([\w.]+)", str(exc))
            if found:
                raise UnsafeFile(
                    path,
                    f"refused: it holds a {found.group(1)} object, not only tensors and plain "
                    f"values, and loading it could run code (not a {what} written by ganrepro)",
                    fix,
                ) from None
            raise
    if not isinstance(obj, dict):
        raise DamagedFile(path, f"not a {what} (it holds a {type(obj).__name__})", fix)
    return obj
