"""File-level safety for the index folder: an advisory lock and durable writes.

Kept apart from the index logic so the crash-safety rules (lock, fsync, temp
folder, rename) are in one short place.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import tempfile
import time
import uuid
from pathlib import Path
from typing import Callable, Iterator, Sequence

import numpy as np


def utc_now() -> str:
    """An ISO-8601 UTC timestamp for the manifest."""
    return time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())


def writable(directory: Path) -> bool:
    """Whether files can be created in `directory` (or it, in its nearest existing parent)."""
    d = directory
    while not d.exists() and d != d.parent:
        d = d.parent
    return os.access(d, os.W_OK)


@contextlib.contextmanager
def locked(path: Path, exclusive: bool, on_wait: Callable[[], None] | None = None) -> Iterator[None]:
    """Advisory file lock so two processes never write (or read mid-write) at once.

    `on_wait` is called once if another process holds the lock, before blocking
    on it (so a command can say why it is waiting). A reader in a read-only
    folder takes the lock through a read-only handle, or none when the lock file
    does not exist (then no writer can exist either)."""
    try:
        import fcntl
    except ImportError:  # pragma: no cover - non-POSIX: atomic renames still protect readers
        yield
        return
    if exclusive:
        path.parent.mkdir(parents=True, exist_ok=True)
    try:
        fh = open(path, "a+b")
    except OSError:
        if exclusive:
            raise
        try:
            fh = open(path, "rb")
        except FileNotFoundError:
            yield
            return
    with fh:
        mode = fcntl.LOCK_EX if exclusive else fcntl.LOCK_SH
        try:
            fcntl.flock(fh.fileno(), mode | fcntl.LOCK_NB)
        except BlockingIOError:
            if on_wait is not None:
                on_wait()
            fcntl.flock(fh.fileno(), mode)
        try:
            yield
        finally:
            fcntl.flock(fh.fileno(), fcntl.LOCK_UN)


def fsync_write(path: Path, data: bytes) -> None:
    """Write bytes and flush them to disk before returning (the next step is a rename)."""
    with open(path, "wb") as fh:
        fh.write(data)
        fh.flush()
        os.fsync(fh.fileno())


def save_npy(path: Path, array: np.ndarray) -> None:
    """`np.save` without pickles, flushed to disk like `fsync_write`."""
    with open(path, "wb") as fh:
        np.save(fh, array, allow_pickle=False)
        fh.flush()
        os.fsync(fh.fileno())


@contextlib.contextmanager
def temp_dir(directory: Path) -> Iterator[Path]:
    """A fresh `.tmp-<pid>-<random>-` folder inside `directory` (same file system, so
    its files can be moved into place with an atomic rename), removed afterwards."""
    tmp = Path(tempfile.mkdtemp(prefix=f".tmp-{os.getpid()}-{uuid.uuid4().hex[:8]}-", dir=directory))
    try:
        yield tmp
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


def commit(tmp: Path, directory: Path, names: Sequence[str], marker: str, marker_data: bytes) -> None:
    """Move `names` from `tmp` into `directory`, with `marker` removed first and written
    last: an interrupted commit leaves no marker, so it can never pass for complete.
    A folder being replaced is moved aside into `tmp` (removed with it)."""
    with contextlib.suppress(FileNotFoundError):
        os.remove(directory / marker)
    for name in names:
        if (tmp / name).is_dir() and (directory / name).exists():
            os.replace(directory / name, tmp / f"{name}.old")
        os.replace(tmp / name, directory / name)
    fsync_write(tmp / marker, marker_data)
    os.replace(tmp / marker, directory / marker)


def remove_leftovers(directory: Path) -> None:
    """Temp folders of writers that were killed (the caller holds the write lock, so none is live)."""
    for p in directory.glob(".tmp-*"):
        shutil.rmtree(p, ignore_errors=True)
