"""``tsdesk``: open the window, optionally on a file (``tsdesk FILE.csv``) or the demo (``--demo``).

Only the standard library is imported at module level: the training child process (spawned)
may import this module as the parent's ``__main__``, and it must not pull Qt in there.
``TSDESK_REPORT_SHOWN=1`` prints ``TSDESK_SHOWN <seconds>`` when the window first paints and
``TSDESK_READY <seconds>`` when its panels are built (``benchmarks/startup.py`` reads them);
``TSDESK_QUIT_AFTER_SHOWN=1`` then quits.
"""

from __future__ import annotations

import argparse
import os
import sys
import time

T0 = time.perf_counter()


def build_parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="tsdesk", description="Forecast time series from a CSV file, in a window.")
    p.add_argument("file", nargs="?", help="a CSV file to open")
    p.add_argument("--demo", action="store_true", help="open the bundled sample data (daily transit ridership)")
    p.add_argument("--sample", default=None, help="open one of the bundled samples by name")
    p.add_argument("--version", action="store_true", help="print the version and exit")
    p.add_argument("--install-desktop-entry", action="store_true",
                   help="add tsdesk to the application menu (freedesktop .desktop file and icons) and exit")
    return p


def _excepthook(window):
    """A bug in a slot becomes an internal-error dialog; the window stays alive."""
    previous = sys.excepthook

    def hook(kind, exc, tb):
        import traceback

        previous(kind, exc, tb)
        if window() is None or issubclass(kind, KeyboardInterrupt):
            return
        from tsdesk.gui.dialogs import show_internal

        try:
            show_internal(window(), f"{kind.__name__}: {exc}", "".join(traceback.format_exception(kind, exc, tb)))
        except Exception:  # noqa: BLE001 - never fail while reporting a failure
            pass
    return hook


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    if args.version:
        from tsdesk import __version__

        print(f"tsdesk {__version__}")
        return 0
    if args.install_desktop_entry:
        from tsdesk.desktop import install_desktop_entry

        for path in install_desktop_entry():
            print(f"wrote {path}")
        return 0
    from PySide6.QtCore import QTimer
    from PySide6.QtWidgets import QApplication

    app = QApplication.instance() or QApplication(sys.argv[:1])
    app.setOrganizationName("tsdesk")
    app.setApplicationName("tsdesk")
    from tsdesk.gui.qtcheck import GuiThreadGC, ensure_sound_qt

    ensure_sound_qt()
    collector = GuiThreadGC()
    from tsdesk.gui.main_window import MainWindow

    window = MainWindow(deferred=True)
    sys.excepthook = _excepthook(lambda: window)
    if os.environ.get("TSDESK_REPORT_SHOWN"):
        def shown() -> None:
            print(f"TSDESK_SHOWN {time.perf_counter() - T0:.3f}", flush=True)

        def ready() -> None:
            print(f"TSDESK_READY {time.perf_counter() - T0:.3f}", flush=True)
            if os.environ.get("TSDESK_QUIT_AFTER_SHOWN"):
                window.confirm_close = False
                QTimer.singleShot(0, window.close)
        window.shown.connect(shown)
        window.ready.connect(ready)
    window.show()
    from tsdesk.gui.workspace_io import Autosave

    autosave = Autosave(window)  # offers a crashed session's runs once the panels exist
    if window.built:
        autosave.start()
    else:
        window.ready.connect(autosave.start)
    if args.demo or args.sample:
        from tsdesk.samples import DEMO

        window.open_sample(args.sample or DEMO)
    elif args.file:
        window.open_path(args.file)
    code = app.exec()
    window.shutdown()
    collector.stop()
    autosave.stop()  # a clean exit: nothing to restore next time
    return code


if __name__ == "__main__":
    sys.exit(main())
