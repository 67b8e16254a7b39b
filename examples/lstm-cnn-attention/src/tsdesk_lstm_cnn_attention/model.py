"""The network, its trainer, the fitted model and its loader, on tsdesk_keras's shared engine.

The family contributes a body (Conv1D -> max pooling -> LSTM -> additive attention) and a
parameter check; ``tsdesk_keras.engine`` does the rest: input windows and scaling, the dense
output layer, optimizer with clipping, early stopping and the plateau schedule, progress and
cancel, seeding, batched forecasting, save and load (``model.keras``, ``safe_mode=True``).

The fitted model adds the attention weights: :meth:`AttentionForecaster.attention` gives them for
any origins, and every forecast stores those of its latest origin in ``info["attention"]``, which
the host saves with the model and hands to the renderer.
"""

from __future__ import annotations

from pathlib import Path
from typing import Sequence

import keras
import numpy as np
import pandas as pd
from keras import layers

from tsdesk.core import windowing
from tsdesk.core.series import SeriesData
from tsdesk.errors import UserError
from tsdesk.plugin_api import ForecastArrays, Progress, TrainingTask
from tsdesk_keras import engine as E
from tsdesk_keras import inputs as I
from tsdesk_keras.layers import LastStep

from tsdesk_lstm_cnn_attention import FAMILY, NAME
from tsdesk_lstm_cnn_attention.layers import BahdanauAttention

ATTENTION_LAYER = "attention"
EAGER_MAX = 16
"""Up to this many windows, attention weights come from one direct call of the attention model
(no ``predict`` graph to trace); more go through ``predict`` in batches of the engine's size."""


# --------------------------------------------------------------------------------------------
# The network


def conv_steps(window: int, p: dict) -> int:
    """Outputs of the Conv1D ("valid" padding: every feature sees real rows only, no zeros)."""
    return window - p["kernel_size"] + 1


def crop(window: int, p: dict) -> int:
    """Leading Conv1D outputs dropped so that the last pooled step ends on the window's last row."""
    return conv_steps(window, p) % p["pool_size"]


def pooled_steps(window: int, p: dict) -> int:
    """Steps the LSTM and the attention see: the window after the convolution and pooling."""
    return conv_steps(window, p) // p["pool_size"]


def step_lags(window: int, p: dict) -> np.ndarray:
    """(steps, 2): for each pooled step, the oldest and newest row whose Conv1D features it pools,
    as steps before the forecast origin (0 = the origin's own row). The feature at a row is
    computed from that row and the ``kernel_size - 1`` rows before it."""
    size, k = p["pool_size"], p["kernel_size"]
    first = k - 1 + crop(window, p) + size * np.arange(pooled_steps(window, p))  # window positions
    return np.column_stack([window - 1 - first, window - 1 - (first + size - 1)])


def body(x, p, sequences, out):
    """(batch, window, inputs) -> attention context and last LSTM state, (batch, 2 * units)."""
    window = x.shape[1]
    x = layers.Conv1D(p["filters"], p["kernel_size"], activation="relu", name="conv")(x)
    if crop(window, p):
        x = layers.Cropping1D((crop(window, p), 0), name="crop")(x)
    if p["pool_size"] > 1:
        x = layers.MaxPooling1D(p["pool_size"], name="pool")(x)
    for i in range(p["layers"]):
        x = layers.LSTM(p["units"], dropout=p["dropout"], return_sequences=True, name=f"lstm_{i + 1}")(x)
    context, _ = BahdanauAttention(p["attention_units"], name=ATTENTION_LAYER)(x)
    x = layers.Concatenate(name="context_and_state")([context, LastStep(name="last_state")(x)])
    return layers.Dropout(p["dropout"], name="head_dropout")(x) if p["dropout"] else x


def check(p: dict) -> None:
    if p["kernel_size"] > p["window"]:
        raise UserError(
            f"the window of {p['window']} is shorter than the Conv1D kernel_size of "
            f"{p['kernel_size']}; lengthen the window or shrink the kernel")
    if pooled_steps(p["window"], p) < 2:
        need = 2 * p["pool_size"] + p["kernel_size"] - 1
        raise UserError(
            f"a window of {p['window']} leaves {pooled_steps(p['window'], p)} step for the LSTM "
            f"after the Conv1D (kernel_size {p['kernel_size']}) and the pooling (pool_size "
            f"{p['pool_size']}), and attention needs at least 2 to choose from; use a window of at "
            f"least {need}, or a smaller kernel_size or pool_size")


