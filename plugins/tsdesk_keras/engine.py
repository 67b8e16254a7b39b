"""The training engine every Keras family shares.

A family contributes an :class:`Architecture`: a ``body`` that turns the input window into
features (a sequence for seq2seq, a vector otherwise), optional parameter checks, and the window
positions its outputs stand for. The engine does everything else: windows and targets
(``tsdesk_keras.inputs``), scaling on the training rows, the output layer of the chosen strategy,
optimizer and loss, early stopping on the validation MAE with the best weights restored,
progress and cancel, forecasting from many origins in one ``predict`` call, save and load.

Probabilistic forecasts come from Monte-Carlo passes, all in one ``predict`` call (the origins'
windows repeated ``mc_samples`` times in the batch): a Bayesian architecture samples its weights
at every pass and gives a Gaussian per step (``head="gaussian"``); any architecture with dropout
gives MC-dropout intervals when the task asks for ``intervals = "mc_dropout"``.

Model code uses ``keras``, ``keras.layers`` and ``keras.ops`` only, so every Keras backend runs it.
"""

from __future__ import annotations

import itertools
import math
import os
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable, Sequence

import numpy as np

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

import keras  # noqa: E402

from tsdesk.core import windowing  # noqa: E402
from tsdesk.core.fileio import atomic_write_json, read_format_json  # noqa: E402
from tsdesk.compute import keras_environment  # noqa: E402
from tsdesk.core.scaling import Scaler  # noqa: E402
from tsdesk.core.series import SeriesData  # noqa: E402
from tsdesk.errors import Cancelled, UserError  # noqa: E402
from tsdesk.plugin_api import ForecastArrays, Progress, TrainingTask  # noqa: E402

from tsdesk_keras import bayes as B  # noqa: E402  (registers the Bayesian layers for loading)
from tsdesk_keras import inputs as I  # noqa: E402
from tsdesk_keras import layers as L  # noqa: E402  (registers the custom layers for loading)
from tsdesk_keras.sampling import central_probs, mixture_quantiles  # noqa: E402

FORMAT = "tsdesk-keras"
FORMAT_VERSION = 1
MODEL_FILE = "model.keras"
SIDECAR = "keras_model.json"
METRIC = "forecast_mae"
MATERIALIZE_BYTES = 512 * 2**20
"""Training windows are copied into one array up to this size, else gathered batch by batch."""
PREDICT_BATCH = 256
"""Every predict batch holds exactly this many windows (the last one padded): one traced shape, so
a model forecasts bit-identically whatever it predicted before (a TF graph traced for one batch
size can round differently from one traced for another), e.g. after save and load."""
VALID_BATCH = 1024
"""Validation batch size (at least the training batch size): fewer, larger batches cost less."""
XLA_MIN_WORK = 1_500_000
"""On TensorFlow without a GPU, compile the training step with XLA (about 2x faster epochs for
recurrent models) when the training is expected to cover at least this many window steps
(windows x window x expected epochs): the one-off compile (2-5 s) then pays for itself. The
expected epochs are ``max_epochs``, or with early stopping ``min(max_epochs, max(20, 3 x
patience))``: early stopping rarely ends a run before three patiences. Environment variable
``TSDESK_KERAS_XLA``: ``1`` always, ``0`` never, ``auto`` (default) by this rule. On a GPU Keras
decides ("auto"), which keeps LSTM/GRU on cuDNN."""

Body = Callable[[Any, dict, bool, int], Any]


def every_position(window: int, params: dict) -> np.ndarray:
    return np.arange(window)


@dataclass(frozen=True)
class Architecture:
    """What a family adds to the engine.

    ``body(x, params, sequences, out)`` maps the input window ``x`` (batch, window, inputs) to
    features: (batch, steps, d) when ``sequences`` (seq2seq), else (batch, d). The engine puts a
    ``Dense(out)`` on top unless ``builds_head``, in which case the body returns the ``out``
    forecasts itself. ``positions(window, params)`` gives the window position (0-based) each
    output step stands for; it must end at ``window - 1``. ``check(params)`` raises
    :class:`UserError` for parameter combinations the family cannot train.

    ``head="gaussian"``: the engine's output layer gives a mean and a softplus scale per forecast
    step (outputs shaped (..., steps, 2)), trained by negative log-likelihood; the body samples
    its own weights at every pass (a Bayesian network), so forecasts are Monte-Carlo mixtures
    with intervals. ``callbacks(params, n_train)`` adds training callbacks (e.g. KL annealing).
    ``xla=False`` keeps the family off XLA whatever ``TSDESK_KERAS_XLA`` says (its loop cannot
    be compiled, or compiles slower than it runs). ``mc_head_dropout``: for MC dropout the engine
    moves the body's dropout from its inputs to its features before the output layer (recurrent
    bodies: with one input column, input dropout switches the whole input off in a fifth of the
    passes at 0.2, and those passes forecast nonsense).
    """

    family: str
    body: Body
    positions: Callable[[int, dict], np.ndarray] = every_position
    check: Callable[[dict], None] | None = None
    builds_head: bool = False
    head: str = "point"
    callbacks: Callable[[dict, int], list] | None = None
    xla: bool = True
    mc_head_dropout: bool = False


