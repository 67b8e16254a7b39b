"""Training the same LSTM(32) model on the GPU and on the CPU: windows per second.

Only where a GPU is present: ``nvidia-smi`` must list one and the Keras backend must see it
(TensorFlow ``list_physical_devices("GPU")``, ``torch.cuda.is_available()`` or a JAX GPU device);
otherwise the entry says ``skipped: no GPU`` without importing a deep-learning library.

The model is tsdesk's LSTM forecaster shape: 56 steps of 5 features in, LSTM(32), Dense(14)
out (14 steps ahead), Adam, MSE, batch 32, on the same windows of a synthetic daily series. Each
device's model trains inside ``keras.device(...)``: one warm-up epoch each (tracing, kernels),
then epochs in turns (GPU, CPU, GPU, CPU...); the fastest epoch of each counts.

``gpu`` = GPU windows per second; baseline = CPU windows per second on the same machine.

    python benchmarks/gpu.py [--quick]

``TSDESK_BENCH_GPU_DEVICE=cpu:0`` runs the GPU side on that device instead (to test the code
path on a machine without a GPU); the result is then marked as such.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
from pathlib import Path

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

if __package__ in (None, ""):
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from benchmarks._common import gpu_names, keras_backend  # noqa: E402

SEQ, AHEAD, FEATURES, UNITS, BATCH = 56, 14, 5, 32, 32
DEVICE_ENV = "TSDESK_BENCH_GPU_DEVICE"


def backend_sees_gpu(backend: str) -> bool:
    if backend == "tensorflow":
        import tensorflow as tf

        return bool(tf.config.list_physical_devices("GPU"))
    if backend == "torch":
        import torch

        return bool(torch.cuda.is_available())
    if backend == "jax":
        import jax

        return any(d.platform == "gpu" for d in jax.devices())
    return False


def windows(n_windows: int):
    import numpy as np

    rng = np.random.default_rng(0)
    n = n_windows + SEQ + AHEAD
    t = np.arange(n)
    series = np.column_stack([np.sin(2 * np.pi * t / 7), np.sin(2 * np.pi * t / 365.25),
                              *(rng.standard_normal((3, n)) * 0.1)]).astype(np.float32)
    view = np.lib.stride_tricks.sliding_window_view(series, (SEQ + AHEAD, FEATURES))[:, 0]
    X = np.ascontiguousarray(view[:n_windows, :SEQ])
    y = np.ascontiguousarray(view[:n_windows, SEQ:, 0])
    return X, y


def build(device: str):
    import keras

    with keras.device(device):
        keras.utils.set_random_seed(42)
        model = keras.Sequential([keras.Input((SEQ, FEATURES)), keras.layers.LSTM(UNITS),
                                  keras.layers.Dense(AHEAD)])
        model.compile(optimizer=keras.optimizers.Adam(1e-3), loss="mse")
    return model


def epoch_seconds(model, device: str, X, y) -> float:
    import keras

    with keras.device(device):
        started = time.perf_counter()
        model.fit(X, y, batch_size=BATCH, epochs=1, verbose=0, shuffle=True)
        return time.perf_counter() - started


def compare(devices: list[str], X, y, epochs: int) -> dict[str, float]:
    """Windows per second on each device: one warm-up epoch each (tracing), then ``epochs``
    epochs taken in turns so both sides see the same machine state; the fastest counts."""
    models = {d: build(d) for d in devices}
    for d in devices:
        epoch_seconds(models[d], d, X, y)
    best = {d: float("inf") for d in devices}
    for _ in range(epochs):
        for d in devices:
            best[d] = min(best[d], epoch_seconds(models[d], d, X, y))
    return {d: len(X) / best[d] for d in devices}


def run(quick: bool = False) -> dict:
    backend = keras_backend()
    forced = os.environ.get(DEVICE_ENV, "").strip()
    gpus = gpu_names()
    base = {"unit": "windows/s", "baseline_unit": "windows/s", "keras_backend": backend}
    if not forced:
        if not gpus:
            return {"gpu": {**base, "value": None, "baseline": None, "skipped": "no GPU"}}
        if not backend_sees_gpu(backend):
            return {"gpu": {**base, "value": None, "baseline": None,
                            "skipped": f"no GPU visible to the Keras {backend} backend ({'; '.join(gpus)})"}}
    import keras

    n_windows, epochs = (4096, 2) if quick else (16384, 3)
    X, y = windows(n_windows)
    device = forced or "gpu:0"
    rates = compare([device, "cpu:0"] if device != "cpu:0" else ["cpu:0"], X, y, epochs)
    gpu, cpu = rates[device], rates["cpu:0"]
    out = {**base, "value": round(gpu, 1), "baseline": round(cpu, 1), "speedup": round(gpu / cpu, 2),
           "keras": keras.__version__, "device": device, "gpus": gpus, "windows": n_windows,
           "epochs_timed": epochs, "model": f"LSTM({UNITS}) + Dense({AHEAD}), {SEQ} x {FEATURES} in",
           "summary": f"{gpu:,.0f} windows/s on {device} vs {cpu:,.0f} on the CPU ({backend})"}
    if forced:
        out["note"] = f"{DEVICE_ENV}={forced}: the 'GPU' side ran on {forced}"
    return {"gpu": out}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="fewer windows and epochs")
    args = parser.parse_args(argv)
    print(json.dumps(run(args.quick), indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
