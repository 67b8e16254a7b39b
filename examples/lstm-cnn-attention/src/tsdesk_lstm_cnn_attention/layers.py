"""The attention layer, registered so that ``keras.saving.load_model(safe_mode=True)`` rebuilds it.

``keras`` and ``keras.ops`` only (no TensorFlow calls, no Lambda layers), so every Keras backend
runs it and a saved model loads without executing code.
"""

from __future__ import annotations

import keras
from keras import ops

SERIALIZATION_PACKAGE = "tsdesk_lstm_cnn_attention"


@keras.saving.register_keras_serializable(package=SERIALIZATION_PACKAGE)
class BahdanauAttention(keras.layers.Layer):
    """Additive attention (Bahdanau et al., 2015) over a sequence, queried by its last step.

    ``h`` (batch, steps, d) -> ``[context, weights]``: the score of step t is
    ``v . tanh(W1 h_t + W2 h_T + b)`` with ``h_T`` the last step (the LSTM's final state, which
    the forecast is made from); ``weights`` (batch, steps) are the softmax of the scores over the
    steps and ``context`` (batch, d) the weighted sum of the ``h_t``.
    """

    def __init__(self, units: int, **kwargs):
        super().__init__(**kwargs)
        self.units = int(units)

    def build(self, input_shape):
        d = int(input_shape[-1])
        self.w_keys = self.add_weight(shape=(d, self.units), initializer="glorot_uniform", name="w_keys")
        self.w_query = self.add_weight(shape=(d, self.units), initializer="glorot_uniform", name="w_query")
        self.bias = self.add_weight(shape=(self.units,), initializer="zeros", name="bias")
        self.v = self.add_weight(shape=(self.units,), initializer="glorot_uniform", name="v")

    def call(self, h):
        query = ops.matmul(h[:, -1, :], self.w_query)                       # (batch, units)
        hidden = ops.tanh(ops.matmul(h, self.w_keys) + ops.expand_dims(query, 1) + self.bias)
        scores = ops.sum(hidden * self.v, axis=-1)                           # (batch, steps)
        weights = ops.softmax(scores, axis=-1)
        context = ops.sum(ops.expand_dims(weights, -1) * h, axis=1)         # (batch, d)
        return [context, weights]

    def compute_output_shape(self, input_shape):
        return [(input_shape[0], input_shape[-1]), (input_shape[0], input_shape[1])]

    def get_config(self):
        return {**super().get_config(), "units": self.units}
