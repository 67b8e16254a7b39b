"""A contract check for model-family plugins, for authors to run in their own tests.

```python
from tsdesk.testing import check_family
from my_plugin import FAMILY

def test_contract(tmp_path):
    check_family(FAMILY, tmp_path, params={"max_epochs": 2})
```

Each check raises ``AssertionError`` naming the family and what is wrong. The checks train for
real on a small generated series, so a family's tests prove the same path the app takes.
"""

from __future__ import annotations

import keyword
import tempfile
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from tsdesk.core.backtest import forecast_future, run_backtest
from tsdesk.core.series import SeriesData
from tsdesk.errors import Cancelled, UserError
from tsdesk.plugin_api import API_VERSION, ModelFamily, Progress, TrainingTask, resolve


def tiny_series(n: int = 240, seed: int = 0, with_inputs: bool = False) -> SeriesData:
    """A daily series with a weekly pattern and noise; optionally a covariate and a day type."""
    rng = np.random.default_rng(seed)
    idx = pd.date_range("2022-01-01", periods=n, freq="D")
    weekly = 10 * np.sin(2 * np.pi * np.arange(n) / 7)
    y = 100 + weekly + 0.02 * np.arange(n) + rng.normal(0, 1, n)
    if not with_inputs:
        return SeriesData(index=idx, freq="D", target="y", y=y)
    weekend = (idx.day_of_week >= 5).astype(float)
    future_rows = 14
    weekend_all = np.concatenate([weekend, ((pd.date_range(idx[-1] + pd.Timedelta(days=1), periods=future_rows,
                                                          freq="D").day_of_week >= 5).astype(float))])
    return SeriesData(index=idx, freq="D", target="y", y=y, covariates=["x"],
                      X_cov=(y + rng.normal(0, 2, n))[:, None], known_future=["day_type"],
                      future_features=["day_type=weekend"], X_future=weekend_all[:, None],
                      future_index=pd.date_range(idx[-1] + pd.Timedelta(days=1), periods=future_rows, freq="D"),
                      categories={"day_type": ["weekday", "weekend"]})


def _fail(family: ModelFamily, message: str) -> None:
    raise AssertionError(f"family '{family.name}': {message}")


def check_descriptor(family: ModelFamily) -> None:
    """Names, texts, import paths and parameter schema are complete and consistent."""
    if not family.name.isidentifier() or keyword.iskeyword(family.name) or family.name != family.name.lower():
        _fail(family, "name must be a lower-case Python identifier such as 'my_model'")
    for attr in ("title", "description"):
        if not getattr(family, attr).strip():
            _fail(family, f"{attr} is empty")
    if family.api_version != API_VERSION:
        _fail(family, f"declares api_version {family.api_version}; this tsdesk provides {API_VERSION}")
    for attr in ("trainer", "loader") + (("renderer",) if family.renderer else ()):
        path = getattr(family, attr)
        try:
            obj = resolve(path)
        except Exception as exc:  # noqa: BLE001 - report any import failure as a contract failure
            _fail(family, f"{attr} '{path}' does not import: {type(exc).__name__}: {exc}")
        if not callable(obj):
            _fail(family, f"{attr} '{path}' is not callable")
    for p in family.params:
        if not p.help.strip():
            _fail(family, f"parameter '{p.name}' has no help text (it becomes the form's tooltip)")
        if not (p.default is None and p.optional):
            try:
                p.validate(p.default, family.name)
            except UserError as exc:
                _fail(family, f"default of parameter '{p.name}' is invalid: {exc}")


def check_bad_params(family: ModelFamily) -> None:
    """Out-of-range numbers, unknown choices and unknown names are user errors."""
    bad: list[tuple[str, Any]] = [("no_such_parameter_xyz", 1)]
    for p in family.params:
        if p.type in ("int", "float") and p.min is not None:
            bad.append((p.name, p.min - 1))
        if p.type in ("int", "float") and p.max is not None:
            bad.append((p.name, p.max + 1))
        if p.type in ("int", "float", "ints"):
            bad.append((p.name, "not a number"))
        if p.type == "choice":
            bad.append((p.name, "no-such-choice"))
    for name, value in bad:
        try:
            family.validate_params({name: value})
        except UserError as exc:
            if name not in str(exc):
                _fail(family, f"the error for {name}={value!r} does not name the parameter: {exc}")
            continue
        _fail(family, f"{name}={value!r} was accepted; it should be a UserError")


