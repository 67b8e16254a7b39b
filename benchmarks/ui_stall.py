"""How long the window can freeze while a model trains: the worst gap between GUI timer ticks.

A 10 ms ``QTimer`` ticks on the GUI thread; the figure is the longest interval between two
ticks (10 ms when nothing ever blocks the event loop) while a model trains.

- tsdesk: the app's own path (``tsdesk.gui.worker.TrainingService``): a worker on a QThread
  drives the warm child process, which imported the trainer's module (Keras) beforehand, as
  the app does while the user looks at the data; measured from submitting the run until its
  outputs are read back.
- baseline: the same training in a plain ``QThread`` in this process, calling
  ``run_experiment`` directly, as a straightforward app would (importing Keras in that thread
  on the first run). ``baseline_train_only_ms`` repeats it once Keras is imported.

The model: LSTM(32) on the daily ridership sample (window 56), a few epochs. When the Keras
family is not importable, SARIMA is trained instead (``model`` says which): its fits hold the
GIL too. ``ui_stall`` = worst gap in ms (target: <= 100 ms).

    python benchmarks/ui_stall.py [--quick]
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import tempfile
import time
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

if __package__ in (None, ""):
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

TICK_MS = 10


class Ticker:
    """Records the gaps between ticks of a 10 ms timer on the GUI thread."""

    def __init__(self) -> None:
        from PySide6.QtCore import Qt, QTimer

        self.timer = QTimer()
        self.timer.setTimerType(Qt.TimerType.PreciseTimer)
        self.timer.setInterval(TICK_MS)
        self.timer.timeout.connect(self._tick)
        self.last = None
        self.gaps: list[float] = []

    def _tick(self) -> None:
        now = time.perf_counter()
        if self.last is not None:
            self.gaps.append((now - self.last) * 1000)
        self.last = now

    def start(self) -> None:
        self.gaps, self.last = [], time.perf_counter()
        self.timer.start()

    def stop(self) -> dict:
        self.timer.stop()
        gaps = sorted(self.gaps) or [0.0]
        return {"worst_ms": round(gaps[-1], 1), "p99_ms": round(gaps[int(0.99 * (len(gaps) - 1))], 1),
                "ticks": len(self.gaps)}


def experiment(family: str, epochs: int):
    from tsdesk.core.dataset import DatasetSpec
    from tsdesk.core.experiment import Experiment
    from tsdesk.samples import sample_path

    path = sample_path("ridership")
    params = ({"units": 32, "window": 56, "max_epochs": epochs, "patience": 0} if family == "lstm_gru"
              else {"order": [1, 0, 0], "seasonal_order": [0, 1, 1, 7], "auto": True, "max_p": 2, "max_q": 2})
    return Experiment(data=DatasetSpec(path=str(path), target="rail"), family=family, params=params,
                      horizon=1, base_dir=path.parent)


def pick_family() -> tuple[str, str]:
    """("lstm_gru", "") when the Keras family can be trained here, else SARIMA and the reason."""
    from tsdesk.plugins import get_host

    host = get_host()
    if "lstm_gru" in host.families:
        try:
            import importlib.util

            module = host.families["lstm_gru"].trainer.partition(":")[0]
            if importlib.util.find_spec(module) is not None and importlib.util.find_spec("keras") is not None:
                return "lstm_gru", ""
        except (ImportError, ValueError):
            pass
    if "sarima" in host.families:
        return "sarima", "the Keras family is not importable; SARIMA (auto search) trained instead"
    return "seasonal_naive", "neither Keras nor SARIMA is installed; seasonal naive trained instead"


def wait_for(app, cond, timeout: float) -> None:
    deadline = time.monotonic() + timeout
    while not cond():
        if time.monotonic() > deadline:
            raise TimeoutError("the training did not finish in time")
        app.processEvents()
        time.sleep(0.001)


def measure_child(app, exp, out_dir: Path, timeout: float) -> dict:
    """The app's way: worker thread + warm child process."""
    from tsdesk.gui.worker import RunJob, TrainingService
    from tsdesk.plugins import get_host

    module = get_host().family(exp.family).trainer.partition(":")[0]
    service = TrainingService([module])
    states: list[str] = []
    service.worker.childState.connect(states.append)
    ticker = Ticker()
    ticker.start()
    started = time.perf_counter()
    service.start()
    wait_for(app, lambda: "ready" in states, timeout)  # the child imports Keras meanwhile
    warm = ticker.stop()
    warm_seconds = time.perf_counter() - started
    result: dict = {}
    service.worker.runDone.connect(lambda run_id, out: result.update(done=out))
    service.worker.runFailed.connect(lambda run_id, kind, msg, details: result.update(failed=msg))
    ticker.start()
    started = time.perf_counter()
    service.submit(RunJob("bench", exp.to_dict(absolute_path=True), str(exp.base_dir), str(out_dir / "child")))
    wait_for(app, lambda: bool(result), timeout)
    seconds = time.perf_counter() - started
    stats = ticker.stop()
    service.shutdown()
    if "failed" in result:
        raise RuntimeError(f"the run failed in the child: {result['failed']}")
    return {**stats, "seconds": round(seconds, 2), "warm_worst_ms": warm["worst_ms"],
            "warm_seconds": round(warm_seconds, 2), "mae": result["done"].metrics.get("mae")}


