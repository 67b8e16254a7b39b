"""The six families' network bodies (Géron ch. 15, and the Bayesian LSTM) and their trainers.

Each body maps the input window to features; the shared engine adds the output layer of the
chosen strategy, trains and forecasts. Dense layers act on 3-D tensors directly (never a
per-step wrapper layer) and LSTM/GRU layers keep the cuDNN-eligible defaults (tanh/sigmoid, no
recurrent dropout, no unroll).
"""

from __future__ import annotations

import numpy as np
from keras import layers

from tsdesk.errors import UserError
from tsdesk.plugin_api import Progress, TrainingTask

from tsdesk_keras.bayes import BayesianLSTM, KLAnnealing
from tsdesk_keras.engine import Architecture, KerasForecaster, train
from tsdesk_keras.layers import LastStep, LNSimpleRNNCell


def layer_seed(p) -> int | None:
    """The next seed for a layer that draws dropout masks (see ``engine.build_model``). Seeded
    dropout is what makes Monte-Carlo dropout forecasts repeatable on every backend: PyTorch's
    Keras backend draws unseeded dropout from its global generator."""
    seeds = p.get("layer_seeds")
    return next(seeds) if seeds is not None else None


def _dropout(x, p):
    return layers.Dropout(p["dropout"], seed=layer_seed(p))(x) if p["dropout"] else x


def _stack(x, n_layers: int, sequences: bool, make):
    """A deep RNN: every layer but the last returns sequences (the last too for seq2seq)."""
    for i in range(n_layers):
        x = make(return_sequences=sequences or i < n_layers - 1)(x)
    return x


# --- linear -----------------------------------------------------------------------------------


def linear_body(x, p, sequences, out):
    """Dense over the flattened window; seq2seq: the same weighted sum at every step, as a causal
    Conv1D whose kernel spans the window."""
    if sequences:
        return layers.Conv1D(out, kernel_size=x.shape[1], padding="causal", name="linear")(_dropout(x, p))
    return layers.Dense(out, name="linear")(_dropout(layers.Flatten()(x), p))


# --- SimpleRNN --------------------------------------------------------------------------------


def simple_rnn_body(x, p, sequences, out):
    def make(return_sequences):
        kw = dict(dropout=p["dropout"], recurrent_dropout=p["recurrent_dropout"], seed=layer_seed(p))
        if p["layer_norm"]:
            return layers.RNN(LNSimpleRNNCell(p["units"], **kw), return_sequences=return_sequences)
        return layers.SimpleRNN(p["units"], return_sequences=return_sequences, **kw)
    return _stack(x, p["layers"], sequences, make)


# --- LSTM / GRU -------------------------------------------------------------------------------


def lstm_gru_body(x, p, sequences, out):
    cell = layers.LSTM if p["cell"] == "lstm" else layers.GRU

    def make(return_sequences):
        layer = cell(p["units"], dropout=p["dropout"], return_sequences=return_sequences, seed=layer_seed(p))
        if not p["bidirectional"]:
            return layer
        # its own seed, or the backward pass would drop the same units as the forward one
        backward = cell(p["units"], dropout=p["dropout"], return_sequences=return_sequences,
                        seed=layer_seed(p), go_backwards=True)
        return layers.Bidirectional(layer, backward_layer=backward)
    return _stack(x, p["layers"], sequences, make)


def check_lstm_gru(p):
    if p["bidirectional"] and p["strategy"] == "seq2seq":
        raise UserError(
            "a bidirectional encoder cannot use the seq2seq strategy: its backward pass reads the "
            "later rows of the window, which are the targets of the earlier steps; choose the "
            "direct or recursive strategy, or turn bidirectional off")


# --- Conv1D + GRU -----------------------------------------------------------------------------


def _conv_crop(window: int, p: dict) -> int:
    """Rows dropped at the window's start so that the last strided output ends on its last row."""
    return (window - p["kernel_size"]) % p["strides"]


def conv_positions(window: int, p: dict) -> np.ndarray:
    """Window position of each Conv1D output: output j sees rows crop + S*j .. crop + S*j + K-1."""
    crop, k, s = _conv_crop(window, p), p["kernel_size"], p["strides"]
    n_out = (window - crop - k) // s + 1
    return crop + k - 1 + s * np.arange(n_out)


