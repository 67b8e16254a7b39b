"""Bayes by Backprop for the LSTM, and the Gaussian output head (Blundell et al., 2015).

Every weight of the Bayesian LSTM's input kernel, recurrent kernel and bias is a Gaussian with
its own mean ``mu`` and ``rho`` (standard deviation ``softplus(rho)``). Each forward pass draws
one weight set by the reparameterisation trick, ``w = mu + softplus(rho) * eps``, and keeps it for
every time step of the sequence. The Kullback-Leibler divergence of these weight distributions
from the prior N(0, prior_scale^2) joins the loss through ``add_loss``, multiplied by a
non-trainable ``kl_factor`` that :class:`KLAnnealing` raises linearly from 0 (KL annealing).

The head gives a location (the mean) and a softplus scale for every forecast step and is trained
by the negative log-likelihood of a Gaussian or of a heavier-tailed Student-t, so the forecast
distribution carries the data noise; sampling the weights many times (Monte-Carlo) adds the
model's own uncertainty.

Written with ``keras``, ``keras.ops`` and ``keras.random`` only: every Keras backend runs it, and
every class is registered so that ``load_model(safe_mode=True)`` rebuilds it.
"""

from __future__ import annotations

import math

import keras
from keras import ops

from tsdesk_keras.layers import PACKAGE

MIN_SCALE = 1e-3
"""Smallest forecast scale of the Gaussian head (scaled units): keeps the likelihood finite."""


def rho_for(sigma: float) -> float:
    """The ``rho`` whose softplus is ``sigma``."""
    return float(math.log(math.expm1(sigma)))


@keras.saving.register_keras_serializable(package=PACKAGE)
class BayesianLSTM(keras.layers.Layer):
    """An LSTM whose weights are distributions, trained by Bayes by Backprop.

    Gates in Keras' order (input, forget, cell, output), tanh and sigmoid activations, forget
    bias initialised to 1. Weights are drawn once per forward pass, never per time step: in
    training one draw serves the whole batch (Blundell's estimator, plain matrix products); in
    prediction (and validation) every row of the batch gets its own draw, so ``n`` copies of one
    window in a batch are ``n`` independent Monte-Carlo passes.

    ``prior_scale``: standard deviation of the N(0, prior_scale^2) prior of every weight.
    ``init_sigma``: standard deviation the weight distributions start with.
    """

    def __init__(self, units, return_sequences=False, prior_scale=1.0, init_sigma=0.01, seed=None,
                 **kwargs):
        super().__init__(**kwargs)
        self.units = int(units)
        self.return_sequences = bool(return_sequences)
        self.prior_scale = float(prior_scale)
        self.init_sigma = float(init_sigma)
        self.seed = None if seed is None else int(seed)
        self.seed_generator = keras.random.SeedGenerator(self.seed)

    def build(self, input_shape):
        n_in, u = int(input_shape[-1]), self.units
        rho = keras.initializers.Constant(rho_for(self.init_sigma))
        gen = None if self.seed is None else self.seed + 1

        def weight(name, shape, init):
            mu = self.add_weight(shape=shape, initializer=init, name=f"{name}_mu")
            return mu, self.add_weight(shape=shape, initializer=rho, name=f"{name}_rho")

        self.kernel_mu, self.kernel_rho = weight(
            "kernel", (n_in, 4 * u), keras.initializers.GlorotUniform(seed=gen))
        self.recurrent_mu, self.recurrent_rho = weight(
            "recurrent_kernel", (u, 4 * u), keras.initializers.Orthogonal(seed=gen))

        def forget_bias_one(shape, dtype=None):
            return ops.concatenate([ops.zeros((u,), dtype), ops.ones((u,), dtype),
                                    ops.zeros((2 * u,), dtype)])

        self.bias_mu, self.bias_rho = weight("bias", (4 * u,), forget_bias_one)
        self.kl_factor = self.add_weight(shape=(), initializer="zeros", trainable=False,
                                         name="kl_factor")

    def _draw(self, mu, rho, batch=None):
        """One weight draw (``batch`` None), or one per row: (batch, *mu.shape)."""
        shape = tuple(mu.shape) if batch is None else (batch,) + tuple(mu.shape)
        eps = keras.random.normal(shape, seed=self.seed_generator, dtype=self.compute_dtype)
        return mu + ops.softplus(rho) * eps

    def kl_divergence(self):
        """KL(q || prior) summed over every weight, in closed form for Gaussians."""
        prior = self.prior_scale
        total = 0.0
        for mu, rho in ((self.kernel_mu, self.kernel_rho), (self.recurrent_mu, self.recurrent_rho),
                        (self.bias_mu, self.bias_rho)):
            sigma = ops.softplus(rho)
            total = total + ops.sum(math.log(prior) - ops.log(sigma)
                                    + (ops.square(sigma) + ops.square(mu)) / (2 * prior ** 2) - 0.5)
        return total

    def call(self, inputs, training=None):
        u = self.units
        per_row = not training
        batch = ops.shape(inputs)[0] if per_row else None
        kernel = self._draw(self.kernel_mu, self.kernel_rho, batch)          # ([B,] in, 4u)
        recurrent = self._draw(self.recurrent_mu, self.recurrent_rho, batch)  # ([B,] u, 4u)
        bias = self._draw(self.bias_mu, self.bias_rho, batch)                 # ([B,] 4u)
        if per_row:
            projected = ops.einsum("btf,bfg->btg", inputs, kernel) + bias[:, None, :]
        else:
            projected = ops.matmul(inputs, kernel) + bias
        steps = ops.transpose(projected, (1, 0, 2))                           # (T, B, 4u)
        h0 = ops.zeros_like(steps[0][:, :u])

        def step(carry, z_x):
            h, c = carry
            z = z_x + (ops.einsum("bu,bug->bg", h, recurrent) if per_row else ops.matmul(h, recurrent))
            i, f, g, o = ops.split(z, 4, axis=-1)
            c = ops.sigmoid(f) * c + ops.sigmoid(i) * ops.tanh(g)
            h = ops.sigmoid(o) * ops.tanh(c)
            return (h, c), (h, c)  # TF's scan stacks outputs shaped like the carry

        (h, _), (hs, _) = ops.scan(step, (h0, h0), steps)
        self.add_loss(self.kl_factor * self.kl_divergence())
        return ops.transpose(hs, (1, 0, 2)) if self.return_sequences else h

    def compute_output_shape(self, input_shape):
        if self.return_sequences:
            return (input_shape[0], input_shape[1], self.units)
        return (input_shape[0], self.units)

    def get_config(self):
        config = super().get_config()
        config.update(units=self.units, return_sequences=self.return_sequences,
                      prior_scale=self.prior_scale, init_sigma=self.init_sigma, seed=self.seed)
        return config


