"""Error dialogs: a user's mistake is shown as its message; a bug as "internal error" + details.

Dialogs open window-modal but without a nested event loop (``open``, not ``exec``), so the
window keeps drawing and training keeps streaming while one is up, and tests can find them.
"""

from __future__ import annotations

import traceback

from PySide6.QtWidgets import QMessageBox, QWidget

from tsdesk.errors import UserError

ERROR_DIALOG = "error_dialog"


def show_error(parent: QWidget | None, message: str, details: str = "", title: str = "tsdesk",
               internal: bool = False) -> QMessageBox:
    box = QMessageBox(QMessageBox.Icon.Critical if internal else QMessageBox.Icon.Warning, title,
                      message, QMessageBox.StandardButton.Ok, parent)
    box.setObjectName(ERROR_DIALOG)
    if details:
        box.setDetailedText(details)
    box.setTextFormat(box.textFormat().PlainText)
    box.finished.connect(box.deleteLater)
    box.open()
    return box


def show_exception(parent: QWidget | None, exc: BaseException, doing: str = "") -> QMessageBox:
    """A UserError's message as is; anything else as an internal error with a crash log."""
    if isinstance(exc, UserError):
        return show_error(parent, str(exc))
    return show_internal(parent, f"{type(exc).__name__}: {exc}",
                         "".join(traceback.format_exception(exc)), doing)


def show_internal(parent: QWidget | None, summary: str, details: str, doing: str = "") -> QMessageBox:
    log = _log(summary, details)
    head = f"internal error while {doing}" if doing else "internal error"
    text = f"{head}: {summary}\n\nThis is a bug in tsdesk or one of its plugins; your data and " \
           "other runs are unaffected."
    if log:
        text += f"\nDetails were written to {log}"
    return show_error(parent, text, details, title="tsdesk: internal error", internal=True)


def _log(summary: str, details: str) -> str:
    try:
        from datetime import datetime
        import os

        from tsdesk.cli.main import log_dir

        folder = log_dir()
        folder.mkdir(parents=True, exist_ok=True)
        path = folder / f"gui-error-{datetime.now():%Y%m%d-%H%M%S}-{os.getpid()}.log"
        path.write_text(f"{summary}\n\n{details}", encoding="utf-8")
        return str(path)
    except OSError:
        return ""


def open_dialogs(parent: QWidget) -> list[QMessageBox]:
    """Error dialogs currently open over ``parent`` (for tests and the screenshot tool)."""
    return [b for b in parent.findChildren(QMessageBox, ERROR_DIALOG) if b.isVisible()]
