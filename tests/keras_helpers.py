"""Helpers for tests that run Keras on whichever backend ``KERAS_BACKEND`` names."""

from __future__ import annotations

import keras
import numpy as np

to_numpy = keras.ops.convert_to_numpy  # np.asarray fails on torch tensors that carry gradients


def assert_same_forecasts(a, b) -> None:
    """A model and its saved-and-loaded copy forecast the same numbers: bit for bit on
    TensorFlow; JAX and PyTorch compile the loaded copy apart, and their float32 rounding may
    differ (about 1e-9 to 1e-7 relative, seen), so there within 1e-6."""
    if keras.backend.backend() == "tensorflow":
        np.testing.assert_array_equal(a, b)
    else:
        np.testing.assert_allclose(a, b, rtol=1e-6)
