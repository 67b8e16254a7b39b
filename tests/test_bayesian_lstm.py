"""The Bayesian LSTM (Bayes by Backprop): weight distributions, KL annealing, Monte-Carlo
predictive intervals. Real training on small series for a few epochs."""

from __future__ import annotations

import json
import math

import keras
import numpy as np
import pandas as pd
import pytest
from scipy import stats

from tsdesk.core.backtest import run_backtest
from tsdesk.core.series import SeriesData
from tsdesk.errors import UserError
from tsdesk.plugin_api import Progress, TrainingTask
from tsdesk.plugins import PluginHost

import tsdesk_keras
from tsdesk_keras import architectures as A
from tsdesk_keras import bayes as B
from tsdesk_keras import engine as E
from tsdesk_keras.sampling import central_probs, mixture_quantiles

from keras_helpers import assert_same_forecasts, to_numpy

N = 300
H = 3
BASE = {"window": 14, "units": 8, "max_epochs": 6, "batch_size": 32, "mc_samples": 40}
ORIGINS = np.arange(250, N - 1)


def make_series(n=N, seed=0):
    t = np.arange(n)
    rng = np.random.default_rng(seed)
    y = 20 + 3 * np.sin(2 * np.pi * t / 7) + 0.01 * t + rng.normal(0, 0.5, n)
    return SeriesData(index=pd.date_range("2021-01-04", periods=n, freq="D"), freq="D", target="y", y=y)


def fit(data=None, run_seed=3, progress=None, train=slice(0, 220), valid=slice(220, 250), horizon=H,
        options=None, **params):
    task = TrainingTask(data=data or make_series(), train=train, valid=valid, horizon=horizon,
                        levels=(80, 95), params={**BASE, **params}, seed=run_seed,
                        family="bayesian_lstm", options=options or {})
    return A.train_bayesian_lstm(task, progress or Progress())


@pytest.fixture(scope="module")
def model():
    return fit()


def _ordered(fc):
    lo95, lo80, mean, up80, up95 = fc.lower[95], fc.lower[80], fc.mean, fc.upper[80], fc.upper[95]
    return bool(np.all(lo95 <= lo80) and np.all(lo80 <= mean) and np.all(mean <= up80)
                and np.all(up80 <= up95) and np.all(up95 - lo95 > 0))


# --- the family --------------------------------------------------------------------------------


def test_registered_by_the_keras_plugin_with_intervals_and_the_users_vocabulary():
    host = PluginHost()
    family = host.family("bayesian_lstm")
    assert family.trainer == "tsdesk_keras.architectures:train_bayesian_lstm"
    assert family.loader == "tsdesk_keras.engine:load"
    assert "intervals" in family.capabilities
    names = {p.name for p in family.params}
    assert {"units", "layers", "window", "strategy", "prior_scale", "kl_weight", "kl_anneal_epochs",
            "mc_samples", "optimizer", "learning_rate", "max_epochs", "patience", "seed"} <= names
    assert family.defaults()["optimizer"] == "adam"
    text = " ".join([family.description] + [p.help for p in family.params])
    for words in ("Bayes by Backprop", "KL annealing", "Monte-Carlo", "prior", "reparameterisation"):
        assert words in text, words


def test_forecasts_mean_and_ordered_bounds_from_monte_carlo_passes(model):
    fc = model.forecast(make_series(), ORIGINS, H, [80, 95])
    assert fc.mean.shape == (len(ORIGINS), H) and np.isfinite(fc.mean).all()
    assert _ordered(fc)
    assert model.has_intervals and model.info["intervals"] == "bayes_by_backprop"
    assert model.info["monitor"] == "val_nll" and math.isfinite(model.info["val_nll"])
    json.dumps(model.info)
    data = make_series()
    result = run_backtest(model, data, 250, N, H, (80, 95))
    assert np.abs(result.mean - result.actual).mean() < 2 * data.y[:220].std()


def test_every_level_of_the_calibration_diagram_is_nested(model):
    levels = [10, 20, 30, 40, 50, 60, 70, 80, 90, 95]
    fc = model.forecast(make_series(), ORIGINS, H, levels)
    for a, b in zip(levels, levels[1:]):
        assert np.all(fc.lower[b] <= fc.lower[a]) and np.all(fc.upper[a] <= fc.upper[b])


def random_walk(n=N, seed=0):
    y = 50 + np.cumsum(np.random.default_rng(seed).normal(0, 1.0, n))
    return SeriesData(index=pd.date_range("2021-01-04", periods=n, freq="D"), freq="D", target="y", y=y)


@pytest.mark.parametrize("strategy", ["recursive", "seq2seq"])
def test_recursive_sample_paths_and_seq2seq_give_intervals(strategy):
    fitted = fit(strategy=strategy, max_epochs=2)
    fc = fitted.forecast(make_series(), ORIGINS, H, [80, 95])
    assert fc.mean.shape == (len(ORIGINS), H) and _ordered(fc)