def check_form(family: ModelFamily) -> None:
    """The GUI's generated form builds from the schema (skipped when the family has its own)."""
    if family.form:
        resolve(family.form)
        return
    from PySide6.QtWidgets import QApplication

    from tsdesk.gui.param_form import ParamForm

    app = QApplication.instance() or QApplication([])
    form = ParamForm(family)
    values = form.values()
    if set(values) != {p.name for p in family.params}:
        _fail(family, f"the form returns {sorted(values)}, expected {sorted(p.name for p in family.params)}")
    family.validate_params(values)
    form.deleteLater()
    del app


def _task(family: ModelFamily, data: SeriesData, params: dict, horizon: int) -> TrainingTask:
    n = data.n
    return TrainingTask(data=data, train=slice(0, int(n * 0.6)), valid=slice(int(n * 0.6), int(n * 0.8)),
                        horizon=horizon, levels=(80, 95), params=family.validate_params(params), seed=7,
                        family=family.name)


def check_training(family: ModelFamily, folder: Path, params: dict | None = None, horizon: int = 3,
                   data: SeriesData | None = None) -> None:
    """Trains, reports progress, backtests without leakage, saves, loads and forecasts alike."""
    data = data or tiny_series(with_inputs="known_future" in family.capabilities)
    params = dict(params or {})
    events: list[str] = []
    progress = Progress(lambda kind, fields: events.append(kind))
    fitted = family.load_trainer()(_task(family, data, params, horizon), progress)
    if not events:
        _fail(family, "training reported no progress (call progress.report or progress.status)")
    if fitted.family != family.name:
        _fail(family, f"the fitted model says family '{fitted.family}'")
    start, stop = int(data.n * 0.8), data.n
    result = run_backtest(fitted, data, start, stop, horizon, (80, 95))
    if not np.isfinite(result.mean).all():
        _fail(family, "backtest forecasts contain NaN or infinity")
    if "intervals" in family.capabilities:
        for level in (80, 95):
            if level not in result.lower or not (result.lower[level] <= result.upper[level]).all():
                _fail(family, f"declares intervals but gives no valid {level}% bounds")
    # No leakage: values after an origin must not change that origin's forecast.
    origin = start + 5
    changed = SeriesData(**{**data.__dict__, "y": np.where(np.arange(data.n) > origin, data.y * 3 + 50, data.y)})
    a = fitted.forecast(data, np.array([origin]), horizon, [80])
    b = fitted.forecast(changed, np.array([origin]), horizon, [80])
    if not np.allclose(a.mean, b.mean, rtol=1e-6, atol=1e-6):
        _fail(family, "a forecast changed when data after its origin changed (it looks ahead)")
    fitted.save(folder)
    for path in Path(folder).rglob("*"):
        if path.suffix in (".pkl", ".pickle", ".joblib"):
            _fail(family, f"saved a Python object file {path.name}; use JSON, CSV, NPZ or .keras")
    loaded = family.load_loader()(Path(folder))
    x = fitted.forecast(data, np.arange(start, start + 10), horizon, [80, 95])
    y = loaded.forecast(data, np.arange(start, start + 10), horizon, [80, 95])
    if not np.allclose(x.mean, y.mean, rtol=1e-5, atol=1e-6):
        _fail(family, "forecasts after save -> load differ from the original model's")
    future = forecast_future(fitted, data, horizon, (80, 95))
    if len(future) != horizon:
        _fail(family, f"forecast past the data gave {len(future)} rows, expected {horizon}")


def check_cancel(family: ModelFamily, params: dict | None = None, data: SeriesData | None = None) -> None:
    """A cancel requested at the first progress report stops training with ``Cancelled``."""
    data = data or tiny_series(with_inputs="known_future" in family.capabilities)
    progress = Progress(lambda kind, fields: progress.cancel())  # cancel as soon as it reports
    try:
        family.load_trainer()(_task(family, data, dict(params or {}), 1), progress)
    except Cancelled:
        return
    _fail(family, "training finished although cancel was requested at its first progress report")


def check_family(family: ModelFamily, folder: str | Path | None = None, params: dict | None = None,
                 horizon: int = 3, form: bool = True) -> None:
    """Run every contract check; ``params`` keep training short (e.g. {"max_epochs": 2})."""
    check_descriptor(family)
    check_bad_params(family)
    if form:
        check_form(family)
    if folder is None:
        with tempfile.TemporaryDirectory() as tmp:
            check_training(family, Path(tmp), params, horizon)
    else:
        check_training(family, Path(folder), params, horizon)
    check_cancel(family, params)
