"""Neural forecasters after Géron's *Hands-On Machine Learning*, ch. 15, on Keras 3.

One plugin, six families: linear, SimpleRNN (deep, layer-normalised), LSTM/GRU, Conv1D+GRU,
WaveNet and the Bayesian LSTM (Bayes by Backprop, Monte-Carlo prediction intervals). They share
one training engine (``tsdesk_keras.engine``): windows, the three multi-step strategies, scaling,
early stopping, progress, cancel, Monte-Carlo intervals (also MC dropout), save and load.

This module only declares the families; Keras is imported by ``tsdesk_keras.architectures`` when
a user trains, and by ``tsdesk_keras.engine`` when a model is loaded.
"""

from __future__ import annotations

from tsdesk.plugin_api import ModelFamily, Param, hookimpl

from tsdesk_keras.params import GROUPS, mc_samples_param, training_params, window_params

_TRAINERS = "tsdesk_keras.architectures"
LOADER = "tsdesk_keras.engine:load"
CAPABILITIES = frozenset({"covariates", "known_future", "multi_horizon", "gpu", "fast_backtest"})


def _units(default: int = 32, what: str = "recurrent neurons per layer") -> Param:
    return Param("units", "int", default, min=1, max=4096,
                 help=f"Number of {what} (32 in the book). More units remember more patterns "
                      f"but train slower and overfit sooner.")


def _layers(default: int = 1) -> Param:
    return Param("layers", "int", default, min=1, max=16,
                 help="Recurrent layers stacked on top of each other (a deep RNN; the book "
                      "stacks three). Every layer but the last returns sequences.")


def _family(name: str, title: str, description: str, own: tuple[Param, ...],
            strategy: str = "seq2seq", window: int = 56, learning_rate: float = 0.001,
            training: tuple[Param, ...] | None = None,
            capabilities: frozenset[str] = CAPABILITIES) -> ModelFamily:
    return ModelFamily(
        name=name, title=title, description=description,
        params=own + window_params(strategy, window)
        + (training or training_params(learning_rate=learning_rate)),
        trainer=f"{_TRAINERS}:train_{name}", loader=LOADER,
        capabilities=capabilities, param_groups=GROUPS)


BAYESIAN_TRAINING = training_params(
    learning_rate=0.005, max_epochs=60, patience=0, batch_size=32, reduce_lr=False,
    loss=Param("loss", "choice", "nll", choices=("nll",), group="Training",
               help="Negative log-likelihood of the targets under the forecast Gaussians (mean and "
                    "scale of every step), plus the weighted KL divergence of the weight "
                    "distributions from their prior: the evidence lower bound of Bayes by "
                    "Backprop. Early stopping watches the validation MAE of the mean forecast."),
    helps={
        "dropout": "Dropout rate before the output layer, during training only (0 turns it off). "
                   "The weight distributions already regularise the LSTM and give the intervals.",
        "patience": "Early stopping: stop after this many epochs without a better validation "
                    "negative log-likelihood (it rewards honest interval widths as well as "
                    "accurate means), and restore the weights of the best epoch. 0 trains all "
                    "max epochs (the best epoch's weights are still restored).",
        "reduce_lr_on_plateau": "Halve the learning rate when the validation negative "
                                "log-likelihood has not improved for half the patience (at "
                                "least 2 epochs).",
    },
    mc_samples=mc_samples_param(
        100, group="Model",
        help="Monte-Carlo samples: forward passes per forecast, each with its own draw of every "
             "weight from its distribution, all in one batch. The forecast is the mean of the "
             "passes; the interval bounds are quantiles of the mixture of the passes' Gaussians, "
             "so both the data noise (each pass's scale) and the weight uncertainty (the spread "
             "between passes) widen them. More samples: smoother bounds, slower forecasts."))


