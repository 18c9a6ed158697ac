"""Files that are whole or absent: every file actlab writes (report, export, plot) goes to a
temporary file in the same directory, is flushed to disk, then renamed over the target. A full
disk or a killed process leaves the previous file as it was, never a truncated one.

Faults come back as :class:`FileFault`: one line naming the path and the cause."""

from __future__ import annotations

import errno
import os
import tempfile
from collections.abc import Callable, Iterator
from contextlib import contextmanager, suppress
from pathlib import Path
from typing import IO, Any


class FileFault(OSError):
    """A filesystem fault on one path, as one line: ``cannot write 'r.html': No space left``."""

    def __str__(self) -> str:
        return str(self.strerror)


def describe(action: str, path: str | Path, exc: BaseException) -> str:
    """``cannot write 'out/r.html': No space left on device`` — the path and the cause."""
    cause = exc.strerror if isinstance(exc, OSError) and exc.strerror else str(exc)
    return f"cannot {action} {str(path)!r}: {cause}"


def ensure_parent(p: Path, action: str) -> Path:
    parent = p.parent if str(p.parent) else Path(".")
    for up in (parent, *parent.parents):
        if up.exists():
            if not up.is_dir():
                raise FileFault(
                    errno.ENOTDIR,
                    f"cannot {action} {str(p)!r}: {str(up)!r} is a file, not a folder",
                )
            break
    if p.is_dir():
        raise FileFault(errno.EISDIR, f"cannot {action} {str(p)!r}: it is a folder")
    try:
        parent.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise FileFault(exc.errno or errno.EIO, describe(action, p, exc)) from None
    return parent


@contextmanager
def atomic_open(path: str | Path, mode: str = "w", **kw: Any) -> Iterator[IO[Any]]:
    """``with atomic_open("runs.csv", newline="") as fh: ...``: the target appears, complete,
    only when the block ends without an error; on any error it is as it was before."""
    if mode not in ("w", "wb"):
        raise ValueError(f"atomic_open: mode must be 'w' or 'wb', got {mode!r}")
    p = Path(path)
    parent = ensure_parent(p, "write")
    try:
        fd, tmp = tempfile.mkstemp(prefix=f".{p.name}.", suffix=".tmp", dir=parent)
    except OSError as exc:
        raise FileFault(exc.errno or errno.EIO, describe("write", p, exc)) from None
    try:
        with os.fdopen(fd, mode, **kw) as fh:
            yield fh
            fh.flush()
            os.fsync(fh.fileno())
        if p.exists():  # keep the permissions the user gave the previous file
            os.chmod(tmp, p.stat().st_mode & 0o7777)
        else:
            umask = os.umask(0)
            os.umask(umask)
            os.chmod(tmp, 0o666 & ~umask)
        os.replace(tmp, p)
    except BaseException as exc:
        with suppress(OSError):
            os.unlink(tmp)
        if isinstance(exc, OSError) and not isinstance(exc, FileFault):
            raise FileFault(exc.errno or errno.EIO, describe("write", p, exc)) from None
        raise


def write_text(path: str | Path, text: str, encoding: str = "utf-8") -> Path:
    with atomic_open(path, "w", encoding=encoding) as fh:
        fh.write(text)
    return Path(path)


def write_bytes(path: str | Path, data: bytes) -> Path:
    with atomic_open(path, "wb") as fh:
        fh.write(data)
    return Path(path)


def save_figure(fig: Any, path: str | Path, **kw: Any) -> Path:
    """``fig.savefig`` through a temporary file (the format from the target's suffix)."""
    p = Path(path)
    fmt = kw.pop("format", None) or (p.suffix.lstrip(".").lower() or "png")
    save: Callable[..., Any] = fig.savefig
    with atomic_open(p, "wb") as fh:
        save(fh, format=fmt, **kw)
    return p