def test_recursive_sample_paths_feed_their_own_draws_back():
    """On a random walk the next value is the last one plus noise: a model that learned that
    and feeds each path its own draws gets wider intervals step by step (about sqrt(k))."""
    data = random_walk()
    fitted = fit(data=data, strategy="recursive", max_epochs=30)  # the noise scale has settled
    fc = fitted.forecast(data, ORIGINS, H, [80])
    width = (fc.upper[80] - fc.lower[80]).mean(axis=0)
    assert width[0] < width[1] < width[2]
    assert width[2] > 1.2 * width[0]


def test_same_seed_same_forecasts_other_seed_other_forecasts():
    data = make_series()
    a, b, c = (fit(run_seed=s, max_epochs=1).forecast(data, ORIGINS, H, [80, 95]) for s in (5, 5, 6))
    for level in (80, 95):
        np.testing.assert_array_equal(a.lower[level], b.lower[level])
        np.testing.assert_array_equal(a.upper[level], b.upper[level])
    np.testing.assert_array_equal(a.mean, b.mean)
    assert not np.array_equal(a.mean, c.mean)


def test_forecasting_twice_gives_the_same_numbers(model):
    data = make_series()
    first = model.forecast(data, ORIGINS, H, [95])
    model.forecast(data, ORIGINS[:3], H, [80])
    again = model.forecast(data, ORIGINS, H, [95])
    np.testing.assert_array_equal(first.mean, again.mean)
    np.testing.assert_array_equal(first.upper[95], again.upper[95])


def test_save_then_load_in_safe_mode_forecasts_identically(model, tmp_path, monkeypatch):
    seen = []
    real = E.keras.saving.load_model
    monkeypatch.setattr(E.keras.saving, "load_model",
                        lambda *a, **kw: seen.append(kw.get("safe_mode")) or real(*a, **kw))
    model.save(tmp_path)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["keras_model.json", "model.keras"]
    loaded = E.load(tmp_path)
    assert seen == [True] and loaded.has_intervals
    data = make_series()
    x, y = model.forecast(data, ORIGINS, H, [80, 95]), loaded.forecast(data, ORIGINS, H, [80, 95])
    same = assert_same_forecasts
    same(x.mean, y.mean)
    for level in (80, 95):
        same(x.lower[level], y.lower[level])
        same(x.upper[level], y.upper[level])
    kinds = {type(layer).__name__ for layer in loaded.model.layers}
    assert {"BayesianLSTM", "GaussianHead"} <= kinds


def test_passes_the_host_contract_kit(tmp_path, monkeypatch):
    from tsdesk.testing import check_family

    monkeypatch.setenv("QT_QPA_PLATFORM", "offscreen")
    check_family(tsdesk_keras.family("bayesian_lstm"), tmp_path,
                 params={"window": 14, "units": 8, "max_epochs": 2, "mc_samples": 20})


# --- data noise and weight uncertainty reach the interval ---------------------------------------


def test_predictive_spread_grows_with_the_noise_of_the_series():
    n = 600
    t = np.arange(n)
    sigma = 0.2 * np.exp(3.0 * t / n)  # the noise grows 20-fold
    y = 5 + sigma * np.random.default_rng(1).normal(size=n)
    data = SeriesData(index=pd.date_range("2020-01-01", periods=n, freq="D"), freq="D", target="y", y=y)
    fitted = fit(data, train=slice(0, 450), valid=slice(450, 520), horizon=1, max_epochs=15,
                 mc_samples=30)
    origins = np.arange(13, n - 1)
    fc = fitted.forecast(data, origins, 1, [80])
    width = (fc.upper[80] - fc.lower[80])[:, 0]
    assert stats.spearmanr(width, sigma[origins + 1]).statistic > 0.5


def test_likelihoods_match_their_densities():
    rng = np.random.default_rng(0)
    y = rng.normal(size=(5, 3)).astype("float32")
    loc = rng.normal(size=(5, 3)).astype("float32")
    scale = rng.uniform(0.5, 2, size=(5, 3)).astype("float32")
    pred = np.stack([loc, scale], axis=-1)
    gauss = np.asarray(B.gaussian_nll(y, pred))
    np.testing.assert_allclose(gauss, -stats.norm.logpdf(y, loc, scale).mean(-1), rtol=1e-5)
    student = np.asarray(B.StudentTNLL(4.0).call(y, pred))
    np.testing.assert_allclose(student, -stats.t.logpdf(y, 4.0, loc, scale).mean(-1), rtol=1e-5)


def test_mixture_quantiles_solve_the_mixture_distribution():
    rng = np.random.default_rng(0)
    locs, scales = rng.normal(size=(50, 7, 2)), rng.uniform(0.2, 2, size=(50, 7, 2))
    probs = [p for pair in central_probs([80, 95]).values() for p in pair]
    assert probs == pytest.approx([0.1, 0.9, 0.025, 0.975])
    for df, dist in ((None, stats.norm), (4.0, stats.t(4.0))):
        q = mixture_quantiles(locs, scales, probs, df=df)
        for i, p in enumerate(probs):
            np.testing.assert_allclose(dist.cdf((q[i] - locs) / scales).mean(axis=0), p, atol=1e-9)
    # passes without noise: the empirical quantiles of the passes
    np.testing.assert_allclose(mixture_quantiles(locs, 0.0, [0.1]), np.quantile(locs, [0.1], axis=0))


