import numpy as np
import pytest

from tsdesk.core.scaling import Scaler
from tsdesk.core.windowing import (direct_targets, gather, seq2seq_targets, window_ends,
                                   window_view)
from tsdesk.errors import UserError


def test_windows_are_views_with_the_right_rows():
    y = np.arange(20.0)
    view = window_view(y, 5)
    assert view.shape == (16, 5, 1)
    assert np.shares_memory(view, y)
    ends = window_ends(0, 20, 5, 3, 20)
    assert ends[0] == 4 and ends[-1] == 16  # targets of the last window: rows 17..19
    X = gather(view, ends, 5)
    assert X[0, :, 0].tolist() == [0, 1, 2, 3, 4]
    assert direct_targets(y, ends, 3)[0].tolist() == [5, 6, 7]
    assert direct_targets(y, ends, 3)[-1].tolist() == [17, 18, 19]


def test_seq2seq_targets_give_the_next_h_values_at_every_step():
    y = np.arange(30.0)
    ends = window_ends(0, 30, 4, 2, 30)
    T = seq2seq_targets(y, ends, 4, 2)
    assert T.shape == (len(ends), 4, 2)
    # window ending at 3 holds rows 0..3; step s (row s) must predict rows s+1, s+2
    assert T[0].tolist() == [[1, 2], [2, 3], [3, 4], [4, 5]]
    last = ends[-1]
    assert T[-1, -1].tolist() == [last + 1, last + 2]
    assert last + 2 == 29


def test_too_short_for_the_window():
    with pytest.raises(UserError, match="the series has 3 rows, fewer than the window of 5"):
        window_view(np.arange(3.0), 5)


def test_scaler_fits_on_given_rows_and_round_trips():
    x = np.array([[1.0, 10.0], [3.0, 30.0], [5.0, 50.0]])
    s = Scaler.fit(x[:2])
    assert s.shift.tolist() == [2.0, 20.0]
    z = s.transform(x)
    assert np.allclose(s.inverse(z[:, 0], 0), x[:, 0])
    s2 = Scaler.from_dict(s.to_dict())
    assert np.allclose(s2.transform(x), z)
    const = Scaler.fit(np.ones((4, 1)))
    assert np.isfinite(const.transform(np.ones(3))).all()
