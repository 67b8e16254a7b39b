"""SARIMA (statsmodels' state-space SARIMAX): the descriptor only, nothing heavy imported.

The trainer and loader live in ``tsdesk_sarima.model``, which imports statsmodels when a user
trains or loads a model.
"""

from tsdesk.plugin_api import ModelFamily, Param, hookimpl

_MODEL = "Model"
_AUTO = "Auto search"
_BACKTEST = "Rolling forecast"

PARAMS = (
    Param("order", "ints", [1, 0, 0], length=3, min=0, max=60, group=_MODEL, label="order (p, d, q)",
          help="[p, d, q]. p: autoregressive order, how many past values enter (where the PACF cuts "
               "off); d: differences, 1 removes a trend; q: moving-average order, how many past "
               "errors enter (where the ACF cuts off). The book's daily rail model: [1, 0, 0]."),
    Param("seasonal_order", "ints", [0, 1, 1, 0], length=4, min=0, max=1000, group=_MODEL,
          label="seasonal order (P, D, Q, s)",
          help="[P, D, Q, s]: the same terms at multiples of the season s. D = 1 subtracts the value "
               "one season ago (y(t) - y(t-s)); Q = 1 corrects with last season's error. s = 0: the "
               "season of the data's frequency (7 for daily data). The book's model: [0, 1, 1, 7]."),
    Param("trend", "choice", "n", choices=("n", "c", "t", "ct"), group=_MODEL,
          help="Deterministic trend: n none, c constant (a drift when d = 1), t linear in time, "
               "ct both."),
    Param("initialization", "choice", "approximate_diffuse", choices=("approximate_diffuse", "exact_diffuse"),
          group=_MODEL, label="initialisation",
          help="How the model starts before it has seen any data. approximate_diffuse (the default, "
               "as statsmodels' ARIMA and SARIMAX do it): the unknown starting level gets a large but "
               "finite uncertainty and the first d + D*s values are left out of the fit; this "
               "reproduces results published with statsmodels. exact_diffuse: the starting level is "
               "treated as completely unknown. It can be more accurate for large-valued series (in the "
               "hundreds of thousands, say), where the default's \"large\" uncertainty is not large "
               "enough and slightly bends the first forecasts and the estimates."),
    Param("auto", "bool", False, group=_AUTO, label="auto search (stepwise)",
          help="Choose the orders automatically, like auto.arima: d and D from differencing "
               "tests, then p, q, P, Q step by step while the criterion improves. Keeps s."),
    Param("criterion", "choice", "aicc", choices=("aic", "aicc", "bic"), group=_AUTO,
          help="Information criterion the auto search minimises."),
    Param("max_p", "int", 5, min=0, max=20, group=_AUTO, help="Largest p the auto search tries."),
    Param("max_q", "int", 5, min=0, max=20, group=_AUTO, help="Largest q the auto search tries."),
    Param("max_P", "int", 2, min=0, max=5, group=_AUTO, help="Largest P the auto search tries."),
    Param("max_Q", "int", 2, min=0, max=5, group=_AUTO, help="Largest Q the auto search tries."),
    Param("max_d", "int", 2, min=0, max=2, group=_AUTO, help="Most differences (d) the auto search allows."),
    Param("max_D", "int", 1, min=0, max=2, group=_AUTO,
          help="Most seasonal differences (D) the auto search allows."),
    Param("refit_every", "int", 0, min=0, max=100000, group=_BACKTEST, label="refit every k origins",
          help="0: estimate once on the training rows, then roll forward with those parameters "
               "fixed (one filtering pass, fast). k > 0: re-estimate every k forecast origins on "
               "all data from the start of the training period up to the origin, like the classic "
               "loop that refits every day (slow)."),
)

FAMILY = ModelFamily(
    name="sarima",
    title="SARIMA",
    description="Seasonal ARIMA (statsmodels SARIMAX): autoregressive, differencing and moving-"
                "average terms plus the same at the season's lags. Rolling forecasts with fixed "
                "parameters take one filtering pass; intervals from the state-space forecast "
                "variance. Known-future columns enter as regressors.",
    params=PARAMS,
    trainer="tsdesk_sarima.model:train",
    loader="tsdesk_sarima.model:load",
    capabilities=frozenset({"intervals", "known_future", "multi_horizon", "fast_backtest"}),
    param_groups=(_MODEL, _AUTO, _BACKTEST),
)


@hookimpl
def tsdesk_register_model_families(registry):
    registry.add(FAMILY)
