"""Every Keras family with every multi-step strategy, trained for two epochs on the sample CSV
through the real pipeline (file -> split -> train -> backtest -> outputs), then loaded back from
its model folder and forecast again. No accuracy is asserted: two epochs prove the plumbing."""

from __future__ import annotations

import json

import numpy as np
import pytest

from tsdesk.core.backtest import run_backtest
from tsdesk.core.experiment import experiment_from_dict
from tsdesk.core.runner import load_model, run_experiment

import tsdesk_keras
from tsdesk_keras.params import STRATEGIES

from conftest import RIDERSHIP
from keras_helpers import assert_same_forecasts

H = 3
SMALL = {"window": 14, "max_epochs": 2, "patience": 0, "batch_size": 64, "units": 8, "filters": 8,
         "dilations": [1, 2, 4], "mc_samples": 8}


def experiment(family: str, strategy: str):
    own = {p.name for p in tsdesk_keras.family(family).params}
    params = {k: v for k, v in {**SMALL, "strategy": strategy}.items() if k in own}
    return experiment_from_dict({
        "data": {"path": str(RIDERSHIP), "date_column": "date", "target": "rail",
                 "covariates": ["bus"], "known_future": ["day_type"]},
        "split": {"train": ["2018-01-01", "2018-10-31"], "valid": ["2018-11-01", "2018-12-31"]},
        "model": {"family": family, "params": params, "seed": 3},
        "evaluation": {"horizon": H, "backtest": ["2019-01-01", "2019-01-31"], "levels": [80]},
    }, RIDERSHIP.parent)


@pytest.mark.parametrize("strategy", STRATEGIES)
@pytest.mark.parametrize("family", [f.name for f in tsdesk_keras.FAMILIES])
def test_family_by_strategy_trains_two_epochs_and_reloads(family, strategy, tmp_path):
    out = tmp_path / "run"
    run = run_experiment(experiment(family, strategy), out_dir=out)

    info = run.fitted.info
    assert (info["family"], info["strategy"], info["epochs"]) == (family, strategy, 2)
    assert info["inputs"][:2] == ["rail", "bus"] and any("day_type" in c for c in info["inputs"])
    assert len(info["history"]["loss"]) == 2 and np.isfinite(info["history"]["loss"]).all()
    # 31 backtest days, each forecast from the 3 origins before it
    assert len(run.backtest) == 31 * H and sorted(set(run.backtest.step)) == [1, 2, 3]
    assert np.isfinite(run.backtest.mean).all()
    metrics = json.loads((out / "metrics.json").read_text())
    assert set(metrics["mae_by_horizon"]) == {"1", "2", "3"} and metrics["mae"] > 0
    assert metrics["epochs"] == 2
    # the Bayesian LSTM's own intervals; the others are calibrated on the validation period
    assert metrics["intervals"] == ("bayes_by_backprop" if family == "bayesian_lstm" else "split")

    fitted, meta = load_model(out / "model")
    assert meta["family"] == family and meta["params"]["strategy"] == strategy
    again = run_backtest(fitted, run.series, run.split.bt_start, run.split.bt_stop, H, [], run.params)
    before = run_backtest(run.fitted, run.series, run.split.bt_start, run.split.bt_stop, H, [], run.params)
    assert_same_forecasts(again.mean, before.mean)
