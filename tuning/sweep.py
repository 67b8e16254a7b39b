"""Measure Keras training settings on the sample series, seed by seed, to choose the defaults.

Each *study* is a list of configurations (family, parameters, data columns). Every
configuration is trained and backtested with several seeds through the real pipeline
(``tsdesk.core.runner.run_experiment``: CSV -> split -> train -> backtest 1..14 days ahead over
March-May 2019) and one JSON line per run is appended to ``tuning/results/<study>.jsonl``.
Runs already in the file are skipped, so an interrupted sweep resumes where it stopped.

    python tuning/sweep.py defaults              # run a study (slow: minutes per config)
    python tuning/sweep.py defaults --summary    # the table of a study's results so far
    python tuning/sweep.py --list

The chosen defaults and the figures behind them are in docs/defaults.md.
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
RESULTS = ROOT / "tuning" / "results"
SAMPLE = ROOT / "resources" / "ridership.csv"

# The backtest of the course's daily example: trained on 2015-2018, validated on January and
# February 2019, backtested one to fourteen days ahead from every day of March-May 2019.
BASE = {
    "data": {"path": str(SAMPLE), "date_column": "date", "target": "rail"},
    "split": {"train": ["2015-01-01", "2018-12-31"], "valid": ["2019-01-01", "2019-02-28"]},
    "evaluation": {"horizon": 14, "backtest": ["2019-03-01", "2019-05-31"], "levels": [80, 95]},
}
COVARIATES = {"covariates": ["bus"], "known_future": ["day_type"]}

# The course's training recipe: SGD with momentum 0.9, Huber loss, early stopping on the
# validation MAE with patience 50 (best weights restored), up to 500 epochs, batches of 32.
COURSE = {"optimizer": "sgd", "momentum": 0.9, "loss": "huber", "patience": 50, "max_epochs": 500,
          "batch_size": 32, "reduce_lr_on_plateau": False}

# Candidate training settings for the defaults (everything else at the family's default).
CANDIDATES = {
    "adam-1e-3": {"optimizer": "adam", "learning_rate": 0.001, "reduce_lr_on_plateau": False,
                  "patience": 10, "max_epochs": 100},
    "adam-1e-3-p20-rlrop": {"optimizer": "adam", "learning_rate": 0.001, "reduce_lr_on_plateau": True,
                            "patience": 20, "max_epochs": 200},
    "adam-3e-3-rlrop": {"optimizer": "adam", "learning_rate": 0.003, "reduce_lr_on_plateau": True,
                        "patience": 20, "max_epochs": 200},
    "adam-1e-2-rlrop": {"optimizer": "adam", "learning_rate": 0.01, "reduce_lr_on_plateau": True,
                        "patience": 20, "max_epochs": 200},
}
FAMILIES = {
    "simple_rnn": {"units": 32},
    "lstm_gru": {"units": 32},
    "conv_gru": {"units": 32},
    "wavenet": {},
    "linear": {},
}


def _config(family: str, params: dict, columns: dict | None = None) -> dict:
    return {"family": family, "params": params, "columns": columns or {}}


def study_defaults() -> dict[str, dict]:
    """Each family with each candidate training recipe, on the target alone."""
    return {f"{fam}/{name}": _config(fam, {**own, **recipe})
            for fam, own in FAMILIES.items() for name, recipe in CANDIDATES.items()}


def study_shipped() -> dict[str, dict]:
    """The defaults as shipped: only window, units and columns given (the issue's check)."""
    out = {f"{fam}/target": _config(fam, dict(own)) for fam, own in FAMILIES.items()}
    out.update({f"{fam}/covariates+day_type": _config(fam, dict(own), COVARIATES) for fam, own in FAMILIES.items()})
    out["seasonal_naive"] = _config("seasonal_naive", {"season": 7})
    return out


def study_course() -> dict[str, dict]:
    """The course's settings for its LSTM(32) seq2seq model (inputs: rail, bus, next day type),
    and for comparison the same model with the shipped defaults."""
    lstm = {"cell": "lstm", "units": 32, "strategy": "seq2seq", "window": 56}
    return {
        "lstm_seq2seq/course-sgd-0.1": _config("lstm_gru", {**lstm, **COURSE, "learning_rate": 0.1}, COVARIATES),
        "lstm_seq2seq/course-sgd-0.02": _config("lstm_gru", {**lstm, **COURSE, "learning_rate": 0.02}, COVARIATES),
        "lstm_seq2seq/defaults": _config("lstm_gru", lstm, COVARIATES),
    }


def study_linear() -> dict[str, dict]:
    """The linear model's starting learning rate, with covariates and a day type known ahead
    (window 56 x 47 inputs: 2,632 weights per output step)."""
    return {f"linear/covariates+day_type/lr-{lr}": _config("linear", {"learning_rate": lr}, COVARIATES)
            for lr in (0.01, 0.003, 0.001)}


def study_covariates() -> dict[str, dict]:
    """With covariates and a day type known ahead, LSTM and WaveNet overfit after about ten
    epochs: dropout and a shorter window, against the defaults (study shipped)."""
    out = {}
    for fam in ("lstm_gru", "wavenet", "conv_gru", "simple_rnn"):
        own = FAMILIES[fam]
        out[f"{fam}/covariates+day_type/dropout-0.2"] = _config(fam, {**own, "dropout": 0.2}, COVARIATES)
        out[f"{fam}/covariates+day_type/window-28"] = _config(fam, {**own, "window": 28}, COVARIATES)
    return out


def study_dropout() -> dict[str, dict]:
    """Dropout 0.2 on the target alone: does the cure for covariates hurt without them?"""
    return {f"{fam}/target/dropout-0.2": _config(fam, {**own, "dropout": 0.2}) for fam, own in FAMILIES.items()}


def study_wavenet() -> dict[str, dict]:
    """WaveNet with covariates depends on the seed: a lower learning rate, the gated blocks."""
    return {
        "wavenet/covariates+day_type/lr-0.0003": _config("wavenet", {"learning_rate": 0.0003}, COVARIATES),
        "wavenet/covariates+day_type/gated": _config("wavenet", {"gated": True}, COVARIATES),
        "wavenet/target/gated": _config("wavenet", {"gated": True}),
        "wavenet/target/lr-0.0003": _config("wavenet", {"learning_rate": 0.0003}),
    }


STUDIES = {"defaults": study_defaults, "shipped": study_shipped, "course": study_course,
           "linear": study_linear, "covariates": study_covariates, "dropout": study_dropout,
           "wavenet": study_wavenet}


def experiment(config: dict, seed: int):
    from tsdesk.core.experiment import experiment_from_dict

    raw = json.loads(json.dumps(BASE))
    raw["data"].update(config["columns"])
    raw["model"] = {"family": config["family"], "seed": seed, "params": config["params"]}
    return experiment_from_dict(raw, ROOT, source="sweep")


def run_one(label: str, config: dict, seed: int) -> dict:
    from tsdesk.core.runner import run_experiment

    t0 = time.perf_counter()
    run = run_experiment(experiment(config, seed))
    m = run.metrics
    by_h = m["mae_by_horizon"]
    info = getattr(run.fitted, "info", {}) or {}
    return {"label": label, "seed": seed, "family": config["family"], "params": config["params"],
            "columns": config["columns"], "mae_1": by_h["1"], "mae_14": by_h.get("14"), "mae": m["mae"],
            "coverage_80": m["coverage"].get("80"), "epochs": m.get("epochs"),
            "best_epoch": info.get("best_epoch"), "train_seconds": m["train_seconds"],
            "seconds": round(time.perf_counter() - t0, 2)}


def _done(path: Path) -> set[tuple[str, int]]:
    if not path.exists():
        return set()
    rows = [json.loads(line) for line in path.read_text().splitlines() if line.strip()]
    return {(r["label"], r["seed"]) for r in rows}


def run_study(name: str, seeds: list[int], only: str | None = None) -> None:
    path = RESULTS / f"{name}.jsonl"
    path.parent.mkdir(parents=True, exist_ok=True)
    done = _done(path)
    for label, config in STUDIES[name]().items():
        if only and only not in label:
            continue
        for seed in seeds:
            if (label, seed) in done:
                continue
            row = run_one(label, config, seed)
            with path.open("a") as fh:
                fh.write(json.dumps(row) + "\n")
            print(f"{label:40s} seed {seed}: +1 {row['mae_1']:9,.0f}  +14 {row['mae_14'] or 0:9,.0f}  "
                  f"epochs {row['epochs']}  {row['seconds']:.0f}s", flush=True)
            _clear_keras()


def _clear_keras() -> None:
    if "keras" in sys.modules:
        sys.modules["keras"].backend.clear_session()


def summary(name: str) -> str:
    """A markdown table: per configuration, mean and range of the +1 and +14 MAE over seeds."""
    path = RESULTS / f"{name}.jsonl"
    rows = [json.loads(line) for line in path.read_text().splitlines() if line.strip()]
    groups: dict[str, list[dict]] = {}
    for r in rows:
        groups.setdefault(r["label"], []).append(r)
    lines = ["| configuration | seeds | +1 MAE mean | +1 MAE range | spread | +14 MAE mean | epochs | train s |",
             "|---|---|---|---|---|---|---|---|"]
    for label, rs in groups.items():
        one = [r["mae_1"] for r in rs]
        h14 = [r["mae_14"] for r in rs if r["mae_14"] is not None]
        epochs = [r["epochs"] for r in rs if r["epochs"] is not None]
        spread = (max(one) - min(one)) / statistics.mean(one)
        lines.append(
            f"| {label} | {len(rs)} | {statistics.mean(one):,.0f} | {min(one):,.0f}-{max(one):,.0f} | "
            f"{spread:.0%} | {statistics.mean(h14):,.0f} | "
            f"{statistics.mean(epochs):.0f} | {statistics.mean(r['train_seconds'] for r in rs):.0f} |"
            if h14 and epochs else
            f"| {label} | {len(rs)} | {statistics.mean(one):,.0f} | {min(one):,.0f}-{max(one):,.0f} | "
            f"{spread:.0%} | {statistics.mean(h14) if h14 else float('nan'):,.0f} | - | "
            f"{statistics.mean(r['train_seconds'] for r in rs):.1f} |")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("study", nargs="?", choices=sorted(STUDIES))
    ap.add_argument("--seeds", default="1,2,3", help="comma-separated seeds (default 1,2,3)")
    ap.add_argument("--only", help="run only the configurations whose label contains this text")
    ap.add_argument("--summary", action="store_true", help="print the results table and exit")
    ap.add_argument("--list", action="store_true", help="list the studies and their configurations")
    args = ap.parse_args(argv)
    if args.list or not args.study:
        for name, build in STUDIES.items():
            print(f"{name}: " + ", ".join(build()))
        return 0
    if args.summary:
        print(summary(args.study))
        return 0
    run_study(args.study, [int(s) for s in args.seeds.split(",")], args.only)
    print(summary(args.study))
    return 0


if __name__ == "__main__":
    sys.path.insert(0, str(ROOT))
    raise SystemExit(main())
