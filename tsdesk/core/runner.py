"""Runs an experiment end to end: load, train, backtest, score, save. Used by CLI and GUI alike."""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from tsdesk.core.backtest import forecast_future, run_backtest, score
from tsdesk.core.conformal import adaptive_conformal, calibration_errors, split_conformal
from tsdesk.core.dataset import DatasetSpec, load_series
from tsdesk.core.experiment import Experiment, Split, resolve_split
from tsdesk.core.fileio import atomic_write_json, atomic_write_text, read_format_json
from tsdesk.core.forecast import ForecastResult
from tsdesk.core.series import SeriesData
from tsdesk.errors import UserError
from tsdesk.plugin_api import FittedModel, ModelFamily, Progress, TrainingTask

MODEL_META = "tsdesk-model.json"
MODEL_FORMAT = "tsdesk-model"
MODEL_FORMAT_VERSION = 1


@dataclass
class RunResult:
    experiment: Experiment
    series: SeriesData
    split: Split
    fitted: FittedModel
    backtest: ForecastResult
    metrics: dict[str, Any]
    params: dict[str, Any]
    notes: list[str] = field(default_factory=list)
    future: ForecastResult | None = None


def prepare(exp: Experiment, family: ModelFamily) -> tuple[SeriesData, Split, dict[str, Any]]:
    """Everything that can be checked before training: data, params, split."""
    spec = DatasetSpec(**{**exp.data.__dict__, "path": str(exp.data_path)})
    params = family.validate_params(exp.params)
    _, series = load_series(spec)
    split = resolve_split(exp, series)
    return series, split, params


def run_experiment(exp: Experiment, progress: Progress | None = None, out_dir: str | Path | None = None,
                   host=None) -> RunResult:
    """Train the experiment's model, backtest it, and (with ``out_dir``) write every output."""
    from tsdesk.plugins import get_host

    progress = progress or Progress()
    host = host or get_host()
    family = host.family(exp.family)
    series, split, params = prepare(exp, family)
    ignored = [c for c, cap in ((series.covariates, "covariates"), (series.known_future, "known_future"))
               if c and cap not in family.capabilities]
    for columns in ignored:
        split.notes.append(f"{family.name} does not use the columns {', '.join(columns)}; they are ignored")
    progress.status(f"loaded {series.n} rows of '{series.target}'; training {family.title}")
    task = TrainingTask(data=series, train=split.train, valid=split.valid, horizon=exp.horizon,
                        levels=exp.levels, params=params, seed=exp.seed, family=family.name,
                        options={"intervals": exp.evaluation_extra.get("intervals", "model")})
    trainer = family.load_trainer()
    t0 = time.perf_counter()
    fitted = trainer(task, progress)
    train_seconds = time.perf_counter() - t0
    progress.check()
    progress.status("backtesting")
    t1 = time.perf_counter()
    result, calibration_pool, conformal_mode = _backtest_with_intervals(
        exp, family, fitted, series, split, params)
    backtest_seconds = time.perf_counter() - t1
    metrics = score(result, series.y[split.train], season=series.season)
    metrics["calibration"] = dict(metrics["coverage"])  # nominal level -> empirical coverage
    for key in ("coverage", "mean_width", "interval_score", "pinball"):
        metrics[key] = {lv: v for lv, v in metrics[key].items() if int(lv) in exp.levels}
    info = getattr(fitted, "info", {}) or {}
    # how the intervals were made: "split"/"adaptive" conformal, the model's own method when it
    # names one ("mc_dropout", "bayes_by_backprop"), else "model"; "none" without intervals
    own = info.get("intervals") if info.get("intervals") not in (None, "none") else "model"
    metrics["intervals"] = conformal_mode or (own if result.levels else "none")
    result = _keep_levels(result, exp.levels)
    metrics["train_seconds"] = round(train_seconds, 4)
    metrics["backtest_seconds"] = round(backtest_seconds, 4)
    if "epochs" in info:
        metrics["epochs"] = info["epochs"]
    run = RunResult(exp, series, split, fitted, result, metrics, params, list(split.notes) + list(series.notes))
    try:
        future = forecast_future(fitted, series, exp.horizon, [] if conformal_mode else exp.levels, params,
                                 uses_known_future="known_future" in family.capabilities)
        if conformal_mode:  # every backtest error is known by the last observation
            pool = {k: np.concatenate([calibration_pool.get(k, np.array([])), e])
                    for k, e in calibration_errors(result).items()}
            future = split_conformal(future, pool, exp.levels)
        run.future = future
    except UserError as exc:  # e.g. known-future values not given past the data
        run.notes.append(f"no forecast past the data: {exc}")
    if out_dir is not None:
        write_outputs(run, Path(out_dir))
    return run


CALIBRATION_LEVELS = (10, 20, 30, 40, 50, 60, 70, 80, 90)


def _keep_levels(result: ForecastResult, levels) -> ForecastResult:
    return ForecastResult(result.timestamp, result.origin, result.step, result.mean, result.actual,
                          {lv: v for lv, v in result.lower.items() if lv in levels},
                          {lv: v for lv, v in result.upper.items() if lv in levels}, result.model, result.params)


