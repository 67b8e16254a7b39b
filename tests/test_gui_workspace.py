"""Save and reopen: experiment files, workspaces (moved data included) and crash recovery."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import time
import zipfile
from pathlib import Path

import pytest

from conftest import run_cli
from gui_helpers import close_dialogs, dialog_texts, load, make_window, train, window, write_csv  # noqa: F401

pytestmark = pytest.mark.filterwarnings("ignore::DeprecationWarning")


def test_saved_experiment_runs_with_the_cli_and_gives_the_same_mae(qtbot, window, tmp_path):
    w = window
    load(qtbot, w, write_csv(tmp_path / "sales.csv"))
    record = train(qtbot, w, "seasonal_naive", {"season": 7}, horizon=2)
    assert record.status == "done"
    exp = w.save_experiment(tmp_path / "exp.toml")
    result = run_cli("run", exp, "--out", tmp_path / "cli", "--quiet")
    assert result.returncode == 0, result.stderr
    metrics = json.loads((tmp_path / "cli" / "metrics.json").read_text())
    assert metrics["mae"] == pytest.approx(record.metrics["mae"], rel=1e-12)


def test_a_keras_run_made_in_the_window_reproduces_headless(qtbot, window, tmp_path):
    """Same experiment, same seed: the CLI trains the same model as the window's training
    process and reports the same metrics."""
    w = window
    load(qtbot, w, write_csv(tmp_path / "sales.csv", n=300))
    record = train(qtbot, w, "simple_rnn", {"units": 8, "window": 14, "max_epochs": 3, "patience": 0},
                   horizon=2, timeout=120_000)
    assert record.status == "done", record.message
    exp = w.save_experiment(tmp_path / "exp.toml")
    result = run_cli("run", exp, "--out", tmp_path / "cli", "--quiet")
    assert result.returncode == 0, result.stderr
    metrics = json.loads((tmp_path / "cli" / "metrics.json").read_text())
    assert metrics["epochs"] == record.metrics["epochs"] == 3
    for key in ("mae", "rmse", "mase"):
        assert metrics[key] == pytest.approx(record.metrics[key], rel=1e-6), key


def test_opening_an_experiment_sets_data_family_form_and_periods(qtbot, make_window, tmp_path):
    from tsdesk.gui.window_extras import open_experiment_file

    data = write_csv(tmp_path / "sales.csv", n=150)
    (tmp_path / "exp.toml").write_text(
        '[data]\npath = "sales.csv"\ndate_column = "day"\ntarget = "sales"\n'
        '[split]\ntrain = ["2021-01-01", "2021-03-31"]\nvalid = ["2021-04-01", "2021-04-30"]\n'
        '[model]\nfamily = "seasonal_naive"\nseed = 7\n[model.params]\nseason = 14\n'
        '[evaluation]\nhorizon = 5\nbacktest = ["2021-05-01", "2021-05-30"]\nlevels = [90]\n')
    w = make_window()
    assert open_experiment_file(w, tmp_path / "exp.toml")
    qtbot.waitUntil(lambda: w.data_panel.state is not None and w.train_panel.family_name() == "seasonal_naive"
                    and w.train_panel.horizon.value() == 5, timeout=20_000)
    assert w.data_panel.state.path == str(data.resolve())
    assert w.train_panel.form("seasonal_naive").values()["season"] == 14
    assert w.train_panel.levels.text() == "90"
    assert w.train_panel.seed.value() == 7
    exp = w.train_panel.experiment()
    assert (exp.train, exp.valid, exp.backtest) == (("2021-01-01", "2021-03-31"), ("2021-04-01", "2021-04-30"),
                                                    ("2021-05-01", "2021-05-30"))
    assert exp.params == {"season": 14} and exp.levels == (90,)

    # A bad file: the UserError's message in a dialog, nothing changes.
    (tmp_path / "bad.toml").write_text('[model]\nfamily = "naive"\n')
    assert not open_experiment_file(w, tmp_path / "bad.toml")
    qtbot.waitUntil(lambda: bool(dialog_texts(w)), timeout=2_000)
    assert dialog_texts(w) == [f"{tmp_path / 'bad.toml'}: [data] needs path = \"FILE.csv\""]
    close_dialogs(w)
    (tmp_path / "typo.toml").write_text('[data]\npath = "sales.csv"\n[model]\nfamily = "naive"\nsed = 1\n')
    assert not open_experiment_file(w, tmp_path / "typo.toml")
    assert dialog_texts(w)[0].endswith("unknown key 'sed' in [model]; known keys: family, params, seed")
    close_dialogs(w)


def _two_runs(qtbot, w, tmp_path):
    (tmp_path / "data").mkdir(exist_ok=True)
    load(qtbot, w, write_csv(tmp_path / "data" / "sales.csv"))
    a = train(qtbot, w, "naive")
    b = train(qtbot, w, "seasonal_naive", horizon=3)
    assert a.status == b.status == "done"
    return a, b


def test_workspace_round_trip_into_a_fresh_window(qtbot, make_window, tmp_path):
    from tsdesk.gui.workspace_io import open_workspace, save_workspace

    w = make_window()
    a, b = _two_runs(qtbot, w, tmp_path)
    path = save_workspace(w, tmp_path / "ws.zip")
    with zipfile.ZipFile(path) as zf:
        names = zf.namelist()
        manifest = json.loads(zf.read("workspace.json"))
    assert manifest["format"] == "tsdesk-workspace" and manifest["version"] == 1
    assert [r["id"] for r in manifest["runs"]] == ["1", "2"]
    assert manifest["runs"][1]["metrics"]["mae"] == b.metrics["mae"]
    assert manifest["data"]["path"].endswith("sales.csv")
    folder = manifest["runs"][1]["folder"]
    for f in ("metrics.json", "forecasts.csv", "future.csv", "experiment.toml", "model/tsdesk-model.json"):
        assert f"{folder}/{f}" in names
    assert not [n for n in names if n.endswith((".pkl", ".pickle", ".tmp"))]

    fresh = make_window()
    ids = open_workspace(fresh, path)
    assert ids == ["1", "2"]
    records = fresh.manager.model.records
    assert [(r.run_id, r.family, r.status) for r in records] == [("1", "naive", "done"),
                                                                 ("2", "seasonal_naive", "done")]
    assert records[1].metrics["mae"] == b.metrics["mae"]
    assert records[1].experiment.horizon == 3
    assert len(records[1].output.future) == 3
    assert fresh.forecast_view.record is records[1]
    assert fresh.forecast_view.points("actual") == b.series.n
    assert fresh.compare_panel.model.best_runs("MAE") == [min((a, b), key=lambda r: r.metrics["mae"]).run_id]
    qtbot.waitUntil(lambda: fresh.data_panel.state is not None, timeout=20_000)
    # New runs continue the numbering.
    assert train(qtbot, fresh, "naive").run_id == "3"


def test_opening_a_workspace_over_runs_asks_to_add_or_replace(qtbot, make_window, tmp_path, monkeypatch):
    from tsdesk.gui import workspace_io
    from tsdesk.gui.window_extras import open_workspace_file

    w = make_window()
    a, b = _two_runs(qtbot, w, tmp_path)
    path = workspace_io.save_workspace(w, tmp_path / "ws.zip")
    c = train(qtbot, w, "naive", horizon=2)
    before = [(r.run_id, r.family, r.metrics["mae"]) for r in w.manager.model.records]
    asked = []

    def answer(choice):
        def ask(parent, count, where):
            asked.append((count, str(where).rsplit("/", 1)[-1]))
            return choice
        return ask

    monkeypatch.setattr(workspace_io, "ask_merge", answer(None))  # Cancel: nothing changes
    assert not open_workspace_file(w, path)
    assert [(r.run_id, r.family, r.metrics["mae"]) for r in w.manager.model.records] == before

    monkeypatch.setattr(workspace_io, "ask_merge", answer("add"))
    assert open_workspace_file(w, path)
    records = w.manager.model.records
    assert [(r.run_id, r.family) for r in records] == [("1", "naive"), ("2", "seasonal_naive"), ("3", "naive"),
                                                       ("4", "naive"), ("5", "seasonal_naive")]
    assert records[2] is c  # the window's own runs are kept as they were
    assert records[3].metrics["mae"] == a.metrics["mae"] and records[4].metrics["mae"] == b.metrics["mae"]
    assert records[4].output.run_id == "5" and len(records[4].output.future) == 3
    assert w.forecast_view.record is records[4]
    assert train(qtbot, w, "naive").run_id == "6"

    monkeypatch.setattr(workspace_io, "ask_merge", answer("replace"))
    assert open_workspace_file(w, path)
    assert [r.run_id for r in w.manager.model.records] == ["1", "2"]
    assert asked == [(3, "ws.zip"), (3, "ws.zip"), (6, "ws.zip")]


def test_a_moved_data_file_is_asked_for(qtbot, make_window, tmp_path):
    from tsdesk.gui.workspace_io import open_workspace, save_workspace

    w = make_window()
    _, b = _two_runs(qtbot, w, tmp_path)
    path = save_workspace(w, tmp_path / "ws.zip")
    old = tmp_path / "data" / "sales.csv"
    new = tmp_path / "elsewhere" / "sales.csv"
    new.parent.mkdir()
    shutil.move(old, new)
    asked = []

    def ask(missing):
        asked.append(missing)
        return str(new)

    fresh = make_window()
    assert open_workspace(fresh, path, ask=ask) == ["1", "2"]
    assert asked == [str(old.resolve())]  # once for all runs
    rec = fresh.manager.model.records[1]
    assert str(rec.experiment.data_path) == str(new.resolve())
    assert rec.series is not None and rec.series.n == b.series.n
    qtbot.waitUntil(lambda: fresh.data_panel.state is not None, timeout=20_000)
    assert fresh.data_panel.state.path == str(new.resolve())

    # Giving up leaves the window as it was.
    shutil.move(new, tmp_path / "gone.csv")
    other = make_window()
    from tsdesk.errors import UserError

    with pytest.raises(UserError, match="was not found; the workspace was not opened"):
        open_workspace(other, path, ask=lambda missing: None)
    assert other.manager.model.records == []


def test_bad_workspace_files_get_their_message(qtbot, window, tmp_path):
    from tsdesk.gui.window_extras import open_workspace_file

    (tmp_path / "notzip.zip").write_text("hello")
    assert not open_workspace_file(window, tmp_path / "notzip.zip")
    qtbot.waitUntil(lambda: bool(dialog_texts(window)), timeout=2_000)
    assert dialog_texts(window)[0].startswith(f"{tmp_path / 'notzip.zip'} is not a tsdesk workspace (not a zip file")
    close_dialogs(window)
    with zipfile.ZipFile(tmp_path / "evil.zip", "w") as zf:
        zf.writestr("workspace.json", json.dumps({"format": "tsdesk-workspace", "version": 1,
                                                   "runs": [{"id": "1", "family": "naive", "folder": "runs/x"}]}))
        zf.writestr("runs/../../escape.json", "{}")
    assert not open_workspace_file(window, tmp_path / "evil.zip")
    assert "unsafe file name inside the workspace" in dialog_texts(window)[0]
    assert not (tmp_path / "escape.json").exists()
    close_dialogs(window)
    with zipfile.ZipFile(tmp_path / "future.zip", "w") as zf:
        zf.writestr("workspace.json", json.dumps({"format": "tsdesk-workspace", "version": 99, "runs": []}))
    assert not open_workspace_file(window, tmp_path / "future.zip")
    assert "saved by a newer tsdesk (workspace format 99" in dialog_texts(window)[0]
    close_dialogs(window)


def test_autosave_after_a_crash_is_offered_and_restored(qtbot, make_window, tmp_path):
    from tsdesk.gui.workspace_io import Autosave

    autosave = tmp_path / "autosave"
    w = make_window()
    first = Autosave(w, folder=autosave, ask=lambda text: pytest.fail("nothing to restore yet"))
    assert first.start() == []
    assert first.marker.exists()
    _, b = _two_runs(qtbot, w, tmp_path)
    qtbot.waitUntil(lambda: first.saves >= 2, timeout=5_000)
    assert first.zip.exists()

    # That session "crashes": its marker names a process that is gone.
    dead = subprocess.Popen([sys.executable, "-c", "pass"])
    dead.wait()
    crashed_marker = autosave / f"session-{dead.pid}.json"
    first.marker.rename(crashed_marker)
    first.zip.rename(autosave / f"autosave-{dead.pid}.zip")
    crashed_marker.write_text(json.dumps({"pid": dead.pid, "autosave": f"autosave-{dead.pid}.zip"}))

    questions = []
    fresh = make_window()
    second = Autosave(fresh, folder=autosave, ask=lambda text: questions.append(text) or True)
    assert second.start() == ["1", "2"]
    assert len(questions) == 1 and "did not exit cleanly" in questions[0]
    assert [r.metrics["mae"] for r in fresh.manager.model.records][1] == b.metrics["mae"]
    assert not crashed_marker.exists()  # asked once, not at every launch
    # A clean exit leaves nothing to restore.
    second.stop()
    assert not second.marker.exists() and list(autosave.glob("session-*.json")) == []
    third = Autosave(make_window(), folder=autosave, ask=lambda text: pytest.fail("a clean exit was restored"))
    assert third.start() == []
    third.stop()


def test_a_live_session_is_not_offered(qtbot, make_window, tmp_path):
    from tsdesk.gui.workspace_io import Autosave

    autosave = tmp_path / "autosave"
    autosave.mkdir()
    other = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(30)"])
    try:
        (autosave / f"session-{other.pid}.json").write_text(json.dumps({"pid": other.pid}))
        (autosave / f"autosave-{other.pid}.zip").write_bytes(b"")
        a = Autosave(make_window(), folder=autosave, ask=lambda text: pytest.fail("another window is alive"))
        assert a.start() == []
        assert (autosave / f"session-{other.pid}.json").exists()
        a.stop()
    finally:
        other.kill()
        other.wait()


def test_runs_added_from_a_workspace_keep_their_own_outputs_when_saved_again(qtbot, make_window, tmp_path):
    """Each session names its first naive run's folder run-1-naive: after adding one session's
    runs to another's, saving must not let one run's files stand in for the other's."""
    from tsdesk.gui import workspace_io

    w = make_window()
    _two_runs(qtbot, w, tmp_path)  # 1 naive (horizon 1), 2 seasonal_naive
    path = workspace_io.save_workspace(w, tmp_path / "ws.zip")
    other = make_window()
    load(qtbot, other, tmp_path / "data" / "sales.csv")
    own = train(qtbot, other, "naive", horizon=4)  # also run 1, also naive: same folder name
    workspace_io.open_workspace(other, path, merge=True)
    before = [(r.run_id, r.experiment.horizon, r.metrics["mae"]) for r in other.manager.model.records]
    assert [b[:2] for b in before] == [("1", 4), ("2", 1), ("3", 3)] and before[0][2] == own.metrics["mae"]
    again = workspace_io.save_workspace(other, tmp_path / "merged.zip")
    fresh = make_window()
    workspace_io.open_workspace(fresh, again)
    after = [(r.run_id, r.experiment.horizon, r.output.metrics["mae"]) for r in fresh.manager.model.records]
    assert after == before
    assert fresh.manager.model.records[0].output.backtest.horizon == 4