# --- the variational layer ----------------------------------------------------------------------


def test_with_vanishing_sigma_the_layer_is_an_lstm_with_the_mean_weights():
    x = np.random.default_rng(0).normal(size=(4, 9, 3)).astype("float32")
    layer = B.BayesianLSTM(5, return_sequences=True, init_sigma=1e-7, seed=1)
    layer.build(x.shape)
    lstm = keras.layers.LSTM(5, return_sequences=True)
    lstm.build(x.shape)
    lstm.set_weights([to_numpy(layer.kernel_mu), to_numpy(layer.recurrent_mu), to_numpy(layer.bias_mu)])
    np.testing.assert_allclose(to_numpy(layer(x)), to_numpy(lstm(x)), atol=1e-5)
    assert to_numpy(layer.bias_mu)[5:10].tolist() == [1.0] * 5  # forget gate bias 1


def test_weights_are_drawn_once_per_pass_not_per_time_step(monkeypatch):
    x = np.repeat(np.random.default_rng(0).normal(size=(1, 12, 2)), 6, axis=0).astype("float32")
    layer = B.BayesianLSTM(4, init_sigma=0.3, seed=2)
    layer.build(x.shape)
    draws = []
    real = keras.random.normal
    monkeypatch.setattr(keras.random, "normal",
                        lambda shape, **kw: draws.append(tuple(shape)) or real(shape, **kw))
    training = to_numpy(layer(x, training=True))
    assert draws == [(2, 16), (4, 16), (16,)]  # kernel, recurrent kernel, bias: 3 draws, 12 steps
    np.testing.assert_allclose(training, np.repeat(training[:1], 6, axis=0), atol=1e-6)  # one per batch
    draws.clear()
    predicting = to_numpy(layer(x, training=False))
    assert [d[0] for d in draws] == [6, 6, 6]  # one draw per row: 6 copies, 6 Monte-Carlo passes
    assert len({tuple(np.round(row, 6)) for row in predicting}) == 6


def test_kl_divergence_is_the_closed_form_and_joins_the_loss():
    layer = B.BayesianLSTM(3, prior_scale=0.5, init_sigma=0.05, seed=4)
    layer.build((None, 5, 2))
    expected = 0.0
    for mu, rho in ((layer.kernel_mu, layer.kernel_rho), (layer.recurrent_mu, layer.recurrent_rho),
                    (layer.bias_mu, layer.bias_rho)):
        m, s = np.asarray(mu, dtype=np.float64), np.log1p(np.exp(np.asarray(rho, dtype=np.float64)))
        expected += np.sum(np.log(0.5 / s) + (s ** 2 + m ** 2) / (2 * 0.25) - 0.5)
    assert float(layer.kl_divergence()) == pytest.approx(expected, rel=1e-4)
    layer.kl_factor.assign(0.01)
    layer(np.zeros((2, 5, 2), dtype="float32"))
    assert [float(v) for v in layer.losses] == pytest.approx([0.01 * expected], rel=1e-4)


def test_kl_annealing_raises_the_weight_linearly_from_zero(monkeypatch):
    cb = B.KLAnnealing(kl_weight=0.5, anneal_epochs=4, n_train=100)
    assert [cb.weight(e) for e in range(6)] == pytest.approx([0, 0.125, 0.25, 0.375, 0.5, 0.5])
    assert B.KLAnnealing(0.5, 0, 100).weight(0) == 0.5
    seen = []
    real = B.KLAnnealing.on_epoch_begin

    def spy(self, epoch, logs=None):
        real(self, epoch, logs)
        seen.append([float(layer.kl_factor.numpy()) for layer in B.bayesian_layers(self.model)])

    monkeypatch.setattr(B.KLAnnealing, "on_epoch_begin", spy)
    fitted = fit(max_epochs=5, kl_weight=0.3, kl_anneal_epochs=3, layers=2)
    n_train = fitted.info["train_windows"]
    assert len(seen) == 5 and all(len(s) == 2 for s in seen)  # both layers, every epoch
    np.testing.assert_allclose(np.array(seen)[:, 0] * n_train, [0, 0.1, 0.2, 0.3, 0.3], rtol=1e-5)


def test_all_monte_carlo_passes_in_one_predict_call(model, monkeypatch):
    calls = []
    real = keras.Model.predict

    def spy(self, x, *args, **kwargs):
        calls.append(x.total if isinstance(x, E._Repeated) else len(x))
        return real(self, x, *args, **kwargs)

    monkeypatch.setattr(keras.Model, "predict", spy)
    model.forecast(make_series(), ORIGINS, H, [80, 95])
    assert calls == [len(ORIGINS) * BASE["mc_samples"]]


def test_mc_dropout_is_refused_for_the_bayesian_lstm():
    with pytest.raises(UserError, match=r"bayesian_lstm draws its weights from their distributions for "
                                        r"its intervals already; intervals = \"mc_dropout\" is for the "
                                        r"other Keras families"):
        fit(max_epochs=1, dropout=0.2, options={"intervals": "mc_dropout"})
