"""tsdesk plugin: an LSTM-CNN hybrid with additive (Bahdanau) attention as a forecaster.

This module is the plugin's descriptor, imported by tsdesk at discovery (every launch of the app),
so it imports nothing heavy: the parameter schemas come from ``tsdesk_keras.params`` (no Keras),
and the trainer, loader and renderer are import paths resolved only when a user trains, loads a
model or looks at its forecast.
"""

from __future__ import annotations

from dataclasses import replace

from tsdesk.plugin_api import ModelFamily, Param, hookimpl
from tsdesk_keras.params import GROUPS, training_params, window_params

__version__ = "0.1.0"

NAME = "lstm_cnn_attention"
PACKAGE = "tsdesk_lstm_cnn_attention"
STRATEGIES = ("direct", "recursive")
CAPABILITIES = frozenset({"covariates", "known_future", "multi_horizon", "gpu", "fast_backtest"})


def _window_params() -> tuple[Param, ...]:
    """The shared window and strategy parameters; seq2seq is not offered (one attention context
    per window, not one per time step)."""
    window, strategy = window_params("direct", window=56)
    strategy = replace(
        strategy, choices=STRATEGIES,
        help="How the model forecasts several steps ahead. direct: sequence-to-vector, the dense "
             "head gives every horizon step at once from the attention context (the usual choice "
             "for this model). recursive: a one-step model fed its own forecasts, one step at a "
             "time (errors accumulate; covariates are held at their last value over the horizon).")
    return window, strategy


def _training_params() -> tuple[Param, ...]:
    """The shared Training group, with gradient clipping and the plateau schedule on."""
    on = {"clipnorm": 1.0, "reduce_lr_on_plateau": True}
    shared = training_params(
        learning_rate=0.001,
        dropout_help="Dropout rate: the LSTM layers drop their inputs (Keras' dropout argument, "
                     "which keeps them on the fast cuDNN kernel) and the dense head drops the "
                     "attention context. 0 turns it off. Needed by [evaluation] intervals = "
                     "\"mc_dropout\" (Monte-Carlo dropout intervals).")
    return tuple(replace(p, default=on[p.name]) if p.name in on else p for p in shared)


PARAMS: tuple[Param, ...] = (
    Param("filters", "int", 32, min=1, max=4096,
          help="Conv1D filters: local patterns (a peak, a weekday shape) detected at every step of "
               "the window. More filters see more kinds of pattern but train slower."),
    Param("kernel_size", "int", 3, min=1, max=1024, label="kernel size",
          help="Steps each Conv1D filter sees: the feature at a step is computed from that step "
               "and the kernel_size - 1 before it (no zero padding, so the first kernel_size - 1 "
               "steps of the window only feed later features)."),
    Param("pool_size", "int", 2, min=1, max=64, label="pool size",
          help="Max pooling after the convolution keeps the strongest feature of every "
               "pool_size steps, so the LSTM reads (window - kernel_size + 1) / pool_size steps "
               "(1: no pooling). Steps left over at the window's start are dropped, never the "
               "latest ones."),
    Param("units", "int", 32, min=1, max=4096,
          help="LSTM neurons per layer. More units remember more patterns but train slower and "
               "overfit sooner."),
    Param("layers", "int", 1, min=1, max=8,
          help="LSTM layers stacked on top of each other; every layer returns its whole sequence "
               "so that the attention can weigh every pooled step."),
    Param("attention_units", "int", 16, min=1, max=4096, label="attention units",
          help="Size of the additive (Bahdanau) attention's hidden layer: the score of each LSTM "
               "output is v . tanh(W1 h_t + W2 h_last). The softmax of the scores weighs the "
               "LSTM outputs into one context vector; the weights show which part of the window "
               "each forecast looked at."),
) + _window_params() + _training_params()

FAMILY = ModelFamily(
    name=NAME,
    title="LSTM-CNN with attention",
    description=(
        "A hybrid network: a Conv1D with max pooling extracts local patterns from the "
        "input window and shortens it, an LSTM reads the pooled sequence, and additive "
        "(Bahdanau) attention weighs the LSTM's outputs against its last state. The attention "
        "context and the last state feed a dense head that forecasts every horizon step at "
        "once. The attention weights of the latest forecast are drawn under the forecast."),
    params=PARAMS,
    trainer=f"{PACKAGE}.model:train",
    loader=f"{PACKAGE}.model:load",
    renderer=f"{PACKAGE}.render:render",
    capabilities=CAPABILITIES,
    param_groups=GROUPS,
)


@hookimpl
def tsdesk_register_model_families(registry):
    registry.add(FAMILY)
