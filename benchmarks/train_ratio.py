"""Seconds per training epoch: the course's tf.data pipeline against tsdesk's Keras engine.

Both train the same model (LSTM(32, return_sequences=True) + Dense(14): the book's seq2seq
forecaster) with the same optimizer, loss and batch size on the same windows (56 steps of a target
and 4 covariates, 14-step targets at every step) and validate on the same windows every epoch.

- course: ``to_seq2seq_dataset`` exactly as in the course notes (a ``tf.data`` window/flat_map
  chain, twice nested), shuffled and batched, passed to ``model.fit``;
- tsdesk: ``tsdesk_keras``'s engine (numpy sliding-window views gathered into arrays, passed to
  ``model.fit``), clocked by its per-epoch progress reports.

Both are clocked from one epoch's end to the next, so the first epoch (tracing, graph building)
is left out. ``value`` is the ratio of the fastest epochs' wall-clock seconds (best of N: the cost
without interference from other work on the machine); ``cpu_ratio`` is the ratio of the CPU
seconds per epoch of this process (all threads; median epoch, best round), which other processes
disturb less. On an idle multi-core machine tf.data does part of its windowing on another core
while the model trains, so the wall-clock ratio is lower than the CPU ratio.
``train_ratio`` = course seconds per epoch / tsdesk seconds per epoch (target: >= 1.5).

    python benchmarks/train_ratio.py [--quick]
"""

from __future__ import annotations

import argparse
import json
import os
import time
import warnings

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

import numpy as np
import pandas as pd

SEQ_LENGTH = 56
AHEAD = 14
BATCH = 32
UNITS = 32
LEARNING_RATE = 0.02
SEED = 42
COURSE_EPOCHS, COURSE_PATIENCE = 500, 50  # the course's fit_and_evaluate settings


def make_series(n: int) -> np.ndarray:
    """(n, 5): a daily target with weekly and yearly patterns plus 4 related covariates."""
    rng = np.random.default_rng(SEED)
    t = np.arange(n)
    week = np.sin(2 * np.pi * t / 7)
    year = np.sin(2 * np.pi * t / 365.25)
    target = 1.0 + 0.3 * week + 0.2 * year + 0.05 * rng.standard_normal(n)
    covs = [0.8 + 0.2 * week + 0.05 * rng.standard_normal(n), year + 0.1 * rng.standard_normal(n),
            np.cos(2 * np.pi * t / 7), 0.5 * target + 0.05 * rng.standard_normal(n)]
    return np.column_stack([target, *covs]).astype(np.float32)


# --- the course's pipeline (tf.data is the baseline's own code, not tsdesk's) ------------------


def course_seconds_per_epoch(series: np.ndarray, train_stop: int, epochs: int) -> dict:
    import keras
    import tensorflow as tf

    def to_windows(dataset, length):
        dataset = dataset.window(length, shift=1, drop_remainder=True)
        return dataset.flat_map(lambda window_ds: window_ds.batch(length))

    def to_seq2seq_dataset(series, seq_length=SEQ_LENGTH, ahead=AHEAD, target_col=0,
                           batch_size=BATCH, shuffle=False, seed=None):
        ds = to_windows(tf.data.Dataset.from_tensor_slices(series), ahead + 1)
        ds = to_windows(ds, seq_length).map(lambda S: (S[:, 0], S[:, 1:, target_col]))
        if shuffle:
            ds = ds.shuffle(8 * batch_size, seed=seed)
        return ds.batch(batch_size)

    # the engine standard-scales on the training rows; give the course pipeline the same numbers
    mean, std = series[:train_stop].mean(axis=0), series[:train_stop].std(axis=0)
    scaled = (series - mean) / std
    train_ds = to_seq2seq_dataset(scaled[:train_stop], shuffle=True, seed=SEED)
    # validation windows whose last-step targets lie in the validation rows, as in tsdesk
    valid_ds = to_seq2seq_dataset(scaled[train_stop - SEQ_LENGTH + 1:])

    keras.utils.set_random_seed(SEED)
    model = keras.Sequential([
        keras.Input(shape=(None, series.shape[1])),
        keras.layers.LSTM(UNITS, return_sequences=True),
        keras.layers.Dense(AHEAD),
    ])
    model.compile(loss=keras.losses.Huber(), metrics=["mae"],
                  optimizer=keras.optimizers.SGD(learning_rate=LEARNING_RATE, momentum=0.9))
    clock = Clock()
    with warnings.catch_warnings():  # "shuffle ignored for a tf.data.Dataset", "ran out of data"
        warnings.simplefilter("ignore", UserWarning)
        model.fit(train_ds, validation_data=valid_ds, epochs=epochs, callbacks=[_clock_callback(clock)],
                  verbose=0)
    return clock.per_epoch()


