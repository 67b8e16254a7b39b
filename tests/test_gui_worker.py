"""The worker/child protocol without a window: a TrainingService driving the warm child."""

from __future__ import annotations

from pathlib import Path

import pytest

from gui_helpers import RIDERSHIP


@pytest.fixture
def service(qtbot):
    from tsdesk.gui.qtcheck import ensure_sound_qt
    from tsdesk.gui.worker import TrainingService

    ensure_sound_qt()
    s = TrainingService(["tsdesk_baselines.model"])
    yield s
    s.shutdown()


def _job(run_id: str, tmp_path: Path, **evaluation):
    from tsdesk.core.dataset import DatasetSpec
    from tsdesk.core.experiment import Experiment
    from tsdesk.gui.worker import RunJob

    exp = Experiment(data=DatasetSpec(path=str(RIDERSHIP), target="rail"), family="seasonal_naive",
                     horizon=evaluation.get("horizon", 3), base_dir=RIDERSHIP.parent)
    return RunJob(run_id, exp.to_dict(absolute_path=True), str(RIDERSHIP.parent), str(tmp_path / run_id))


def test_a_run_streams_progress_and_returns_its_outputs(qtbot, service, tmp_path):
    w = service.worker
    events = []
    w.runProgress.connect(lambda run_id, kind, fields: events.append((run_id, kind, fields)))
    states = []
    w.childState.connect(states.append)
    with qtbot.waitSignal(w.runDone, timeout=60_000) as done:
        service.submit(_job("a", tmp_path))
    run_id, out = done.args
    assert run_id == "a"
    assert out.out_dir == tmp_path / "a"
    assert {"metrics.json", "forecasts.csv", "future.csv", "experiment.toml"} <= {p.name for p in out.out_dir.iterdir()}
    assert out.metrics["mae"] > 0 and out.backtest.horizon == 3 and len(out.future) == 3
    assert out.info == {"season": 7}
    assert events[0] == ("a", "status", {"message": "loaded 1826 rows of 'rail'; training Seasonal naive"})
    assert ("a", "status", {"message": "backtesting"}) in events
    qtbot.waitUntil(lambda: "ready" in states, timeout=10_000)
    assert states[0] == "starting"


def test_user_errors_come_back_as_messages_and_the_child_survives(qtbot, service, tmp_path):
    w = service.worker
    bad = _job("bad", tmp_path)
    bad.raw["model"]["params"] = {"season": 0}
    with qtbot.waitSignal(w.runFailed, timeout=60_000) as failed:
        service.submit(bad)
    assert failed.args[:3] == ["bad", "user", "parameter 'season' of seasonal_naive must be >= 1, got 0"]
    pid = w.child_pid
    with qtbot.waitSignal(w.runDone, timeout=30_000):
        service.submit(_job("good", tmp_path))
    assert w.child_pid == pid


def test_cancelling_a_queued_job_never_runs_it(qtbot, service, tmp_path):
    w = service.worker
    done, cancelled = [], []
    w.runDone.connect(lambda run_id, out: done.append(run_id))
    w.runCancelled.connect(cancelled.append)
    service.submit(_job("1", tmp_path))
    service.submit(_job("2", tmp_path))
    service.cancel("2")
    qtbot.waitUntil(lambda: cancelled == ["2"], timeout=1_000)
    qtbot.waitUntil(lambda: done == ["1"], timeout=60_000)
    qtbot.wait(200)
    assert done == ["1"] and not (tmp_path / "2").exists()


def test_the_child_reports_its_keras_backend_and_devices(qtbot, service, tmp_path):
    """Help > About's GPU line: the child imports Keras and lists its devices."""
    import os

    with qtbot.waitSignal(service.environmentChanged, timeout=120_000) as answered:
        service.request_environment()
    env = answered.args[0]
    assert env == service.environment
    assert env["backend"] == os.environ.get("KERAS_BACKEND", "tensorflow")
    assert env["devices"] and set(env["accelerators"]) <= set(env["devices"])
    assert env["keras"].startswith("3.")