def measure_thread(app, exp, out_dir: Path, timeout: float) -> dict:
    """The baseline: ``run_experiment`` in a plain QThread of this process."""
    from PySide6.QtCore import QThread

    from tsdesk.core.runner import run_experiment

    class Runner(QThread):
        def __init__(self) -> None:
            super().__init__()
            self.error: BaseException | None = None
            self.mae = None

        def run(self) -> None:
            try:
                self.mae = run_experiment(exp, None, out_dir).metrics.get("mae")
            except BaseException as exc:  # noqa: BLE001 - reported below
                self.error = exc

    runner = Runner()
    ticker = Ticker()
    ticker.start()
    started = time.perf_counter()
    runner.start()
    wait_for(app, runner.isFinished, timeout)
    seconds = time.perf_counter() - started
    stats = ticker.stop()
    runner.wait()
    if runner.error is not None:
        raise RuntimeError(f"the run failed in the thread: {runner.error}")
    return {**stats, "seconds": round(seconds, 2), "mae": runner.mae}


def run(quick: bool = False) -> dict:
    from benchmarks._common import protect_singletons

    guard = protect_singletons()
    from PySide6.QtWidgets import QApplication

    app = QApplication.instance() or QApplication([])
    family, note = pick_family()
    exp = experiment(family, epochs=3 if quick else 8)
    timeout = 300 if quick else 900
    with tempfile.TemporaryDirectory(prefix="tsdesk-ui-stall-") as tmp:
        tmp_path = Path(tmp)
        os.environ.setdefault("TSDESK_WORKSPACE", str(tmp_path))
        child = measure_child(app, exp, tmp_path, timeout)
        heavy_in_gui = [m for m in ("tensorflow", "keras", "statsmodels") if m in sys.modules]
        thread = measure_thread(app, exp, tmp_path / "thread1", timeout)
        again = measure_thread(app, exp, tmp_path / "thread2", timeout)
    out = {
        "value": child["worst_ms"], "unit": "ms", "baseline": thread["worst_ms"], "baseline_unit": "ms",
        "model": f"{family} {json.dumps(exp.params)} on ridership (1826 daily rows)",
        "p99_ms": child["p99_ms"], "ticks": child["ticks"], "train_seconds": child["seconds"],
        "warm_import_worst_ms": child["warm_worst_ms"], "warm_import_seconds": child["warm_seconds"],
        "baseline_p99_ms": thread["p99_ms"], "baseline_seconds": thread["seconds"],
        "baseline_train_only_ms": again["worst_ms"], "baseline_train_only_p99_ms": again["p99_ms"],
        "heavy_modules_in_gui_during_child_run": heavy_in_gui,
        "same_mae": child["mae"] == thread["mae"],
        "summary": (f"worst gap {child['worst_ms']:.0f} ms with the child process vs {thread['worst_ms']:.0f} ms "
                    f"training in a thread ({again['worst_ms']:.0f} ms once the import is done)"),
    }
    if note:
        out["note"] = note
    if guard:
        out["workaround"] = guard
    return {"ui_stall": out}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="fewer epochs")
    args = parser.parse_args(argv)
    print(json.dumps(run(args.quick), indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