FAMILIES = (
    _family(
        "linear", "Linear model (Dense)",
        "The book's first neural baseline: one Dense layer over the flattened input window, "
        "i.e. a learned weighted sum of the last `window` values of every input. With seq2seq, a "
        "causal Conv1D with a kernel as long as the window gives that weighted sum at every step.",
        (), strategy="direct", learning_rate=0.003),
    _family(
        "simple_rnn", "SimpleRNN (deep, layer-normalised)",
        "Recurrent neurons that feed their output back as their state (Elman RNN). Stack layers "
        "for a deep RNN; layer normalisation normalises each step's linear combination before "
        "the tanh, which steadies training (Ba et al., 2016).",
        (_units(), _layers(),
         Param("layer_norm", "bool", False, label="layer-normalised cell",
               help="Use the book's LNSimpleRNNCell: the linear combination of input and state is "
                    "layer-normalised, then activated with tanh, at every time step."),
         Param("recurrent_dropout", "float", 0.0, min=0.0, max=0.9, label="recurrent dropout",
               help="Dropout on the hidden state between time steps (Keras' recurrent_dropout). "
                    "0 turns it off."))),
    _family(
        "lstm_gru", "LSTM / GRU",
        "Long short-term memory or gated recurrent unit cells: gates decide what to keep, forget "
        "and output, so they learn longer patterns than SimpleRNN. Optionally bidirectional "
        "(BiLSTM) over the input window. Runs on the fused cuDNN kernel on a GPU.",
        (Param("cell", "choice", "lstm", choices=("lstm", "gru"),
               help="lstm: long and short-term state with forget, input and output gates. "
                    "gru: a simpler cell with update and reset gates, often as good and faster."),
         _units(), _layers(),
         Param("bidirectional", "bool", False,
               help="Read the input window forwards and backwards (BiLSTM / BiGRU) and join both "
                    "encodings. Works with the direct and recursive strategies; seq2seq would let "
                    "each step see its own targets."))),
    _family(
        "conv_gru", "Conv1D + GRU",
        "The book's convolutional front end: a Conv1D with stride 2 downsamples the window, "
        "keeping the useful detail, so the GRU above it sees longer patterns for the same cost. "
        "For seq2seq the targets are aligned to the positions of the strided outputs.",
        (Param("filters", "int", 32, min=1, max=4096,
               help="Conv1D filters: features detected at each output position (32 in the book)."),
         Param("kernel_size", "int", 4, min=1, max=1024, label="kernel size",
               help="Input steps each filter sees (4 in the book). Should be at least the stride "
                    "so that no input step is skipped."),
         Param("strides", "int", 2, min=1, max=1024,
               help="Step between filter positions: 2 halves the sequence the GRU reads."),
         _units(what="GRU neurons"))),
    _family(
        "wavenet", "WaveNet",
        "Stacked causal Conv1D layers whose dilation rate doubles from layer to layer (van den "
        "Oord et al., 2016): lower layers learn short-term patterns, higher ones long-term "
        "patterns, and the receptive field grows exponentially. Gated: the paper's "
        "tanh x sigmoid units with residual and skip connections; plain: the book's ReLU stack.",
        (Param("filters", "int", 32, min=1, max=4096,
               help="Channels of every convolutional layer (32 in the book)."),
         Param("kernel_size", "int", 2, min=1, max=64, label="kernel size",
               help="Taps of each causal convolution (2 in the book and the paper)."),
         Param("dilations", "ints", [1, 2, 4, 8, 1, 2, 4, 8], min=1, max=4096,
               help="Dilation rate of each layer, one layer per number. The book's (1, 2, 4, 8) x 2 "
                    "sees 1 + (kernel size - 1) x sum = 31 steps back."),
         Param("gated", "bool", True, label="gated residual blocks",
               help="true (the default): the paper's gated activation tanh(conv) x sigmoid(conv) "
                    "with residual and skip connections; false: the book's plain stack of ReLU "
                    "causal Conv1D layers. Measured on the daily sample, the gated blocks are as "
                    "good on the target alone and much steadier with covariates, at about twice "
                    "the training time."))),
    _family(
        "bayesian_lstm", "Bayesian LSTM (Bayes by Backprop)",
        "An LSTM whose weights are probability distributions instead of fixed numbers: every "
        "weight has a mean and a standard deviation, learned by Bayes by Backprop (variational "
        "inference with the reparameterisation trick, Blundell et al., 2015) under a Gaussian "
        "prior, with KL annealing. A Gaussian output layer learns the data noise. Forecasts draw "
        "many weight samples (Monte-Carlo sampling) in one batch: their mean is the forecast, and "
        "the prediction intervals carry both the noise and the model's own uncertainty.",
        (_units(16, what="Bayesian LSTM neurons per layer"), _layers(),
         Param("prior_scale", "float", 1.0, min=1e-4, max=100.0, label="prior scale",
               help="Standard deviation of the Gaussian prior N(0, prior_scale^2) of every weight. "
                    "Smaller: the KL term pulls the weights harder towards zero (simpler model)."),
         Param("kl_weight", "float", 0.1, min=0.0, max=100.0, label="KL weight",
               help="Weight of the KL divergence (weight distributions vs prior) in the loss; the "
                    "divergence is divided by the number of training windows, so 1 is the exact "
                    "evidence lower bound. Lower: sharper fit, narrower weight distributions; "
                    "higher: more weight uncertainty. 0: no prior (maximum likelihood)."),
         Param("kl_anneal_epochs", "int", 10, min=0, max=10000, label="KL annealing epochs",
               help="KL annealing: the KL weight grows linearly from 0 to 'KL weight' over this "
                    "many epochs, so the network first learns to fit the data and only then "
                    "widens its weight distributions. 0: the full weight from the first epoch."),
         Param("likelihood", "choice", "student_t", choices=("gaussian", "student_t"),
               help="Distribution of the output layer (mean and softplus scale per step), trained "
                    "by negative log-likelihood. gaussian: the classic choice. student_t: heavier "
                    "tails (degrees of freedom below), for data with rare large errors such as "
                    "holidays, which would otherwise widen every Gaussian interval."),
         Param("df", "float", 4.0, min=2.1, max=1000.0, label="Student-t degrees of freedom",
               help="Degrees of freedom of the student_t likelihood: 3-5 for heavy tails, above "
                    "30 it is nearly Gaussian. Ignored by the gaussian likelihood."),
         ),
        strategy="direct", window=28, training=BAYESIAN_TRAINING,
        capabilities=CAPABILITIES | {"intervals"}),
)


@hookimpl
def tsdesk_register_model_families(registry):
    for family in FAMILIES:
        registry.add(family)


def family(name: str) -> ModelFamily:
    """The descriptor of one of this plugin's families."""
    for f in FAMILIES:
        if f.name == name:
            return f
    raise KeyError(name)