@pytest.mark.parametrize("button, expected", [("Add to these runs", "add"), ("Replace them", "replace"),
                                              ("Cancel", None)])
def test_the_add_or_replace_question(qtbot, window, button, expected):
    from PySide6.QtCore import QTimer
    from PySide6.QtWidgets import QApplication, QMessageBox

    from tsdesk.gui.workspace_io import ask_merge

    seen = []

    def click():
        box = QApplication.activeModalWidget()
        if not isinstance(box, QMessageBox):
            QTimer.singleShot(20, click)
            return
        seen.append(box.text())
        next(b for b in box.buttons() if b.text().replace("&", "") == button).click()

    QTimer.singleShot(20, click)
    assert ask_merge(window, 4, "/some/where/ws.zip") == expected
    assert seen and seen[0].startswith("This window holds 4 run(s). Add the runs of ws.zip to them")


def test_killed_in_the_middle_of_a_run_the_next_launch_restores_the_finished_runs(tmp_path):
    """The real thing, in processes of their own: a session is killed with SIGKILL while a Keras
    model trains; its training process stops too, and the next launch restores every finished
    run with its metrics. Only the run in progress is lost."""
    import signal

    def pid_alive(pid: int) -> bool:
        """Running, not merely waiting to be reaped (a container's init may never reap it)."""
        try:
            state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
        except (OSError, IndexError):
            return False
        return state not in ("Z", "X")

    script = Path(__file__).with_name("crash_session.py")
    env = {**os.environ, "QT_QPA_PLATFORM": "offscreen", "TSDESK_AUTOSAVE": str(tmp_path / "autosave"),
           "TSDESK_WORKSPACE": str(tmp_path / "runs"), "CRASH_SETTINGS": str(tmp_path / "settings.ini"),
           "TSDESK_WARM": "0"}
    (tmp_path / "data").mkdir()
    csv = write_csv(tmp_path / "data" / "sales.csv", n=400)
    first = subprocess.Popen([sys.executable, str(script), "first", str(csv)], env=env,
                             stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
    try:
        import selectors

        line, deadline = "", time.monotonic() + 240
        with selectors.DefaultSelector() as sel:
            sel.register(first.stdout, selectors.EVENT_READ)
            while not line.startswith("RUNNING"):
                assert time.monotonic() < deadline, "the first session did not start its Keras run"
                if sel.select(timeout=1.0):
                    line = first.stdout.readline()
                    assert line, "the first session ended before its Keras run started"
        state = json.loads(line.split(" ", 1)[1])
        assert pid_alive(state["child"])
    finally:
        first.send_signal(signal.SIGKILL)
        first.wait(10)
    # The orphaned training process notices and stops its run instead of training on.
    deadline = time.monotonic() + 15
    while pid_alive(state["child"]) and time.monotonic() < deadline:
        time.sleep(0.1)
    if pid_alive(state["child"]):
        os.kill(state["child"], signal.SIGKILL)  # leave no orphan behind, then fail
        pytest.fail("the training process outlived its window")

    second = subprocess.run([sys.executable, str(script), "second"], env=env, capture_output=True,
                            text=True, timeout=120)
    assert second.returncode == 0, second.stderr[-2000:]
    restored = json.loads(next(line for line in second.stdout.splitlines()
                               if line.startswith("RESTORED")).split(" ", 1)[1])
    assert len(restored["questions"]) == 1 and "did not exit cleanly" in restored["questions"][0]
    assert restored["ids"] == ["1", "2"]
    assert [(r["id"], r["family"], r["status"], r["mae"]) for r in restored["runs"]] == \
        [(d["id"], d["family"], "done", d["mae"]) for d in state["done"]]
    assert state["running"] == "3"  # the Keras run in progress is the only one lost
    assert list((tmp_path / "autosave").glob("session-*.json")) == []  # the second exited cleanly