class Clock:
    """Wall and CPU (this process, all threads) seconds between consecutive epoch ends; the
    first interval starts at the first epoch's end, so tracing is left out."""

    def __init__(self) -> None:
        self.marks: list[tuple[float, float]] = []

    def tick(self) -> None:
        self.marks.append((time.perf_counter(), time.process_time()))

    def per_epoch(self) -> dict:
        wall = np.diff([m[0] for m in self.marks])
        cpu = np.diff([m[1] for m in self.marks])
        return {"wall": float(np.min(wall)), "cpu": float(np.median(cpu))}


def _clock_callback(clock: Clock):
    import keras

    class EpochClock(keras.callbacks.Callback):
        def on_epoch_end(self, epoch, logs=None):
            clock.tick()

    return EpochClock()


# --- tsdesk's engine -------------------------------------------------------------------------


def tsdesk_seconds_per_epoch(series: np.ndarray, train_stop: int, epochs: int) -> dict:
    from tsdesk.core.series import SeriesData
    from tsdesk.errors import Cancelled
    from tsdesk.plugin_api import Progress, TrainingTask
    from tsdesk_keras.architectures import train_lstm_gru

    n = len(series)
    data = SeriesData(index=pd.date_range("2016-01-01", periods=n, freq="D"), freq="D",
                      target="y", y=series[:, 0].astype(np.float64),
                      covariates=[f"c{i}" for i in range(1, series.shape[1])],
                      X_cov=series[:, 1:].astype(np.float64))
    params = {"cell": "lstm", "units": UNITS, "layers": 1, "window": SEQ_LENGTH,
              "strategy": "seq2seq", "optimizer": "sgd", "learning_rate": LEARNING_RATE,
              "momentum": 0.9, "loss": "huber", "batch_size": BATCH, "max_epochs": COURSE_EPOCHS,
              "patience": COURSE_PATIENCE, "reduce_lr_on_plateau": False, "seed": SEED}
    task = TrainingTask(data=data, train=slice(0, train_stop), valid=slice(train_stop, n),
                        horizon=AHEAD, levels=(), params=params, seed=SEED, family="lstm_gru")
    clock = Clock()
    ticks = []

    def on_event(kind, fields):
        if kind == "epoch":
            clock.tick()
            ticks.append(1)
            if len(ticks) >= epochs:  # the course's long training, timed on its first epochs
                progress.cancel()

    progress = Progress(callback=on_event)
    try:
        train_lstm_gru(task, progress)
    except Cancelled:
        pass
    return clock.per_epoch()


def run(quick: bool = False) -> dict:
    """Seconds per epoch of both pipelines and their ratio (higher is better for tsdesk).

    The two pipelines take turns (``rounds`` each) so that a burst of other work on the machine
    hits both; each keeps its best round. tsdesk runs with its default XLA rule (off at this
    size); ``tsdesk_xla`` and ``xla_ratio`` show the engine with XLA forced on
    (``TSDESK_KERAS_XLA=1``).
    """
    epochs, rounds = (5, 2) if quick else (12, 3)
    n_train, n_valid = (1096, 151)  # three years to train, five months to validate (the book's)
    series = make_series(n_train + n_valid)
    course, ours = [], []
    for _ in range(rounds):
        course.append(course_seconds_per_epoch(series, n_train, epochs))
        ours.append(tsdesk_seconds_per_epoch(series, n_train, epochs))
    previous = os.environ.get("TSDESK_KERAS_XLA")
    os.environ["TSDESK_KERAS_XLA"] = "1"
    try:
        xla = tsdesk_seconds_per_epoch(series, n_train, epochs)
    finally:
        if previous is None:
            del os.environ["TSDESK_KERAS_XLA"]
        else:
            os.environ["TSDESK_KERAS_XLA"] = previous
    best = lambda runs, key: min(r[key] for r in runs)  # noqa: E731
    c_wall, t_wall = best(course, "wall"), best(ours, "wall")
    c_cpu, t_cpu = best(course, "cpu"), best(ours, "cpu")
    return {"train_ratio": {"value": round(c_wall / t_wall, 3), "unit": "x",
                            "baseline": round(c_wall, 4), "tsdesk": round(t_wall, 4),
                            "cpu_ratio": round(c_cpu / t_cpu, 3),
                            "baseline_cpu": round(c_cpu, 4), "tsdesk_cpu": round(t_cpu, 4),
                            "tsdesk_xla": round(xla["wall"], 4),
                            "xla_ratio": round(c_wall / xla["wall"], 3),
                            "epochs_timed": epochs - 1, "rounds": rounds,
                            "windows": n_train - SEQ_LENGTH - AHEAD + 1}}


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="2 rounds of 5 epochs instead of 3 rounds of 12")
    print(json.dumps(run(parser.parse_args().quick), indent=2))
