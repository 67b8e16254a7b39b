"""A tsdesk session to be killed, for tests/test_gui_workspace.py (run as a script).

``python crash_session.py first CSV``: a window wired as ``tsdesk`` wires it (autosave
included) trains two baselines, then starts a long Keras run and prints ``RUNNING`` with the
runs' metrics and the training process's pid once epochs come in; the test then kills it with
SIGKILL. ``python crash_session.py second``: the next launch, answering Yes to the restore
question; prints the restored runs and exits cleanly.
"""

from __future__ import annotations

import json
import os
import sys
import time


def wait(app, cond, timeout=180.0):
    from tsdesk.gui.shots import _wait

    _wait(app, cond, timeout, "the session")


def window(app):
    from PySide6.QtCore import QSettings

    from tsdesk.gui.main_window import MainWindow

    w = MainWindow(settings=QSettings(os.environ["CRASH_SETTINGS"], QSettings.Format.IniFormat))
    w.confirm_close = False
    w.show()
    return w


def first(app, csv: str) -> None:
    from tsdesk.gui.workspace_io import Autosave

    w = window(app)
    autosave = Autosave(w)
    autosave.start()
    w.open_path(csv)
    wait(app, lambda: w.data_panel.state is not None and not w.data_panel.loading())
    done = []
    for family, horizon in (("naive", 1), ("seasonal_naive", 7)):
        w.train_panel.select_family(family)
        w.train_panel.horizon.setValue(horizon)
        record = w.manager.model.get(w.train_panel.train())
        wait(app, lambda: record.status == "done")
        done.append({"id": record.run_id, "family": family, "mae": record.metrics["mae"]})
    wait(app, lambda: autosave.saves >= 2)
    w.train_panel.select_family("lstm_gru")
    w.train_panel.form("lstm_gru").set_values({"units": 8, "max_epochs": 5000, "patience": 0})
    keras_run = w.manager.model.get(w.train_panel.train())
    wait(app, lambda: any(e[0] == "epoch" for e in keras_run.events))
    print("RUNNING " + json.dumps({"done": done, "child": w.manager.service.worker.child_pid,
                                   "running": keras_run.run_id}), flush=True)
    while True:  # training goes on until the kill
        app.processEvents()
        time.sleep(0.01)


def second(app) -> None:
    from tsdesk.gui import workspace_io

    questions = []
    workspace_io.ask_restore = lambda parent, text: questions.append(text) or True
    w = window(app)
    autosave = workspace_io.Autosave(w)
    restored = autosave.start()
    records = [{"id": r.run_id, "family": r.family, "status": r.status, "mae": r.metrics.get("mae")}
               for r in w.manager.model.records]
    print("RESTORED " + json.dumps({"ids": restored, "runs": records, "questions": questions}), flush=True)
    w.shutdown()
    w.close()
    autosave.stop()


if __name__ == "__main__":
    from PySide6.QtWidgets import QApplication

    from tsdesk.gui.qtcheck import ensure_sound_qt

    ensure_sound_qt()
    qapp = QApplication(sys.argv[:1])
    if sys.argv[1] == "first":
        first(qapp, sys.argv[2])
    else:
        second(qapp)