# --------------------------------------------------------------------------------------------
# Training


def resolve_params(task: TrainingTask, family: str) -> dict:
    """The task's params checked against the family's schema, defaults filled in.

    Families of other plugins built on this engine are found through the plugin host."""
    from tsdesk_keras import family as descriptor

    try:
        found = descriptor(family)
    except KeyError:
        from tsdesk.plugins import get_host

        found = get_host().family(family)
    return found.validate_params(task.params)


def train(task: TrainingTask, progress: Progress, arch: Architecture) -> "KerasForecaster":
    """Fit ``arch`` on the task's training rows; see the module docstring."""
    t_start = time.perf_counter()
    progress.check()
    p = resolve_params(task, arch.family)
    data = task.data
    if arch.check is not None:
        arch.check(p)
    mc_dropout = _wants_mc_dropout(task, arch, p)
    layout = _layout(arch, p, task)
    notes: list[str] = []
    n = data.n

    ends = I.train_ends(task.train.start, task.train.stop, layout, n)
    if task.valid is not None:
        v_ends = I.valid_ends(task.valid, layout, n)
        validation = f"validation period: {len(v_ends)} windows"
    else:
        ends, v_ends = I.carve_validation(ends, layout)
        validation = (f"no validation period given: the last {I.VALID_FRACTION:.0%} of the training "
                      f"windows ({len(v_ends)}) validate early stopping")
        notes.append(validation)
        progress.status(validation)
    if layout.strategy == "recursive" and layout.n_cov:
        note = ("recursive strategy: covariates are unknown after the forecast origin and are held "
                "at their last value over the horizon")
        notes.append(note)
        progress.status(note)

    scaler = I.fit_scaler(data, task.train.stop)
    stop = task.fit_end
    rows = I.input_rows(data, scaler, layout, stop)
    y_scaled = scaler.transform(data.y[:stop])
    view = windowing.window_view(rows, layout.window)

    seed = int(p["seed"]) if p["seed"] is not None else int(task.seed)
    keras.utils.set_random_seed(seed)
    model = build_model(arch, p, layout, mc_dropout=mc_dropout, seed=seed)
    jit = use_xla(len(ends) * layout.window, p["max_epochs"], p["patience"]) if arch.xla else False
    df = _student_df(p)
    _compile(model, p, jit_compile=jit, head=arch.head, df=df)
    train_data = _feed(view, ends, y_scaled, layout, p["batch_size"], seed, shuffle=True)
    valid_batch = max(p["batch_size"], VALID_BATCH)
    valid_data = _feed(view, v_ends, y_scaled, layout, valid_batch, seed, shuffle=False)
    progress.status(f"training {arch.family} on {len(ends)} windows of {layout.window} steps x "
                    f"{layout.n_inputs} inputs; {validation}")

    watch = "nll" if arch.head == "gaussian" else None
    monitor = _Monitor(progress, p["max_epochs"], p["patience"], float(scaler.scale[0]), watch)
    callbacks: list[keras.callbacks.Callback] = [monitor]
    if arch.callbacks is not None:
        callbacks = list(arch.callbacks(p, len(ends))) + callbacks
    if p["reduce_lr_on_plateau"]:
        callbacks.append(keras.callbacks.ReduceLROnPlateau(
            monitor=f"val_{watch or METRIC}", mode="min", factor=0.5, patience=max(2, p["patience"] // 2),
            min_lr=p["learning_rate"] * 1e-3, verbose=0))
    progress.check()
    fit_kwargs: dict[str, Any] = {"epochs": p["max_epochs"], "callbacks": callbacks, "verbose": 0}
    if isinstance(train_data, tuple):
        model.fit(train_data[0], train_data[1], validation_data=valid_data,
                  batch_size=p["batch_size"], validation_batch_size=valid_batch, shuffle=True,
                  **fit_kwargs)
    else:
        model.fit(train_data, validation_data=valid_data, **fit_kwargs)
    xla = bool(model.jit_compile)
    if jit is True and keras.backend.backend() == "tensorflow":
        # forecast without XLA, exactly as a loaded model does (loading compiles nothing)
        model.jit_compile = False
        model.predict_function = None
    if monitor.cancelled:
        raise Cancelled("cancelled by the user")
    if monitor.best_epoch is None:
        raise UserError(
            f"training diverged: the loss became {monitor.last_loss} in epoch "
            f"{monitor.diverged_epoch or monitor.epochs_run} before any epoch gave a finite "
            f"validation MAE; lower the learning rate (now {p['learning_rate']}) or set gradient "
            f"clipping")
    if monitor.diverged_epoch is not None:
        notes.append(f"the loss became non-finite in epoch {monitor.diverged_epoch}; kept the "
                     f"weights of epoch {monitor.best_epoch}")

    info = {
        "family": arch.family, "strategy": layout.strategy, "window": layout.window,
        "horizon": layout.horizon, "epochs": monitor.epochs_run, "max_epochs": p["max_epochs"],
        "best_epoch": monitor.best_epoch, "val_mae": monitor.best, "monitor": f"val_{watch or 'mae'}",
        "stopped_early": monitor.stopped_early, "validation": validation,
        "train_windows": int(len(ends)), "valid_windows": int(len(v_ends)),
        "inputs": layout.column_names(data), "trainable_params": int(_count_params(model)),
        "seed": seed, "params": dict(p), "keras_backend": keras.backend.backend(), "xla": xla,
        "environment": keras_environment(),
        "keras_version": keras.__version__, "history": monitor.history,
        "epoch_seconds": monitor.epoch_seconds, "notes": notes,
    }
    if watch:
        info[f"val_{watch}"] = monitor.best_score
    mc = None
    if arch.head == "gaussian" or mc_dropout:
        mc = {"method": "bayes_by_backprop" if arch.head == "gaussian" else "mc_dropout",
              "samples": int(p["mc_samples"]), "seed": seed, "dropout": mc_dropout, "noise": None,
              "df": df}
    fitted = KerasForecaster(arch.family, model, layout, scaler, dict(p), info, mc)
    info["intervals"] = mc["method"] if mc else "none"
    if mc and arch.head != "gaussian":
        progress.status(f"measuring the observation noise on {len(v_ends)} validation windows "
                        f"for MC dropout intervals")
        mc["noise"] = fitted.validation_noise(view, v_ends, y_scaled)
        info["mc_dropout_noise"] = [float(v) for v in scaler.inverse_scale(np.asarray(mc["noise"]))]
    info["val_mae_horizon"] = _horizon_mae(fitted, data, v_ends, task.horizon, stop)
    info["seconds"] = round(time.perf_counter() - t_start, 3)
    return fitted


def _wants_mc_dropout(task: TrainingTask, arch: Architecture, p: dict) -> bool:
    """Whether the task asks for MC dropout intervals; refused without dropout, and for a
    Bayesian network (it samples its weights for its intervals already)."""
    options = getattr(task, "options", None) or {}
    if options.get("intervals", "model") != "mc_dropout":
        return False
    if arch.head == "gaussian":
        raise UserError(
            f"{arch.family} draws its weights from their distributions for its intervals already; "
            f"intervals = \"mc_dropout\" is for the other Keras families: remove it from "
            f"[evaluation] (its dropout, if any, then only regularises training)")
    if p.get("dropout", 0) > 0 or p.get("recurrent_dropout", 0) > 0:
        return True
    raise UserError(
        f"intervals = \"mc_dropout\" needs dropout > 0: the Monte-Carlo passes differ only by the "
        f"units dropout switches off, and {task.family or 'this model'} has dropout = "
        f"{p.get('dropout', 0)}; set the dropout parameter (0.1 to 0.3 is typical), or remove "
        f"intervals = \"mc_dropout\" from [evaluation] to get conformal intervals")


def _layout(arch: Architecture, p: dict, task: TrainingTask) -> I.InputLayout:
    window = int(p["window"])
    positions: tuple[int, ...] = ()
    if p["strategy"] == "seq2seq":
        pos = np.asarray(arch.positions(window, p), dtype=int)
        if len(pos) == 0 or pos[-1] != window - 1:
            raise RuntimeError(f"{arch.family}: outputs must end at the window's last row, got {pos}")
        positions = tuple(int(v) for v in pos)
    return I.InputLayout(window, int(task.horizon), p["strategy"], task.data.X_cov.shape[1],
                         task.data.X_future.shape[1], positions)


def build_model(arch: Architecture, p: dict, layout: I.InputLayout, mc_dropout: bool = False,
                seed: int | None = None) -> keras.Model:
    """Input window -> family body -> output layer of the strategy. With ``seed``, every layer
    that drops units gets its own seed from ``p["layer_seeds"]`` (``architectures.layer_seed``)."""
    if seed is not None:
        # below 2**31 - 2**16: PyTorch's backend keeps seeds as int32, and each layer counts up
        p = {**p, "layer_seeds": itertools.count(seed * 1009 % (2**31 - 2**16) + 1)}
    inputs = keras.Input(shape=(layout.window, layout.n_inputs), name="window")
    sequences = layout.strategy == "seq2seq"
    moved = mc_dropout and arch.mc_head_dropout and p.get("dropout", 0) > 0
    x = arch.body(inputs, {**p, "dropout": 0.0} if moved else p, sequences, layout.out_steps)
    if moved:
        seeds = p.get("layer_seeds")
        x = keras.layers.Dropout(p["dropout"], name="mc_dropout", seed=next(seeds) if seeds else None)(x)
    if arch.head == "gaussian":
        x = keras.layers.Dense(2 * layout.out_steps, name="forecast")(x)
        x = B.GaussianHead(name="gaussian")(x)
    elif not arch.builds_head:
        x = keras.layers.Dense(layout.out_steps, name="forecast")(x)  # 3-D input: per time step
    want = (len(layout.positions), layout.out_steps) if sequences else (layout.out_steps,)
    if arch.head == "gaussian":
        want = want + (2,)
    if tuple(x.shape[1:]) != want:
        raise RuntimeError(f"{arch.family} built outputs shaped {tuple(x.shape[1:])}, expected {want}")
    return keras.Model(inputs, x, name=arch.family)


def use_xla(steps_per_epoch: int, max_epochs: int, patience: int) -> bool | str:
    """``jit_compile`` for ``model.compile``: see :data:`XLA_MIN_WORK`."""
    choice = os.environ.get("TSDESK_KERAS_XLA", "auto").strip().lower()
    if choice in ("0", "1"):
        return choice == "1"
    if keras.backend.backend() != "tensorflow" or keras.distribution.list_devices("gpu"):
        return "auto"
    epochs = max_epochs if not patience else min(max_epochs, max(20, 3 * patience))
    return steps_per_epoch * epochs >= XLA_MIN_WORK


def _student_df(p: dict) -> float | None:
    """Degrees of freedom of a Student-t likelihood, None for a Gaussian one."""
    return float(p["df"]) if p.get("likelihood") == "student_t" else None


def _compile(model: keras.Model, p: dict, jit_compile: bool | str = "auto", head: str = "point",
             df: float | None = None) -> None:
    clip = p["clipnorm"] or None
    lr = p["learning_rate"]
    optimizer = {
        "sgd": lambda: keras.optimizers.SGD(lr, momentum=p["momentum"], clipnorm=clip),
        "adam": lambda: keras.optimizers.Adam(lr, clipnorm=clip),
        "rmsprop": lambda: keras.optimizers.RMSprop(lr, momentum=p["momentum"], clipnorm=clip),
    }[p["optimizer"]]()
    metrics: list = [L.forecast_mae]
    if head == "gaussian":
        loss = B.likelihood_loss(df)
        metrics.append(keras.metrics.MeanMetricWrapper(B.likelihood_loss(df), name="nll"))
    else:
        loss = {"huber": keras.losses.Huber(), "mse": keras.losses.MeanSquaredError(),
                "mae": keras.losses.MeanAbsoluteError()}[p["loss"]]
    model.compile(optimizer=optimizer, loss=loss, metrics=metrics, jit_compile=jit_compile)


def _count_params(model: keras.Model) -> int:
    return sum(int(np.prod(w.shape)) for w in model.trainable_weights)


class WindowBatches(keras.utils.PyDataset):
    """Batches gathered from the window view on demand, for data too large to copy at once."""

    def __init__(self, view: np.ndarray, ends: np.ndarray, y_scaled: np.ndarray,
                 layout: I.InputLayout, batch_size: int, seed: int, shuffle: bool) -> None:
        super().__init__()
        self.view, self.ends, self.y, self.layout = view, ends, y_scaled, layout
        self.batch_size, self.shuffle = batch_size, shuffle
        self.rng = np.random.default_rng(seed)
        self.order = self.rng.permutation(len(ends)) if shuffle else np.arange(len(ends))

    def __len__(self) -> int:
        return math.ceil(len(self.ends) / self.batch_size)

    def __getitem__(self, i: int):
        ends = self.ends[self.order[i * self.batch_size:(i + 1) * self.batch_size]]
        return windowing.gather(self.view, ends, self.layout.window), \
            I.targets(self.y, ends, self.layout)

    def on_epoch_end(self) -> None:
        if self.shuffle:
            self.order = self.rng.permutation(len(self.ends))


def _feed(view, ends, y_scaled, layout, batch_size, seed, shuffle):
    """(X, Y) arrays when they fit in MATERIALIZE_BYTES, else a :class:`WindowBatches`."""
    per_window = layout.window * layout.n_inputs + max(1, len(layout.positions)) * layout.out_steps
    if len(ends) * per_window * 4 <= MATERIALIZE_BYTES:
        return windowing.gather(view, ends, layout.window), I.targets(y_scaled, ends, layout)
    return WindowBatches(view, ends, y_scaled, layout, batch_size, seed, shuffle)


class _Monitor(keras.callbacks.Callback):
    """Progress after every epoch, cancel within a batch, early stopping on the validation MAE
    (in data units) with the best epoch's weights restored at the end.

    ``watch="nll"``: early stopping and the best epoch follow the validation negative
    log-likelihood instead (probabilistic heads: it rewards honest scales as well as accurate
    means); ``best`` is then the validation MAE of that epoch, ``best_score`` its NLL."""

    def __init__(self, progress: Progress, epochs: int, patience: int, scale: float,
                 watch: str | None = None) -> None:
        super().__init__()
        self.progress, self.epochs, self.patience, self.scale = progress, epochs, patience, scale
        self.watch = watch
        self.cancelled = False
        self.best: float | None = None
        self.best_score: float | None = None
        self.best_epoch: int | None = None
        self.best_weights: list | None = None
        self.epochs_run = 0
        self.stopped_early = False
        self.diverged_epoch: int | None = None
        self.last_loss: float | None = None
        self.history: dict[str, list] = {"loss": [], "val_loss": [], "val_mae": [], "lr": []}
        if watch:
            self.history[f"val_{watch}"] = []
        self.epoch_seconds: list[float] = []
        self._t0 = 0.0

    def on_epoch_begin(self, epoch, logs=None):
        self._t0 = time.perf_counter()

    def on_train_batch_end(self, batch, logs=None):
        if self.progress.cancelled():
            self.cancelled = True
            self.model.stop_training = True

    def on_epoch_end(self, epoch, logs=None):
        if self.cancelled:
            return
        seconds = time.perf_counter() - self._t0
        logs = logs or {}
        i = epoch + 1
        self.epochs_run = i
        loss = _num(logs.get("loss"))
        self.last_loss = loss
        val_loss = _num(logs.get("val_loss"))
        val_mae = _num(logs.get(f"val_{METRIC}"))
        val_mae = val_mae * self.scale if val_mae is not None else None
        lr = _num(self.model.optimizer.learning_rate.numpy())
        score = _num(logs.get(f"val_{self.watch}")) if self.watch else val_mae
        for key, value in (("loss", loss), ("val_loss", val_loss), ("val_mae", val_mae), ("lr", lr)):
            self.history[key].append(value)
        if self.watch:
            self.history[f"val_{self.watch}"].append(score)
        self.epoch_seconds.append(round(seconds, 4))
        self.progress.report("epoch", epoch=i, epochs=self.epochs, loss=loss, val_loss=val_loss,
                             val_mae=val_mae, lr=lr, seconds=round(seconds, 4))
        if loss is None or not math.isfinite(loss):
            self.diverged_epoch = i
            self.model.stop_training = True
            return
        better = self.best_score is None or (score is not None and score < self.best_score)
        if score is not None and math.isfinite(score) and better:
            self.best, self.best_score, self.best_epoch = val_mae, score, i
            self.best_weights = self.model.get_weights()
        elif self.patience and self.best_epoch is not None and i - self.best_epoch >= self.patience:
            self.stopped_early = True
            self.model.stop_training = True

    def on_train_end(self, logs=None):
        if self.best_weights is not None and not self.cancelled:
            self.model.set_weights(self.best_weights)


class _Repeated(keras.utils.PyDataset):
    """``copies`` repetitions of the windows ``x`` in the batch dimension, gathered batch by
    batch (memory stays at one batch); the last batch wraps around to stay PREDICT_BATCH rows."""

    def __init__(self, x: np.ndarray, copies: int) -> None:
        super().__init__()
        self.x = x
        self.total = len(x) * int(copies)

    def __len__(self) -> int:
        return math.ceil(self.total / PREDICT_BATCH)

    def __getitem__(self, i: int):
        rows = np.arange(i * PREDICT_BATCH, (i + 1) * PREDICT_BATCH) % len(self.x)
        return (self.x[rows],)


class _DropoutOn(keras.Model):
    """The trained model called with ``training=True`` inside ``predict``: dropout stays on and
    every row of a batch drops other units (MC dropout). Shares the model's weights; not saved."""

    def __init__(self, inner: keras.Model) -> None:
        super().__init__(name=f"{inner.name}_mc_dropout")
        self.inner = inner

    def call(self, x, training=False):
        return self.inner(x, training=True)


def _num(value) -> float | None:
    if value is None:
        return None
    value = float(np.asarray(value))
    return value


def _horizon_mae(fitted: "KerasForecaster", data: SeriesData, v_ends: np.ndarray, horizon: int,
                 stop: int) -> float | None:
    """MAE (data units) of the full-horizon forecasts from the validation origins, counting the
    targets before ``stop``: comparable across strategies."""
    fc = fitted.forecast(data, v_ends, horizon, ())
    target = v_ends[:, None] + np.arange(1, horizon + 1)
    keep = target < stop
    err = np.abs(fc.mean[keep] - data.y[target[keep]])
    return float(err.mean()) if err.size else None


# --------------------------------------------------------------------------------------------
# The fitted model


class KerasForecaster:
    """A trained Keras model with what it needs to forecast from any history.

    ``mc`` (None for point forecasts) describes the Monte-Carlo intervals: ``method``
    ("bayes_by_backprop" or "mc_dropout"), ``samples`` (passes per forecast), ``seed`` (every
    forecast starts the model's random generators from it, so forecasts are reproducible, also
    after save and load), ``dropout`` (dropout kept on at prediction), ``noise`` (MC dropout:
    the observation noise per output step, scaled units, measured on the validation windows) and
    ``df`` (the head's Student-t degrees of freedom; None: Gaussian).
    """

    def __init__(self, family: str, model: keras.Model, layout: I.InputLayout, scaler: Scaler,
                 params: dict, info: dict, mc: dict | None = None) -> None:
        self.family = family
        self.model = model
        self.layout = layout
        self.scaler = scaler
        self.params = params
        self.info = info
        self.mc = mc
        self._sampler: keras.Model | None = None

    @property
    def has_intervals(self) -> bool:
        """Whether forecasts carry the model's own intervals (Bayesian weights or MC dropout):
        the host then does not replace them with conformal ones unless asked to."""
        return self.mc is not None

    def forecast(self, data: SeriesData, origins: np.ndarray, horizon: int,
                 levels: Sequence[int]) -> ForecastArrays:
        """Forecasts of rows i+1 .. i+horizon from every origin i, all origins in one batch."""
        lay = self.layout
        origins = np.asarray(origins, dtype=int).reshape(-1)
        self._check_data(data)
        if horizon > lay.horizon and lay.strategy != "recursive":
            raise UserError(
                f"this {self.family} model was trained with the {lay.strategy} strategy for a "
                f"horizon of {lay.horizon}, so it cannot forecast {horizon} steps; train it again "
                f"with a horizon of {horizon}, or use the recursive strategy")
        if len(origins) == 0:
            empty = {int(lv): np.zeros((0, horizon)) for lv in levels} if self.mc else {}
            return ForecastArrays(np.zeros((0, horizon)), empty, dict(empty))
        if origins.max() >= data.n:
            raise UserError(f"cannot forecast from row {int(origins.max()) + 1}: the data has "
                            f"{data.n} rows")
        I.check_history(origins, lay.window, horizon)
        stop = int(origins.max()) + 1
        rows = I.input_rows(data, self.scaler, lay, stop)
        x = windowing.gather(windowing.window_view(rows, lay.window), origins, lay.window)
        if self.mc is not None:
            return self._forecast_mc(x, data, origins, horizon, levels)
        if lay.strategy == "recursive":
            scaled = self._recursive(x, data, origins, horizon)
        else:
            out = self._predict(x)
            scaled = (out[:, -1, :] if out.ndim == 3 else out)[:, :horizon]
        return ForecastArrays(mean=self.scaler.inverse(scaled))

    def _predict(self, x: np.ndarray) -> np.ndarray:
        """One ``predict`` call over all windows, in batches of exactly PREDICT_BATCH."""
        pad = -len(x) % PREDICT_BATCH
        if pad:
            x = np.concatenate([x, np.repeat(x[:1], pad, axis=0)])
        out = self.model.predict(x, batch_size=PREDICT_BATCH, verbose=0)
        return np.asarray(out)[:len(x) - pad]

    # --- Monte-Carlo forecasts ------------------------------------------------------------

    def _forecast_mc(self, x: np.ndarray, data: SeriesData, origins: np.ndarray, horizon: int,
                     levels: Sequence[int]) -> ForecastArrays:
        """Mean and central intervals of the mixture of the passes' Gaussians."""
        locs, scales = self._passes(x, data, origins, horizon)
        mean = self.scaler.inverse(locs.mean(axis=0))
        probs = central_probs(levels)
        lower, upper = {}, {}
        if probs:
            flat = [p for lv in probs for p in probs[lv]]
            q = self.scaler.inverse(mixture_quantiles(locs, scales, flat, df=self.mc.get("df")))
            for i, lv in enumerate(probs):
                lower[lv], upper[lv] = q[2 * i], q[2 * i + 1]
        return ForecastArrays(mean=mean, lower=lower, upper=upper)

    def _passes(self, x: np.ndarray, data: SeriesData, origins: np.ndarray,
                horizon: int) -> tuple[np.ndarray, np.ndarray]:
        """(mean, scale) of every pass, origin and step, scaled units: arrays (passes, n, h)."""
        m, n = int(self.mc["samples"]), len(x)
        if self.layout.strategy == "recursive":
            return self._recursive_passes(x, data, origins, horizon)
        out = self._predict_mc(x, m)
        out = out.reshape((m, n) + out.shape[1:])
        if self.layout.strategy == "seq2seq":
            out = out[:, :, -1]
        return self._split(out, horizon)

    def _split(self, out: np.ndarray, horizon: int) -> tuple[np.ndarray, np.ndarray]:
        """Model outputs (..., steps[, 2]) -> loc and scale (..., horizon)."""
        if self.mc["method"] == "bayes_by_backprop":
            return out[..., :horizon, 0].astype(np.float64), out[..., :horizon, 1].astype(np.float64)
        locs = out[..., :horizon].astype(np.float64)
        noise = self.mc.get("noise")
        noise = np.zeros(horizon) if noise is None else np.asarray(noise, dtype=np.float64)
        if len(noise) < horizon:  # recursive: the one-step noise at every step
            noise = np.resize(noise, horizon)
        return locs, np.broadcast_to(noise[:horizon], locs.shape)

    def _recursive_passes(self, x: np.ndarray, data: SeriesData, origins: np.ndarray,
                          horizon: int) -> tuple[np.ndarray, np.ndarray]:
        """Sample paths: every pass feeds a draw from its own forecast distribution back as the
        newest input row. The model's random generators restart before every step, so each path
        keeps its weights (or dropout masks) over the whole horizon."""
        lay = self.layout
        m, n = int(self.mc["samples"]), len(x)
        paths = np.tile(x, (m, 1, 1))
        rep = np.tile(origins, m)
        future = I.known_future_block(data, self.scaler, lay, int(origins.max()) + horizon + 1)
        held = paths[:, -1, 1:1 + lay.n_cov]
        rng = np.random.default_rng(int(self.mc["seed"]))
        locs = np.empty((m * n, horizon))
        scales = np.empty((m * n, horizon))
        for k in range(horizon):
            loc, scale = self._split(self._predict_mc(paths, 1), 1)
            locs[:, k], scales[:, k] = loc[:, 0], scale[:, 0]
            if k + 1 < horizon:
                df = self.mc.get("df")
                z = rng.standard_normal(m * n) if df is None else rng.standard_t(df, m * n)
                draw = locs[:, k] + scales[:, k] * z
                new = np.concatenate([draw[:, None], held, future[rep + k + 1]], axis=1)
                paths = np.concatenate([paths[:, 1:], new[:, None, :].astype(np.float32)], axis=1)
        return locs.reshape(m, n, horizon), scales.reshape(m, n, horizon)

    def _predict_mc(self, x: np.ndarray, copies: int) -> np.ndarray:
        """One ``predict`` call over ``copies`` repetitions of the windows ``x`` (row
        ``j * len(x) + i`` is copy j of window i), gathered batch by batch, every batch exactly
        PREDICT_BATCH rows. Random generators restart from the seed first."""
        self._reset_seeds()
        if self.mc.get("dropout"):
            if self._sampler is None:
                self._sampler = _DropoutOn(self.model)
            model = self._sampler
        else:
            model = self.model
        out = model.predict(_Repeated(x, copies), verbose=0)
        return np.asarray(out)[:len(x) * copies]

    def _reset_seeds(self) -> None:
        seed = int(self.mc["seed"])
        states = [v for v in self.model.variables if v.path.endswith("seed_generator_state")]
        for i, v in enumerate(states):
            v.assign(np.array([(seed + 7919 * (i + 1)) % (2**31 - 1), 0], dtype=v.dtype))

    def validation_noise(self, view: np.ndarray, ends: np.ndarray, y_scaled: np.ndarray) -> list[float]:
        """MC dropout's observation noise per output step (scaled units), so that the intervals
        carry the data noise as well as the model's uncertainty (Gal and Ghahramani's model
        precision): the squared robust scale of the validation errors of the passes' mean
        (1.4826 x their median absolute value, which a few holidays cannot inflate) minus the
        passes' own variance."""
        lay = self.layout
        x = windowing.gather(view, ends, lay.window)
        m, n = int(self.mc["samples"]), len(x)
        out = self._predict_mc(x, m)
        out = out.reshape((m, n) + out.shape[1:])
        if lay.strategy == "seq2seq":
            out = out[:, :, -1]
        locs = out.astype(np.float64)
        y = windowing.direct_targets(y_scaled, ends, lay.out_steps)
        robust = 1.4826 * np.median(np.abs(y - locs.mean(axis=0)), axis=0)
        spread = locs.var(axis=0).mean(axis=0)
        return [float(v) for v in np.sqrt(np.maximum(robust ** 2 - spread, 0.0))]

    def _recursive(self, x: np.ndarray, data: SeriesData, origins: np.ndarray,
                   horizon: int) -> np.ndarray:
        """Feed each one-step forecast back as the newest input row; covariates held at their
        last value, known-future features taken from the data."""
        lay = self.layout
        future = I.known_future_block(data, self.scaler, lay, int(origins.max()) + horizon + 1)
        held = x[:, -1, 1:1 + lay.n_cov]
        out = np.empty((len(origins), horizon), dtype=np.float64)
        for k in range(horizon):
            step = self._predict(x)[:, 0]
            out[:, k] = step
            if k + 1 < horizon:
                new = np.concatenate([step[:, None], held, future[origins + k + 1]], axis=1)
                x = np.concatenate([x[:, 1:], new[:, None, :].astype(np.float32)], axis=1)
        return out

    def _check_data(self, data: SeriesData) -> None:
        lay = self.layout
        have = (data.X_cov.shape[1], data.X_future.shape[1])
        if have != (lay.n_cov, lay.n_future):
            cols = self.info.get("inputs", [])
            raise UserError(
                f"this model was trained on {lay.n_cov} covariate and {lay.n_future} known-future "
                f"column(s) ({', '.join(cols[1:1 + lay.n_cov + lay.n_future]) or 'none'}), but the "
                f"data has {have[0]} and {have[1]}; load the data with the same columns")

    def save(self, folder: Path) -> None:
        """``model.keras`` (weights and architecture, no optimizer) and a JSON sidecar."""
        folder = Path(folder)
        folder.mkdir(parents=True, exist_ok=True)
        tmp = folder / ".model.tmp.keras"
        keras.saving.save_model(self.model, tmp, include_optimizer=False)
        os.replace(tmp, folder / MODEL_FILE)
        atomic_write_json(folder / SIDECAR, {
            "format": FORMAT, "version": FORMAT_VERSION, "family": self.family,
            "layout": self.layout.to_dict(), "scaler": self.scaler.to_dict(),
            "params": self.params, "info": self.info, "mc": self.mc})


def load(folder: Path) -> KerasForecaster:
    """Load a folder written by :meth:`KerasForecaster.save` (``safe_mode``: no code runs)."""
    folder = Path(folder)
    side, path = folder / SIDECAR, folder / MODEL_FILE
    for f in (side, path):
        if not f.exists():
            raise UserError(f"{folder} is not a saved Keras model: {f.name} is missing")
    meta = read_format_json(side, FORMAT, FORMAT_VERSION, "tsdesk Keras model")
    model = keras.saving.load_model(path, compile=False, safe_mode=True)
    return KerasForecaster(meta["family"], model, I.InputLayout.from_dict(meta["layout"]),
                           Scaler.from_dict(meta["scaler"]), meta["params"], meta["info"],
                           meta.get("mc"))