def conv_gru_body(x, p, sequences, out):
    crop = _conv_crop(x.shape[1], p)
    if crop:
        x = layers.Cropping1D((crop, 0))(x)
    x = layers.Conv1D(p["filters"], p["kernel_size"], strides=p["strides"], activation="relu")(x)
    return layers.GRU(p["units"], dropout=p["dropout"], return_sequences=sequences, seed=layer_seed(p))(x)


def check_conv_gru(p):
    if p["strides"] > p["kernel_size"]:
        raise UserError(
            f"strides {p['strides']} is larger than kernel_size {p['kernel_size']}: the Conv1D "
            f"would skip input steps; use strides <= kernel_size")
    if p["kernel_size"] > p["window"]:
        raise UserError(
            f"the window of {p['window']} is shorter than the Conv1D kernel_size of "
            f"{p['kernel_size']}; lengthen the window or shrink the kernel")


# --- WaveNet ----------------------------------------------------------------------------------


def wavenet_body(x, p, sequences, out):
    f, k = p["filters"], p["kernel_size"]
    if p["gated"]:
        x = layers.Dense(f)(x)  # 1x1 projection to the residual channels
        skips = []
        for rate in p["dilations"]:
            conv = dict(padding="causal", dilation_rate=rate)
            z = layers.Multiply()([layers.Conv1D(f, k, activation="tanh", **conv)(x),
                                   layers.Conv1D(f, k, activation="sigmoid", **conv)(x)])
            skips.append(layers.Dense(f)(z))
            x = layers.Add()([x, layers.Dense(f)(z)])
        x = layers.Activation("relu")(layers.Add()(skips) if len(skips) > 1 else skips[0])
        x = layers.Dense(f, activation="relu")(x)
    else:
        for rate in p["dilations"]:
            x = layers.Conv1D(f, k, padding="causal", activation="relu", dilation_rate=rate)(x)
    x = _dropout(x, p)
    return x if sequences else LastStep()(x)


# --- Bayesian LSTM ----------------------------------------------------------------------------


def bayesian_lstm_body(x, p, sequences, out):
    """Stacked Bayesian LSTM layers (weights sampled at every pass); the engine adds the Gaussian
    head. Dropout, if any, acts before the head."""
    def make(return_sequences):
        return BayesianLSTM(p["units"], return_sequences=return_sequences,
                            prior_scale=p["prior_scale"])
    return _dropout(_stack(x, p["layers"], sequences, make), p)


def kl_annealing(p, n_train):
    return [KLAnnealing(p["kl_weight"], p["kl_anneal_epochs"], n_train)]


LINEAR = Architecture("linear", linear_body, builds_head=True)
SIMPLE_RNN = Architecture("simple_rnn", simple_rnn_body, mc_head_dropout=True)
LSTM_GRU = Architecture("lstm_gru", lstm_gru_body, check=check_lstm_gru, mc_head_dropout=True)
CONV_GRU = Architecture("conv_gru", conv_gru_body, positions=conv_positions, check=check_conv_gru)
WAVENET = Architecture("wavenet", wavenet_body)
BAYESIAN_LSTM = Architecture("bayesian_lstm", bayesian_lstm_body, head="gaussian", callbacks=kl_annealing,
                             xla=False)  # XLA cannot compile the gradient of the scan loop
ARCHITECTURES = {a.family: a for a in (LINEAR, SIMPLE_RNN, LSTM_GRU, CONV_GRU, WAVENET, BAYESIAN_LSTM)}


def train_linear(task: TrainingTask, progress: Progress) -> KerasForecaster:
    return train(task, progress, LINEAR)


def train_simple_rnn(task: TrainingTask, progress: Progress) -> KerasForecaster:
    return train(task, progress, SIMPLE_RNN)


def train_lstm_gru(task: TrainingTask, progress: Progress) -> KerasForecaster:
    return train(task, progress, LSTM_GRU)


def train_conv_gru(task: TrainingTask, progress: Progress) -> KerasForecaster:
    return train(task, progress, CONV_GRU)


def train_wavenet(task: TrainingTask, progress: Progress) -> KerasForecaster:
    return train(task, progress, WAVENET)


def train_bayesian_lstm(task: TrainingTask, progress: Progress) -> KerasForecaster:
    return train(task, progress, BAYESIAN_LSTM)
