"""Generate the bundled sample series (fixed seed, so the file is reproducible byte for byte).

``ridership.csv``: daily boardings of an imaginary city's transit system, 2015-2019, in the
shape of the public transit ridership data forecasting courses use: columns ``date``,
``day_type`` (W weekday, A saturday, U sunday or holiday), ``bus`` and ``rail``. Weekly and
yearly seasonality, public holidays, a trend break in mid-2017 and noise; ``bus`` is a related
series that shares the calendar effects.

Run: python resources/make_samples.py
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

SEED = 20190531
HERE = Path(__file__).resolve().parent


def _holidays(years: range) -> set[pd.Timestamp]:
    days = set()
    for y in years:
        days.add(pd.Timestamp(y, 1, 1))
        days.add(pd.Timestamp(y, 7, 4))
        days.add(pd.Timestamp(y, 12, 25))
        # Memorial day (last Monday of May), Labor day (first Monday of September),
        # Thanksgiving (fourth Thursday of November).
        may = pd.date_range(f"{y}-05-01", f"{y}-05-31")
        days.add(may[may.day_of_week == 0][-1])
        sep = pd.date_range(f"{y}-09-01", f"{y}-09-30")
        days.add(sep[sep.day_of_week == 0][0])
        nov = pd.date_range(f"{y}-11-01", f"{y}-11-30")
        days.add(nov[nov.day_of_week == 3][3])
    return days


def ridership(start: str = "2015-01-01", end: str = "2019-12-31", seed: int = SEED) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    dates = pd.date_range(start, end, freq="D")
    n = len(dates)
    holidays = _holidays(range(dates[0].year, dates[-1].year + 1))
    is_holiday = np.array([d in holidays for d in dates])
    dow = dates.day_of_week.to_numpy()
    day_type = np.where(is_holiday | (dow == 6), "U", np.where(dow == 5, "A", "W"))

    t = np.arange(n) / 365.25
    brk = (dates >= pd.Timestamp("2017-07-01")).astype(float)
    t_brk = np.where(brk > 0, t - t[np.argmax(brk)], 0.0)
    level_rail = 780_000 + 12_000 * t - 38_000 * t_brk          # trend turns down mid-2017
    level_bus = 900_000 - 9_000 * t - 25_000 * t_brk
    doy = dates.day_of_year.to_numpy()
    yearly = 0.06 * np.sin(2 * np.pi * (doy - 100) / 365.25) + 0.03 * np.cos(4 * np.pi * doy / 365.25)
    week_factor = {"W": 1.0, "A": 0.58, "U": 0.42}
    wf = np.array([week_factor[d] for d in day_type])
    # Slowly wandering noise (AR(1)) plus daily noise, shared in part by both series.
    ar = np.zeros(n)
    shocks = rng.normal(0, 0.018, n)
    for i in range(1, n):
        ar[i] = 0.8 * ar[i - 1] + shocks[i]
    common = rng.normal(0, 0.02, n)
    rail = level_rail * wf * (1 + yearly + ar + common + rng.normal(0, 0.015, n))
    bus = level_bus * (0.75 + 0.25 * wf) * (1 + 0.7 * yearly + 0.8 * ar + common + rng.normal(0, 0.02, n))
    return pd.DataFrame({"date": dates.strftime("%Y-%m-%d"), "day_type": day_type,
                         "bus": np.round(bus).astype(int), "rail": np.round(rail).astype(int)})


def main() -> None:
    path = HERE / "ridership.csv"
    ridership().to_csv(path, index=False, lineterminator="\n")
    print(f"wrote {path}")


if __name__ == "__main__":
    main()