ARCHITECTURE = E.Architecture(NAME, body, check=check)


# --------------------------------------------------------------------------------------------
# Training




def train(task: TrainingTask, progress: Progress) -> "AttentionForecaster":
    """The trainer (``ModelFamily.trainer``): the engine's training, then the attention weights
    of the last row training may see."""
    base = E.train(task, progress, ARCHITECTURE)
    fitted = AttentionForecaster.wrap(base)
    fitted.info["attention_steps"] = fitted.steps
    fitted.info["attention"] = fitted.attention_info(task.data, task.fit_end - 1)
    return fitted


# --------------------------------------------------------------------------------------------
# The fitted model


class AttentionForecaster(E.KerasForecaster):
    """The engine's fitted model plus the attention weights of any forecast origin."""

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self._attention_model: keras.Model | None = None

    @classmethod
    def wrap(cls, base: E.KerasForecaster) -> "AttentionForecaster":
        return cls(base.family, base.model, base.layout, base.scaler, base.params, base.info, base.mc)

    @property
    def steps(self) -> int:
        """Number of attention weights per origin: the window after pooling."""
        return pooled_steps(self.layout.window, self.params)

    def attention_model(self) -> keras.Model:
        """A second model sharing the trained layers: input window -> attention weights."""
        if self._attention_model is None:
            layer = self.model.get_layer(ATTENTION_LAYER)
            self._attention_model = keras.Model(self.model.inputs[0], layer.output[1],
                                                name=f"{self.model.name}_attention")
        return self._attention_model

    def attention(self, data: SeriesData, origins: Sequence[int] | np.ndarray) -> np.ndarray:
        """(n_origins, steps) attention weights of the forecasts from ``origins`` (row positions),
        each row summing to 1; oldest pooled step first. Sees only rows <= each origin."""
        lay = self.layout
        origins = np.asarray(origins, dtype=int).reshape(-1)
        if len(origins) == 0:
            return np.zeros((0, self.steps))
        self._check_data(data)
        if origins.max() >= data.n or origins.min() < 0:
            raise UserError(f"cannot compute attention at row {int(origins.max()) + 1}: the data has "
                            f"{data.n} rows")
        I.check_history(origins, lay.window, 1)
        rows = I.input_rows(data, self.scaler, lay, int(origins.max()) + 1)
        x = windowing.gather(windowing.window_view(rows, lay.window), origins, lay.window)
        net = self.attention_model()
        if len(x) <= EAGER_MAX:
            out = keras.ops.convert_to_numpy(net(x, training=False))
        else:
            pad = -len(x) % E.PREDICT_BATCH
            padded = np.concatenate([x, np.repeat(x[:1], pad, axis=0)]) if pad else x
            out = np.asarray(net.predict(padded, batch_size=E.PREDICT_BATCH, verbose=0))[:len(x)]
        return out.astype(np.float64)

    def attention_info(self, data: SeriesData, origin: int) -> dict:
        """JSON-able: the weights of the forecast from ``origin`` and the rows each one stands
        for (``lags``: oldest and newest row as steps before the origin; ``start``/``end``: their
        timestamps)."""
        weights = self.attention(data, [origin])[0]
        lags = step_lags(self.layout.window, self.params)
        idx = pd.DatetimeIndex(data.index)
        return {
            "origin": int(origin), "origin_time": idx[origin].isoformat(),
            "weights": [float(w) for w in weights], "lags": lags.tolist(),
            "start": [idx[origin - int(a)].isoformat() for a in lags[:, 0]],
            "end": [idx[origin - int(b)].isoformat() for b in lags[:, 1]],
            "pool_size": int(self.params["pool_size"]),
        }

    def forecast(self, data: SeriesData, origins: np.ndarray, horizon: int,
                 levels: Sequence[int]) -> ForecastArrays:
        """The engine's forecasts; ``info["attention"]`` becomes the latest origin's weights."""
        out = super().forecast(data, origins, horizon, levels)
        origins = np.asarray(origins, dtype=int).reshape(-1)
        if len(origins):
            self.info["attention"] = self.attention_info(data, int(origins.max()))
        return out


def load(folder: Path) -> AttentionForecaster:
    """The loader (``ModelFamily.loader``): the engine's ``safe_mode`` load, checked and wrapped."""
    base = E.load(Path(folder))
    if base.family != NAME:
        raise UserError(f"{folder} holds a {base.family} model, not an {NAME} model")
    return AttentionForecaster.wrap(base)
