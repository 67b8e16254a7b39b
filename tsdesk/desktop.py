"""Install tsdesk's desktop entry and icon for the current user (freedesktop, Linux).

``tsdesk --install-desktop-entry`` writes ``~/.local/share/applications/tsdesk.desktop`` whose
``Exec`` points at the installed ``tsdesk`` launcher, and the icon into the hicolor theme, so
tsdesk appears in the application menu and is offered for CSV files.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

from tsdesk.core.fileio import atomic_write_bytes, atomic_write_text

RESOURCES = Path(__file__).resolve().parent.parent / "resources"
ICON_SIZES = (16, 24, 32, 48, 64, 128, 256, 512)


def data_home() -> Path:
    return Path(os.environ.get("XDG_DATA_HOME") or Path.home() / ".local" / "share")


def launcher() -> str:
    """The absolute path of the ``tsdesk`` launcher of this installation."""
    here = Path(sys.executable).parent
    for name in ("tsdesk", "tsdesk.exe"):
        if (here / name).exists():
            return str(here / name)
    found = shutil.which("tsdesk")
    return found or f"{sys.executable} -m tsdesk.gui.app"


def desktop_entry(exec_path: str) -> str:
    text = (RESOURCES / "tsdesk.desktop").read_text(encoding="utf-8")
    quoted = f'"{exec_path}"' if " " in exec_path and not exec_path.endswith("tsdesk.gui.app") else exec_path
    return text.replace("Exec=tsdesk %f", f"Exec={quoted} %f")


def install_desktop_entry(home: Path | None = None) -> list[Path]:
    """Write the entry and icons; returns the files written."""
    home = home or data_home()
    written = []
    entry = home / "applications" / "tsdesk.desktop"
    atomic_write_text(entry, desktop_entry(launcher()))
    written.append(entry)
    icons = RESOURCES / "icons"
    svg = home / "icons" / "hicolor" / "scalable" / "apps" / "tsdesk.svg"
    atomic_write_bytes(svg, (icons / "tsdesk.svg").read_bytes())
    written.append(svg)
    for size in ICON_SIZES:
        png = icons / f"tsdesk-{size}.png"
        if png.exists():
            target = home / "icons" / "hicolor" / f"{size}x{size}" / "apps" / "tsdesk.png"
            atomic_write_bytes(target, png.read_bytes())
            written.append(target)
    for tool, arg in (("update-desktop-database", home / "applications"),
                      ("gtk-update-icon-cache", home / "icons" / "hicolor")):
        if shutil.which(tool):
            subprocess.run([tool, "-q", str(arg)] if tool == "gtk-update-icon-cache" else [tool, str(arg)],
                           capture_output=True, check=False)
    return written
