"""Loading a 1,000,000-row CSV: tsdesk's checked reader against plain ``pandas.read_csv``.

The file (written to a temporary folder, not timed) has hourly timestamps (``2000-01-01 00:00``),
two numeric columns (``load``, ``temp``) and a categorical one (``day_type``): 38 MB.

- baseline: ``pandas.read_csv(path, parse_dates=["date"])``, what a script would do;
- tsdesk: ``load_series(DatasetSpec(path, target="load"))``, what the app and the CLI call: it
  sniffs the delimiter and encoding, detects the date format, parses and checks every date and
  number, sorts, drops duplicates, infers the frequency, classifies every column and builds the
  gap-free series.

The two are timed alternately (best of N, so a burst of other work on a shared machine does not
decide the figure). ``csv_load`` = tsdesk seconds / pandas seconds (target: <= 1.5).

    python benchmarks/csv_load.py [--quick] [--rows N] [--profile]
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
from pathlib import Path

import numpy as np
import pandas as pd

if __package__ in (None, ""):
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from benchmarks._common import rows, sig, summary, timed  # noqa: E402

ROWS = 1_000_000
TARGET = "load"


def write_csv(path: Path, n: int, seed: int = 0) -> Path:
    """An hourly series of ``n`` rows with two numeric columns and a categorical one."""
    rng = np.random.default_rng(seed)
    index = pd.date_range("2000-01-01", periods=n, freq="h")
    h = np.arange(n)
    frame = pd.DataFrame({
        "date": index.strftime("%Y-%m-%d %H:%M"),
        "load": np.round(100 + 10 * np.sin(2 * np.pi * h / 24) + rng.standard_normal(n), 3),
        "temp": np.round(15 + 8 * np.sin(2 * np.pi * h / 8766) + rng.standard_normal(n), 2),
        "day_type": np.where(index.day_of_week >= 5, "weekend", "workday"),
    })
    frame.to_csv(path, index=False)
    return path


def load_pandas(path: Path) -> pd.DataFrame:
    return pd.read_csv(path, parse_dates=["date"])


def load_tsdesk(path: Path, **columns):
    from tsdesk.core.dataset import DatasetSpec, load_series

    return load_series(DatasetSpec(str(path), target=TARGET, **columns))


def run(quick: bool = False) -> dict:
    n = rows(ROWS)
    repeat = 2 if quick else 5
    with tempfile.TemporaryDirectory(prefix="tsdesk-bench-") as tmp:
        path = write_csv(Path(tmp) / "hourly.csv", n)
        size_mb = path.stat().st_size / 1e6
        # Warm-up (imports, page cache), then alternate so both see the same machine state.
        load_pandas(path)
        load_tsdesk(path)
        t_pandas, t_tsdesk = [], []
        for _ in range(repeat):
            s, frame = timed(lambda: load_pandas(path))
            t_pandas.append(s)
            s, (table, series) = timed(lambda: load_tsdesk(path))
            t_tsdesk.append(s)
        # Same data both ways (a benchmark of a reader that reads wrong would be worthless).
        assert series.n == len(frame) == n, (series.n, len(frame), n)
        assert series.freq == "h", series.freq
        assert np.allclose(series.y, frame[TARGET].to_numpy()), "tsdesk and pandas read different values"
        extra = {}
        if not quick:
            s, _ = timed(lambda: load_tsdesk(path, covariates=["temp"], known_future=["day_type"]))
            extra["tsdesk_seconds_with_covariate_and_category"] = sig(s)
    pandas_s, tsdesk_s = summary(t_pandas), summary(t_tsdesk)
    ratio = tsdesk_s["best"] / pandas_s["best"]
    return {"csv_load": {
        "value": round(ratio, 2), "unit": "x pandas",
        "baseline": sig(pandas_s["best"]), "baseline_unit": "s",
        "tsdesk_seconds": sig(tsdesk_s["best"]),
        "tsdesk_seconds_median": sig(tsdesk_s["median"]),
        "pandas_seconds_median": sig(pandas_s["median"]),
        "ratio_of_medians": round(tsdesk_s["median"] / pandas_s["median"], 2),
        "rows": n, "file_mb": round(size_mb, 1), "runs": repeat,
        "summary": f"tsdesk {tsdesk_s['best']:.3g} s vs pandas {pandas_s['best']:.3g} s for {n:,} rows",
        **extra,
    }}


def profile(n: int, top: int = 30) -> None:
    """cProfile of one ``load_series`` call, tsdesk's own functions first."""
    import cProfile
    import pstats

    with tempfile.TemporaryDirectory(prefix="tsdesk-bench-") as tmp:
        path = write_csv(Path(tmp) / "hourly.csv", n)
        load_tsdesk(path)  # warm-up
        profiler = cProfile.Profile()
        profiler.enable()
        load_tsdesk(path)
        profiler.disable()
    stats = pstats.Stats(profiler)
    print("== cumulative, tsdesk code ==")
    stats.sort_stats("cumulative").print_stats(r"tsdesk/core", top)
    print("== own time, everything ==")
    stats.sort_stats("tottime").print_stats(top)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="best of 2 instead of 5")
    parser.add_argument("--rows", type=int, default=None, help=f"rows in the file (default {ROWS:,})")
    parser.add_argument("--profile", action="store_true", help="profile one tsdesk load instead")
    args = parser.parse_args(argv)
    if args.rows:
        import os

        os.environ["TSDESK_BENCH_ROWS"] = str(args.rows)
    if args.profile:
        profile(rows(ROWS))
        return 0
    print(json.dumps(run(args.quick), indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
