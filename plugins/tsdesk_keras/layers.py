"""Custom Keras pieces, registered so that ``load_model(safe_mode=True)`` rebuilds them.

Written with ``keras``/``keras.ops`` only, so every Keras backend runs them.
"""

from __future__ import annotations

import keras
from keras import ops

PACKAGE = "tsdesk_keras"


@keras.saving.register_keras_serializable(package=PACKAGE)
class LNSimpleRNNCell(keras.layers.SimpleRNNCell):
    """The book's layer-normalised SimpleRNN cell: the linear combination of the input and the
    previous state is layer-normalised (own scale ``gamma`` and shift ``beta``), then activated;
    the result is both the output and the new state.

    It subclasses ``SimpleRNNCell`` for the linear part, so Keras' per-sequence dropout and
    recurrent-dropout masks keep working (the RNN layer resets them for every batch).

    Its bias starts small and random instead of at zero: layer normalisation of a constant vector
    amplifies gradients by 1/sqrt(epsilon) (about 32), and with a zero bias a sequence whose input
    dropout zeroed a one-feature input stays exactly constant at every step, so the amplification
    compounds over the window (1e19 after 14 steps) and Adam's statistics overflow to NaN.
    """

    def __init__(self, units, activation="tanh", epsilon=1e-3, **kwargs):
        kwargs.pop("activation", None)
        kwargs.setdefault("bias_initializer", keras.initializers.RandomNormal(stddev=0.1))
        super().__init__(units, activation=None, **kwargs)
        self.norm_activation = keras.activations.get(activation)
        self.epsilon = float(epsilon)

    def build(self, input_shape):
        super().build(input_shape)
        self.gamma = self.add_weight(shape=(self.units,), initializer="ones", name="gamma")
        self.beta = self.add_weight(shape=(self.units,), initializer="zeros", name="beta")

    def call(self, sequence, states, training=False):
        linear, _ = super().call(sequence, states, training=training)
        centred = linear - ops.mean(linear, axis=-1, keepdims=True)
        variance = ops.mean(ops.square(centred), axis=-1, keepdims=True)
        normed = centred * ops.rsqrt(variance + self.epsilon) * self.gamma + self.beta
        output = self.norm_activation(normed)
        new_state = [output] if isinstance(states, (list, tuple)) else output
        return output, new_state

    def get_config(self):
        config = super().get_config()
        config["activation"] = keras.activations.serialize(self.norm_activation)
        config["epsilon"] = self.epsilon
        return config


@keras.saving.register_keras_serializable(package=PACKAGE)
class LastStep(keras.layers.Layer):
    """(batch, time, features) -> (batch, features): the last time step, where the forecast
    from the window's last row comes out of a sequence model."""

    def call(self, inputs):
        return inputs[:, -1, :]

    def compute_output_shape(self, input_shape):
        return (input_shape[0], input_shape[-1])


@keras.saving.register_keras_serializable(package=PACKAGE)
def forecast_mae(y_true, y_pred):
    """MAE of the forecast the model is used for: the last time step of a seq2seq output (all
    horizon steps), or the whole output of a vector model. Scaled units. A Gaussian head's
    outputs (..., steps, [mean, scale]) are scored by their mean."""
    if len(y_pred.shape) == len(y_true.shape) + 1:
        y_pred = y_pred[..., 0]
    if len(y_pred.shape) == 3:
        y_true, y_pred = y_true[:, -1, :], y_pred[:, -1, :]
    return ops.mean(ops.abs(ops.subtract(y_true, y_pred)), axis=-1)
