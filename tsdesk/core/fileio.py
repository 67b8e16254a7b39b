"""Atomic file writes: a save is either complete or did not happen."""

from __future__ import annotations

import json
import os
import tempfile
from contextlib import contextmanager
from pathlib import Path
from typing import Any, Iterator


@contextmanager
def atomic_target(path: str | Path) -> Iterator[Path]:
    """A temporary file beside ``path`` to write; on success it is synced and renamed onto
    ``path``, on failure removed, so ``path`` is never left half-written."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, name = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    os.close(fd)
    tmp = Path(name)
    try:
        yield tmp
        with open(tmp, "rb") as fh:
            os.fsync(fh.fileno())
        os.replace(tmp, path)
    except BaseException:
        try:
            os.unlink(tmp)
        except OSError:
            pass
        raise


def atomic_write_bytes(path: str | Path, data: bytes) -> None:
    with atomic_target(path) as tmp:
        tmp.write_bytes(data)


def atomic_write_text(path: str | Path, text: str) -> None:
    atomic_write_bytes(path, text.encode("utf-8"))


def atomic_write_json(path: str | Path, obj: Any) -> None:
    atomic_write_text(path, json.dumps(obj, indent=2, sort_keys=False, default=_json_default) + "\n")


def _json_default(obj: Any) -> Any:
    import numpy as np

    if isinstance(obj, np.integer):
        return int(obj)
    if isinstance(obj, np.floating):
        return float(obj)
    if isinstance(obj, np.ndarray):
        return obj.tolist()
    if hasattr(obj, "isoformat"):
        return obj.isoformat()
    raise TypeError(f"cannot write {type(obj).__name__} as JSON")


def read_json(path: str | Path) -> Any:
    with open(path, encoding="utf-8") as fh:
        return json.load(fh)


def read_format_json(path: str | Path, fmt: str, version: int, what: str) -> dict:
    """A JSON description that names its ``format`` and ``version``, checked for both.

    ``what`` names the thing for messages ("tsdesk model", "tsdesk Keras model"); every problem
    is a user error naming the file.
    """
    from tsdesk.errors import UserError

    path = Path(path)
    try:
        meta = read_json(path)
    except (ValueError, OSError) as exc:
        raise UserError(f"{path} is unreadable: {exc}") from None
    if not isinstance(meta, dict) or meta.get("format") != fmt:
        raise UserError(f"{path} does not describe a {what}")
    try:
        saved = int(meta.get("version", 0))
    except (TypeError, ValueError):
        raise UserError(f"{path} has an unreadable format version: {meta.get('version')!r}") from None
    if saved > version:
        raise UserError(f"{path.parent} was saved by a newer tsdesk ({what} format {saved}; "
                        f"this one reads {version})")
    return meta