@keras.saving.register_keras_serializable(package=PACKAGE)
class GaussianHead(keras.layers.Layer):
    """(..., 2 * steps) -> (..., steps, 2): the location (mean) and the softplus scale of every
    forecast step, for a Gaussian or Student-t likelihood (a Dense layer below gives the
    2 * steps raw numbers)."""

    def call(self, inputs):
        steps = inputs.shape[-1] // 2
        loc, raw = inputs[..., :steps], inputs[..., steps:]
        return ops.stack([loc, ops.softplus(raw) + MIN_SCALE], axis=-1)

    def compute_output_shape(self, input_shape):
        return tuple(input_shape[:-1]) + (input_shape[-1] // 2, 2)


@keras.saving.register_keras_serializable(package=PACKAGE)
def gaussian_nll(y_true, y_pred):
    """Negative log-likelihood of the targets under the head's Gaussians (scaled units)."""
    loc, scale = y_pred[..., 0], y_pred[..., 1]
    z = (ops.cast(y_true, loc.dtype) - loc) / scale
    nll = 0.5 * ops.square(z) + ops.log(scale) + 0.5 * math.log(2 * math.pi)
    return ops.mean(nll, axis=-1)


@keras.saving.register_keras_serializable(package=PACKAGE)
class StudentTNLL(keras.losses.Loss):
    """Negative log-likelihood under Student-t distributions with ``df`` degrees of freedom and
    the head's location and scale: heavier tails than the Gaussian, so rare large errors
    (holidays, outages) do not inflate the scale of every ordinary forecast."""

    def __init__(self, df=4.0, name="student_t_nll", **kwargs):
        super().__init__(name=name, **kwargs)
        self.df = float(df)
        nu = self.df
        self._const = (math.lgamma(nu / 2) - math.lgamma((nu + 1) / 2) + 0.5 * math.log(nu * math.pi))

    def call(self, y_true, y_pred):
        loc, scale = y_pred[..., 0], y_pred[..., 1]
        z = (ops.cast(y_true, loc.dtype) - loc) / scale
        nll = self._const + ops.log(scale) + 0.5 * (self.df + 1) * ops.log1p(ops.square(z) / self.df)
        return ops.mean(nll, axis=-1)

    def get_config(self):
        return {**super().get_config(), "df": self.df}


def likelihood_loss(df: float | None):
    """The training loss of the head: Gaussian NLL (``df`` None) or Student-t NLL."""
    return gaussian_nll if df is None else StudentTNLL(df)


def bayesian_layers(model) -> list[BayesianLSTM]:
    return [layer for layer in model.layers if isinstance(layer, BayesianLSTM)]


class KLAnnealing(keras.callbacks.Callback):
    """Raises the weight of the KL term linearly from 0 to ``kl_weight`` over ``anneal_epochs``
    epochs (KL annealing). The KL divergence is divided by the number of training windows
    (Blundell's minibatch weighting), so ``kl_weight = 1`` is the full evidence lower bound."""

    def __init__(self, kl_weight: float, anneal_epochs: int, n_train: int) -> None:
        super().__init__()
        self.kl_weight = float(kl_weight)
        self.anneal_epochs = int(anneal_epochs)
        self.n_train = max(1, int(n_train))

    def weight(self, epoch: int) -> float:
        """The KL weight during epoch ``epoch`` (0-based)."""
        if self.anneal_epochs <= 0:
            return self.kl_weight
        return self.kl_weight * min(1.0, epoch / self.anneal_epochs)

    def on_epoch_begin(self, epoch, logs=None):
        factor = self.weight(epoch) / self.n_train
        for layer in bayesian_layers(self.model):
            layer.kl_factor.assign(factor)
