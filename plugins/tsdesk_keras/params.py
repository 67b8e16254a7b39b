"""Parameters every Keras family shares: the window, the multi-step strategy and training.

Cheap to import (no Keras): the plugin's descriptor builds its forms from these.
"""

from __future__ import annotations

from dataclasses import replace

from tsdesk.plugin_api import Param

STRATEGIES = ("recursive", "direct", "seq2seq")
OPTIMIZERS = ("sgd", "adam", "rmsprop")
LOSSES = ("huber", "mse", "mae")
GROUPS = ("Model", "Window", "Training")

STRATEGY_HELP = (
    "How the model forecasts several steps ahead (Géron ch. 15). "
    "recursive: a one-step model fed its own forecasts, one step at a time (errors accumulate; "
    "covariates are held at their last value over the horizon). "
    "direct: sequence-to-vector, one output per horizon step from the last time step. "
    "seq2seq: sequence-to-sequence, an h-step forecast at every time step of the window with the "
    "loss over all of them (more gradient, steadier training); the forecast is the last step's.")


def window_params(strategy: str = "seq2seq", window: int = 56) -> tuple[Param, ...]:
    return (
        Param("window", "int", window, min=1, max=5000, group="Window", label="window (steps)",
              help="Input length: how many past steps the model sees for each forecast "
                   "(the book's seq_length, 56 days = 8 weeks). Every input row holds the "
                   "target, the covariates and the known-future features."),
        Param("strategy", "choice", strategy, choices=STRATEGIES, group="Window",
              help=STRATEGY_HELP),
    )


MC_SAMPLES_HELP = (
    "Monte-Carlo samples: forward passes drawn for every forecast, all in one batch. With "
    "[evaluation] intervals = \"mc_dropout\", dropout stays on at prediction and each pass "
    "drops other units; the mean of the passes is the forecast and their spread (plus the "
    "noise measured on the validation windows) gives the prediction intervals. More samples: "
    "smoother interval bounds, slower forecasts.")


def mc_samples_param(default: int = 100, group: str = "Training", help: str = MC_SAMPLES_HELP) -> Param:
    return Param("mc_samples", "int", default, min=2, max=10000, group=group,
                 label="Monte-Carlo samples", help=help)


def training_params(optimizer: str = "adam", learning_rate: float = 0.001,
                    loss: Param | None = None, mc_samples: Param | None = None,
                    max_epochs: int = 200, patience: int = 20, batch_size: int = 32,
                    reduce_lr: bool = True, helps: dict[str, str] | None = None,
                    dropout_help: str | None = None) -> tuple[Param, ...]:
    """The Training group; a family may replace the loss choice or the Monte-Carlo samples
    parameter, change the epoch, patience, batch and learning-rate schedule defaults, and reword
    help texts (``helps``: parameter name -> help; ``dropout_help`` is short for
    ``helps={"dropout": ...}``).

    The defaults (adam, learning rate 0.001 halved on plateaus, patience 20, up to 200 epochs,
    batches of 32) were chosen by measuring candidates over seeds on the daily sample: see
    docs/defaults.md and tuning/sweep.py."""
    loss = loss or Param(
        "loss", "choice", "huber", choices=LOSSES, group="Training",
        help="Training loss on the scaled target: huber (the book's choice: squared for "
             "small errors, linear for large ones), mse or mae. Early stopping always "
             "watches the validation MAE.")
    dropout_help = (
        "Dropout rate. Recurrent layers drop their inputs (the layers' own dropout "
        "argument, which keeps LSTM/GRU on the fast cuDNN kernel); convolutional and "
        "linear models drop before the output layer. 0 turns it off. Needed by "
        "[evaluation] intervals = \"mc_dropout\" (Monte-Carlo dropout intervals). With many "
        "covariate and known-future inputs an LSTM overfits within a few epochs; 0.2 helped "
        "there, measured on the daily sample; on the target alone it made forecasts worse.")
    params = (
        Param("optimizer", "choice", optimizer, choices=OPTIMIZERS, group="Training",
              help="Gradient descent flavour: sgd (with momentum, as in the book), adam or rmsprop."),
        Param("learning_rate", "float", learning_rate, min=1e-6, max=10.0, group="Training",
              label="learning rate",
              help="Step size of the optimizer. The book uses 0.02-0.1 with SGD; adam usually "
                   "wants 0.001-0.01. Too high: the loss jumps around or explodes."),
        Param("momentum", "float", 0.9, min=0.0, max=0.999, group="Training",
              help="Momentum of sgd and rmsprop (0.9 in the book); adam ignores it."),
        Param("clipnorm", "float", 0.0, min=0.0, max=1000.0, group="Training",
              label="gradient clipping",
              help="Clip each gradient to this norm against exploding gradients in RNNs; "
                   "0 turns clipping off."),
        loss,
        Param("max_epochs", "int", max_epochs, min=1, max=10000, group="Training", label="max epochs",
              help="Upper bound on passes over the training windows; early stopping usually "
                   "ends training sooner."),
        Param("patience", "int", patience, min=0, max=10000, group="Training",
              help="Early stopping: stop after this many epochs without a better validation "
                   "MAE, and restore the weights of the best epoch. 0 trains all max epochs "
                   "(the best epoch's weights are still restored)."),
        Param("reduce_lr_on_plateau", "bool", reduce_lr, group="Training",
              label="reduce learning rate on plateau",
              help="Halve the learning rate when the validation MAE has not improved for half "
                   "the patience (at least 2 epochs)."),
        Param("batch_size", "int", batch_size, min=1, max=65536, group="Training", label="batch size",
              help="Windows per gradient step (32 in the book)."),
        Param("dropout", "float", 0.0, min=0.0, max=0.9, group="Training", help=dropout_help),
        mc_samples or mc_samples_param(),
        Param("seed", "int", None, optional=True, min=0, max=2**31 - 1, group="Training",
              auto_text="the run's seed",
              help="Random seed for weights, shuffling and dropout: the same seed on the same "
                   "data and machine gives the same model. Empty: the run's seed."),
    )
    helps = {**({"dropout": dropout_help} if dropout_help else {}), **(helps or {})}
    return tuple(replace(p, help=helps[p.name]) if p.name in helps else p for p in params)
