"""tsdesk_keras's input layout: rows, known-future leads, targets per strategy, validation split.

Pure numpy: nothing here imports Keras, except the strided Conv1D alignment at the end.
"""

from __future__ import annotations

import subprocess
import sys

import numpy as np
import pandas as pd
import pytest

from tsdesk.core.scaling import Scaler
from tsdesk.core.series import SeriesData
from tsdesk.errors import UserError
from tsdesk_keras import inputs as I


def series(n=60, n_future_rows=5) -> SeriesData:
    t = np.arange(n + n_future_rows)
    dow = np.eye(7)[t % 7]
    return SeriesData(
        index=pd.date_range("2021-01-04", periods=n, freq="D"), freq="D", target="y",
        y=np.arange(n, dtype=float), covariates=["c"], X_cov=(100 + t[:n, None]).astype(float),
        known_future=["dow"], future_features=[f"dow_{i}" for i in range(7)], X_future=dow,
        future_index=pd.date_range("2021-01-04", periods=n + n_future_rows, freq="D")[n:])


def test_descriptor_imports_no_keras():
    code = ("import sys, tsdesk_keras, tsdesk_keras.inputs, tsdesk_keras.params\n"
            "heavy = [m for m in sys.modules if m.split('.')[0] in ('keras', 'tensorflow', 'jax', 'torch')]\n"
            "assert not heavy, heavy\n"
            "assert len(tsdesk_keras.FAMILIES) == 6")
    subprocess.run([sys.executable, "-c", code], check=True)


def test_input_rows_hold_target_covariates_and_known_future_of_the_next_steps():
    data = series()
    scaler = Scaler.fit(data.features(), "none")
    lay = I.InputLayout(window=5, horizon=3, strategy="direct", n_cov=1, n_future=7)
    assert lay.lead == 3 and lay.n_inputs == 1 + 1 + 7 * 4
    rows = I.input_rows(data, scaler, lay, stop=20)
    assert rows.shape == (20, lay.n_inputs) and rows.dtype == np.float32
    s = 10
    assert rows[s, 0] == data.y[s] and rows[s, 1] == data.X_cov[s, 0]
    for j in range(4):  # own row, then t+1 .. t+3
        np.testing.assert_array_equal(rows[s, 2 + 7 * j: 9 + 7 * j], data.X_future[s + j])
    names = lay.column_names(data)
    assert names[:3] == ["y", "c", "dow_0"] and names[-1] == "dow_6(t+3)"


def test_recursive_leads_one_step_and_rows_past_the_file_hold_the_last_value():
    data = series(n=30, n_future_rows=1)
    scaler = Scaler.fit(data.features(), "none")
    lay = I.InputLayout(window=5, horizon=6, strategy="recursive", n_cov=1, n_future=7)
    assert lay.lead == 1 and lay.out_steps == 1
    block = I.known_future_block(data, scaler, lay, 34)  # beyond the 31 rows the file has
    np.testing.assert_array_equal(block[29, 7:], data.X_future[30])
    np.testing.assert_array_equal(block[33, 7:], data.X_future[30])


def test_scaler_uses_training_rows_only():
    data = series()
    scaler = I.fit_scaler(data, 20)
    assert scaler.shift[0] == pytest.approx(np.mean(np.arange(20)))


@pytest.mark.parametrize("strategy", ["recursive", "direct", "seq2seq"])
def test_targets_follow_each_window(strategy):
    y = np.arange(50, dtype=float)
    lay = I.InputLayout(window=6, horizon=3, strategy=strategy, n_cov=0, n_future=0,
                        positions=tuple(range(6)) if strategy == "seq2seq" else ())
    ends = np.array([5, 20, 40])
    tg = I.targets(y, ends, lay)
    if strategy == "recursive":
        np.testing.assert_array_equal(tg, [[6], [21], [41]])
    elif strategy == "direct":
        np.testing.assert_array_equal(tg[1], [21, 22, 23])
    else:
        assert tg.shape == (3, 6, 3)
        np.testing.assert_array_equal(tg[1, 0], [16, 17, 18])  # first step of the window ending at 20
        np.testing.assert_array_equal(tg[1, -1], [21, 22, 23])


def test_seq2seq_targets_follow_the_output_positions():
    y = np.arange(50, dtype=float)
    lay = I.InputLayout(window=9, horizon=2, strategy="seq2seq", n_cov=0, n_future=0,
                        positions=(4, 6, 8))
    tg = I.targets(y, np.array([20]), lay)
    start = 20 - 9 + 1
    np.testing.assert_array_equal(tg[0], [[start + p + 1, start + p + 2] for p in (4, 6, 8)])


def test_validation_windows_reach_back_into_training_rows():
    lay = I.InputLayout(window=10, horizon=4, strategy="direct", n_cov=0, n_future=0)
    ends = I.valid_ends(slice(50, 70), lay, 100)
    assert ends[0] == 49 and ends[-1] == 65  # targets 50..53 up to 66..69


def test_carved_validation_leaves_a_gap_so_targets_never_overlap():
    lay = I.InputLayout(window=10, horizon=4, strategy="seq2seq", n_cov=0, n_future=0,
                        positions=tuple(range(10)))
    ends = I.train_ends(0, 100, lay, 100)
    train, valid = I.carve_validation(ends, lay)
    assert len(valid) == int(np.ceil(0.15 * len(ends)))
    assert train[-1] + lay.horizon < valid[0] + 1  # last training target before the first valid one


def test_too_short_periods_are_user_errors():
    lay = I.InputLayout(window=56, horizon=14, strategy="seq2seq", n_cov=0, n_future=0)
    with pytest.raises(UserError, match=r"the training period has 40 rows, too few for a window "
                                        r"of 56 and a horizon of 14 \(needs at least window \+ "
                                        r"horizon = 70\); shorten the window"):
        I.train_ends(0, 40, lay, 100)
    rec = I.InputLayout(window=56, horizon=14, strategy="recursive", n_cov=0, n_future=0)
    with pytest.raises(UserError, match=r"the recursive strategy needs window \+ 1 = 57"):
        I.train_ends(0, 40, rec, 100)
    with pytest.raises(UserError, match=r"the validation period has 10 rows, too few for a "
                                        r"forecast of 14 step\(s\)"):
        I.valid_ends(slice(80, 90), lay, 100)
    with pytest.raises(UserError, match=r"none are left to train on; .* or give a validation period"):
        I.carve_validation(np.arange(55, 58), lay)
    with pytest.raises(UserError, match=r"the forecast from row 20 needs the 56 rows of its window, "
                                        r"but the data has only 20 up to there; start the backtest "
                                        r"at row 70 or later"):
        I.check_history(np.array([19, 60]), 56, 14)


def test_layout_round_trips_through_json():
    lay = I.InputLayout(window=9, horizon=2, strategy="seq2seq", n_cov=1, n_future=3, positions=(4, 6, 8))
    assert I.InputLayout.from_dict(lay.to_dict()) == lay


@pytest.mark.parametrize("window,first", [(112, 3), (113, 4)])
def test_strided_conv_outputs_align_with_the_books_targets(window, first):
    from tsdesk_keras.architectures import conv_positions

    pos = conv_positions(window, {"kernel_size": 4, "strides": 2})
    # The book crops Y[:, 3::2] for a 112-step window; an odd window drops one leading row.
    np.testing.assert_array_equal(pos, np.arange(first, window, 2))
    assert pos[-1] == window - 1
