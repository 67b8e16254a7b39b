"""Workspace files: a zip of the runs' folders (JSON, CSV, TOML, .keras) and a ``workspace.json``.

```
workspace.json              {"format": "tsdesk-workspace", "version": 1, "data": {...},
                             "runs": [{"id", "family", "title", "status", "params", "metrics",
                                       "seconds", "message", "folder"}]}
runs/run-1-seasonal_naive/  metrics.json, forecasts.csv, future.csv, experiment.toml, model/
```

Only data files travel (an allow-list of suffixes): no pickles, nothing that runs code when the
workspace is opened. Writing goes to a temporary file next to the target and ``os.replace``
puts it in place, so a crash mid-save leaves the previous file intact. A folder holding a
``workspace.json`` in this layout opens as well as the zip.
"""

from __future__ import annotations

import json
import zipfile
from datetime import datetime
from pathlib import Path, PurePosixPath
from typing import Any

from tsdesk.core.fileio import atomic_target
from tsdesk.errors import UserError

FORMAT = "tsdesk-workspace"
VERSION = 1
MANIFEST = "workspace.json"
ALLOWED_SUFFIXES = {".json", ".csv", ".toml", ".keras", ".txt", ".h5", ".md"}
MAX_MEMBERS = 100_000


def _allowed(name: str) -> bool:
    p = PurePosixPath(name)
    return p.suffix.lower() in ALLOWED_SUFFIXES and not p.name.startswith(".")


def write_workspace(path: str | Path, manifest: dict[str, Any], folders: dict[str, Path]) -> Path:
    """Write ``manifest`` (its runs get a ``folder``) and each run's folder into the zip ``path``."""
    from tsdesk import __version__

    path = Path(path)
    manifest = {"format": FORMAT, "version": VERSION, "saved": datetime.now().isoformat(timespec="seconds"),
                "tsdesk_version": __version__, **manifest}
    with atomic_target(path) as tmp:
        with zipfile.ZipFile(tmp, "w", compression=zipfile.ZIP_DEFLATED) as zf:
            for run in manifest.get("runs", []):
                folder = folders.get(str(run["id"]))
                if folder is None or not Path(folder).is_dir():
                    run["folder"] = None
                    continue
                # by run id: after "add to these runs" two runs may have folders of the same name
                arc = f"runs/run-{run['id']}-{run.get('family') or 'model'}"
                run["folder"] = arc
                for file in sorted(Path(folder).rglob("*")):
                    rel = file.relative_to(folder).as_posix()
                    if file.is_file() and _allowed(rel):
                        zf.write(file, f"{arc}/{rel}")
            zf.writestr(MANIFEST, json.dumps(manifest, indent=2, default=_default) + "\n")
    return path


def _default(obj):
    from tsdesk.core.fileio import _json_default

    return _json_default(obj)


def read_workspace(path: str | Path, dest: str | Path) -> dict[str, Any]:
    """Check and unpack a workspace into ``dest``; returns the manifest with absolute folders."""
    path = Path(path)
    dest = Path(dest)
    if not path.exists():
        raise UserError(f"workspace not found: {path}")
    if path.is_dir():
        if not (path / MANIFEST).exists():
            raise UserError(f"{path} is a folder without a {MANIFEST}: not a tsdesk workspace")
        manifest = _check(_load_json((path / MANIFEST).read_bytes(), path), path)
        root = path
    else:
        try:
            zf = zipfile.ZipFile(path)
        except (zipfile.BadZipFile, OSError) as exc:
            raise UserError(f"{path} is not a tsdesk workspace (not a zip file: {exc})") from None
        with zf:
            names = zf.namelist()
            if MANIFEST not in names:
                raise UserError(f"{path} is not a tsdesk workspace (no {MANIFEST} inside)")
            if len(names) > MAX_MEMBERS:
                raise UserError(f"{path} holds too many files to be a tsdesk workspace")
            manifest = _check(_load_json(zf.read(MANIFEST), path), path)
            dest.mkdir(parents=True, exist_ok=True)
            base = dest.resolve()
            for info in zf.infolist():
                name = info.filename
                if info.is_dir() or name == MANIFEST or not name.startswith("runs/") or not _allowed(name):
                    continue
                target = (dest / name).resolve()
                if not target.is_relative_to(base):  # "../" in a member name
                    raise UserError(f"{path}: unsafe file name inside the workspace: {name}")
                target.parent.mkdir(parents=True, exist_ok=True)
                with zf.open(info) as src, open(target, "wb") as out:
                    while chunk := src.read(1 << 20):
                        out.write(chunk)
        root = dest
    for run in manifest["runs"]:
        folder = run.get("folder")
        if folder:
            full = (root / folder).resolve()
            if not full.is_relative_to(root.resolve()):
                raise UserError(f"{path}: run {run.get('id')} names a folder outside the workspace")
            run["folder"] = str(full)
    return manifest


def _load_json(raw: bytes, path: Path) -> Any:
    try:
        return json.loads(raw.decode("utf-8"))
    except (UnicodeDecodeError, ValueError) as exc:
        raise UserError(f"{path}: {MANIFEST} is not valid JSON: {exc}") from None


def _check(manifest: Any, path: Path) -> dict[str, Any]:
    if not isinstance(manifest, dict) or manifest.get("format") != FORMAT:
        raise UserError(f"{path} is not a tsdesk workspace ({MANIFEST} has no format = \"{FORMAT}\")")
    version = manifest.get("version")
    if not isinstance(version, int) or version < 1:
        raise UserError(f"{path}: {MANIFEST} has an invalid version {version!r}")
    if version > VERSION:
        raise UserError(f"{path} was saved by a newer tsdesk (workspace format {version}; this one reads "
                        f"up to {VERSION})")
    runs = manifest.get("runs", [])
    if not isinstance(runs, list) or not all(isinstance(r, dict) and "id" in r and "family" in r for r in runs):
        raise UserError(f"{path}: {MANIFEST} has a malformed runs list")
    manifest["runs"] = runs
    return manifest