def conformal_mode(exp: Experiment, family: ModelFamily, split: Split,
                   fitted: FittedModel | None = None) -> str | None:
    """None (the model's own intervals), "split" or "adaptive".

    ``conformal = "auto"`` (the default) calibrates families that give no intervals of their
    own (neither the "intervals" capability nor a fitted model with ``has_intervals``, e.g. MC
    dropout) whenever there is a valid period; true or "adaptive" ask for it for any family.
    """
    asked = exp.evaluation_extra.get("conformal", "auto")
    if asked == "auto":
        own = "intervals" in family.capabilities or bool(getattr(fitted, "has_intervals", False))
        return "split" if not own and split.valid is not None else None
    if asked is False:
        return None
    if split.valid is None:
        raise UserError("conformal intervals need a valid period to calibrate on; add valid = [start, end] to [split]")
    return "adaptive" if asked == "adaptive" else "split"


def _backtest_with_intervals(exp, family, fitted, series, split, params):
    """The backtest with the requested levels plus 10..90 % for the calibration diagram."""
    mode = conformal_mode(exp, family, split, fitted)
    levels = sorted(set(exp.levels) | set(CALIBRATION_LEVELS))
    if mode is None:
        return run_backtest(fitted, series, split.bt_start, split.bt_stop, exp.horizon, levels, params), {}, None
    calibration = run_backtest(fitted, series, split.valid.start, split.valid.stop, exp.horizon, [], params)
    pool = calibration_errors(calibration)
    raw = run_backtest(fitted, series, split.bt_start, split.bt_stop, exp.horizon, [], params)
    apply = adaptive_conformal if mode == "adaptive" else split_conformal
    return apply(raw, pool, levels), pool, mode


def resolved_experiment(run: RunResult) -> Experiment:
    """The experiment with every default filled in (split dates, params)."""
    dates = run.split.as_dates(run.series.index)
    exp = run.experiment
    return Experiment(
        data=DatasetSpec(**{**exp.data.__dict__, "path": str(exp.data_path.resolve()),
                            "target": run.series.target}),
        family=exp.family, params=run.params, seed=exp.seed,
        train=tuple(dates["train"]), valid=tuple(dates["valid"]) if "valid" in dates else None,
        horizon=exp.horizon, backtest=tuple(dates["backtest"]), levels=exp.levels,
        evaluation_extra=exp.evaluation_extra, base_dir=exp.base_dir)


def write_outputs(run: RunResult, out: Path) -> None:
    out.mkdir(parents=True, exist_ok=True)
    atomic_write_json(out / "metrics.json", run.metrics)
    run.backtest.to_csv(out / "forecasts.csv")
    if run.future is not None:
        run.future.to_csv(out / "future.csv")
    atomic_write_text(out / "experiment.toml", resolved_experiment(run).to_toml())
    save_model(run, out / "model")


def save_model(run: RunResult, folder: Path) -> None:
    """The fitted model's own files plus a JSON description the host needs to load it."""
    folder.mkdir(parents=True, exist_ok=True)
    run.fitted.save(folder)
    s = run.series
    atomic_write_json(folder / MODEL_META, {
        "format": MODEL_FORMAT, "version": MODEL_FORMAT_VERSION, "family": run.experiment.family,
        "params": run.params, "seed": run.experiment.seed, "horizon": run.experiment.horizon,
        "levels": list(run.experiment.levels), "freq": s.freq,
        "data": {"target": s.target, "date_column": run.experiment.data.date_column,
                 "covariates": s.covariates, "known_future": s.known_future,
                 "missing": run.experiment.data.missing, "categories": s.categories,
                 "path": str(run.experiment.data_path.resolve())},
        "trained_on": {"start": str(s.index[run.split.train.start]),
                       "end": str(s.index[(run.split.valid or run.split.train).stop - 1]),
                       "rows": (run.split.valid or run.split.train).stop - run.split.train.start},
        "info": getattr(run.fitted, "info", {}),
    })


def load_model(folder: str | Path, host=None) -> tuple[FittedModel, dict]:
    """Load a model folder written by :func:`save_model`."""
    from tsdesk.plugins import get_host

    folder = Path(folder)
    meta_path = folder / MODEL_META
    if not folder.is_dir():
        raise UserError(f"model folder not found: {folder}")
    if not meta_path.exists():
        raise UserError(f"{folder} is not a tsdesk model folder (no {MODEL_META})")
    meta = read_format_json(meta_path, MODEL_FORMAT, MODEL_FORMAT_VERSION, "tsdesk model")
    host = host or get_host()
    family = host.family(meta["family"])
    fitted = family.load_loader()(folder)
    return fitted, meta


def forecast_from_model(folder: str | Path, data_path: str | Path, horizon: int,
                        levels: tuple[int, ...] | None = None, date_column: str | None = None) -> ForecastResult:
    """What a user finally wants: the next ``horizon`` values after the data, with intervals."""
    from tsdesk.plugins import get_host

    fitted, meta = load_model(folder)
    d = meta["data"]
    spec = DatasetSpec(path=str(data_path), target=d["target"], date_column=date_column or d.get("date_column"),
                       covariates=list(d.get("covariates", [])), known_future=list(d.get("known_future", [])),
                       missing=d.get("missing", "interpolate"))
    _, series = load_series(spec)
    levels = tuple(levels or meta.get("levels") or (80, 95))
    uses = "known_future" in get_host().family(meta["family"]).capabilities
    return forecast_future(fitted, series, horizon, levels, meta.get("params", {}), uses_known_future=uses)
