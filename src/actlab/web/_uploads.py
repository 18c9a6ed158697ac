"""Uploaded data files: kept as bytes in a temporary folder the app owns (removed at
shutdown), size-capped, read only by the lab's file loaders (``actlab.lab.load(path=...)``) —
data, never code."""

from __future__ import annotations

import csv
import io
import re
import shutil
import tempfile
import threading
import uuid
from dataclasses import dataclass
from pathlib import Path
from typing import Any

#: uploads kept at once (each at most Limits.upload_bytes); a newer one removes the oldest
KEPT = 50
#: how an uploaded file's own name is kept (it names the dataset in the store and report)
SAFE_NAME = re.compile(r"[^A-Za-z0-9_.-]+")


class UploadError(ValueError):
    """A file the explorer refuses, with ``status`` (400 bad file, 413 too large)."""

    def __init__(self, message: str, status: int = 400) -> None:
        super().__init__(message)
        self.status = status


@dataclass(frozen=True)
class Upload:
    id: str
    path: Path
    target: str
    name: str


class Uploads:
    """The app's uploads: ``add`` checks and keeps a CSV, ``get`` finds it by id."""

    def __init__(self) -> None:
        self.root = Path(tempfile.mkdtemp(prefix="actlab-web-"))
        self.files: dict[str, Upload] = {}
        self.lock = threading.Lock()

    def add(self, filename: str, raw: bytes, target: str | None, limit: int) -> tuple[Upload, Any]:
        """Keep ``raw`` as a CSV and load it with the lab's loader; returns the upload and the
        loaded Data (so the caller reports its task and size)."""
        from ..lab import load

        if len(raw) > limit:
            raise UploadError(
                f"upload: the file is {len(raw)} bytes; at most {limit} (the server's limit)", 413
            )
        stem = SAFE_NAME.sub("_", Path(filename or "data.csv").stem)[:60] or "data"
        if not (filename or "").lower().endswith(".csv"):
            raise UploadError(
                f"upload: {filename!r} is not a .csv file (the explorer takes CSV "
                "with a header row)"
            )
        try:
            text = raw.decode("utf-8-sig")
        except UnicodeDecodeError as exc:
            raise UploadError(
                f"upload: {filename} is not UTF-8 text (byte {exc.start}); save it as CSV UTF-8"
            ) from None
        header = next(csv.reader(io.StringIO(text)), [])
        if not header:
            raise UploadError(f"upload: {filename} is empty (a header row and data rows needed)")
        column = target if target else header[-1].strip()
        uid = uuid.uuid4().hex[:12]
        folder = self.root / uid
        folder.mkdir()
        path = folder / f"{stem}.csv"
        path.write_bytes(raw)
        try:
            data = load(path=path, target=column)
        except ValueError as exc:
            shutil.rmtree(folder, ignore_errors=True)
            msg = " ".join(str(exc).split()).removeprefix("load: ")
            raise UploadError(f"upload: {msg}", 422) from None
        up = Upload(uid, path, column, stem)
        with self.lock:
            self.files[uid] = up
            while len(self.files) > KEPT:  # the oldest go: the folder stays bounded
                old = self.files.pop(next(iter(self.files)))
                shutil.rmtree(old.path.parent, ignore_errors=True)
        return up, data

    def get(self, uid: str) -> Upload:
        up = self.files.get(uid)
        if up is None:
            raise UploadError(
                f"upload: no upload {uid!r} (uploads last while the server runs; "
                "upload the file again)",
                404,
            )
        return up

    def close(self) -> None:
        shutil.rmtree(self.root, ignore_errors=True)
