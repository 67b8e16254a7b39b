"""Naive and seasonal-naive baselines: the forecasts every other model must beat."""

from tsdesk.plugin_api import ModelFamily, Param, hookimpl

_LOADER = "tsdesk_baselines.model:load"


@hookimpl
def tsdesk_register_model_families(registry):
    registry.add(ModelFamily(
        name="naive",
        title="Naive",
        description="Tomorrow equals today: repeats the last observed value. Intervals from the "
                    "empirical quantiles of its past errors.",
        params=(),
        trainer="tsdesk_baselines.model:train_naive",
        loader=_LOADER,
        capabilities=frozenset({"intervals", "multi_horizon", "fast_backtest"}),
    ))
    registry.add(ModelFamily(
        name="seasonal_naive",
        title="Seasonal naive",
        description="Repeats the value one season ago (last week's same day for daily data). "
                    "Intervals from the empirical quantiles of its past errors.",
        params=(
            Param("season", "int", None, optional=True, min=1, max=10000,
                  help="Season length in steps: 7 for daily data with a weekly pattern, 12 for "
                       "monthly data. Empty: from the data's frequency.",
                  auto_text="from the frequency"),
        ),
        trainer="tsdesk_baselines.model:train_seasonal_naive",
        loader=_LOADER,
        capabilities=frozenset({"intervals", "multi_horizon", "fast_backtest"}),
    ))
