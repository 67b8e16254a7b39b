"""``tsdesk-cli``: the forecasting engine without a window.

Exit codes: 0 success; 2 a user error (one ``error: ...`` line first on stderr, no traceback);
1 an internal bug (traceback written to a log file whose path is printed); 130 interrupted.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import tempfile
import time
import traceback
from datetime import datetime
from pathlib import Path

# Many small matrix products (statsmodels fits) run slower with BLAS worker threads fighting
# over few cores; set before numpy is imported. TensorFlow has its own thread pool.
os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

from tsdesk import __version__  # noqa: E402
from tsdesk.errors import Cancelled, UserError  # noqa: E402

EXIT_OK, EXIT_BUG, EXIT_USER, EXIT_INTERRUPTED = 0, 1, 2, 130


class _Parser(argparse.ArgumentParser):
    def error(self, message: str):  # noqa: D401 - argparse API
        raise UserError(f"{message} (see '{self.prog} --help')")


def build_parser() -> argparse.ArgumentParser:
    p = _Parser(prog="tsdesk-cli", description="Forecast time series from experiment files, without a window.")
    p.add_argument("--version", action="version", version=f"tsdesk {__version__}")
    sub = p.add_subparsers(dest="command", metavar="COMMAND", parser_class=_Parser)
    sub.required = True

    s = sub.add_parser("inspect", help="describe a CSV file: rows, dates, frequency, gaps, columns")
    s.add_argument("file")
    s.add_argument("--date-column", default=None)
    s.add_argument("--json", action="store_true", help="print JSON instead of text")

    s = sub.add_parser("run", help="train and backtest the model an experiment file describes")
    s.add_argument("experiment")
    s.add_argument("--out", required=True, help="output folder (metrics.json, forecasts.csv, model/)")
    s.add_argument("--set", action="append", default=[], metavar="KEY=VALUE",
                   help="override a setting, e.g. model.params.units=64 (repeatable)")
    s.add_argument("--quiet", action="store_true", help="no progress lines")

    s = sub.add_parser("forecast", help="forecast past the last observation with a saved model")
    s.add_argument("model", help="a model folder written by 'run' (DIR/model)")
    s.add_argument("--data", required=True, help="CSV with the history to forecast from")
    s.add_argument("--horizon", type=int, required=True)
    s.add_argument("--levels", default=None, help="interval levels, e.g. 80,95")
    s.add_argument("--date-column", default=None)
    s.add_argument("--out", default=None, help="CSV file to write (default: print)")

    s = sub.add_parser("plugins", help="list installed model families and plugin status")
    s.add_argument("--json", action="store_true")
    return p


def _cmd_inspect(args) -> int:
    from tsdesk.core.csvread import format_inspect, inspect, read_table

    report = inspect(read_table(args.file, date_column=args.date_column))
    print(json.dumps(report, indent=2, default=str) if args.json else format_inspect(report))
    return EXIT_OK


class _Printer:
    """Progress lines on stdout (stderr is kept for the error line), a few per second at most."""

    def __init__(self, quiet: bool) -> None:
        self.quiet = quiet
        self.last = 0.0

    def __call__(self, kind: str, fields: dict) -> None:
        if self.quiet:
            return
        now = time.monotonic()
        if kind == "epoch":
            if now - self.last < 0.2 and fields.get("epoch") != fields.get("epochs"):
                return
            parts = [f"epoch {fields.get('epoch')}/{fields.get('epochs', '?')}"]
            for key in ("loss", "val_loss", "val_mae"):
                if fields.get(key) is not None:
                    parts.append(f"{key} {fields[key]:.4g}")
            line = "  ".join(parts)
        elif kind == "candidate":
            line = "tried " + ", ".join(f"{k} {v}" for k, v in fields.items())
        else:
            line = str(fields.get("message", kind))
        self.last = now
        print(line, flush=True)


def _fmt(x) -> str:
    return "n/a" if x is None else f"{x:.4g}" if abs(x) < 1e4 else f"{x:,.1f}"


def summary_line(run) -> str:
    m = run.metrics
    parts = [f"{run.experiment.family} on '{run.series.target}':",
             f"MAE {_fmt(m['mae'])}", f"RMSE {_fmt(m['rmse'])}", f"MAPE {_fmt(m['mape'])}%",
             f"MASE {_fmt(m['mase'])}"]
    for level, cov in m.get("coverage", {}).items():
        parts.append(f"cover{level} {_fmt(cov)}")
    parts.append(f"({m['n_forecasts']} forecasts, train {m['train_seconds']:.1f}s)")
    return " ".join(parts)


def _cmd_run(args) -> int:
    from tsdesk.core.experiment import load_experiment
    from tsdesk.core.runner import run_experiment
    from tsdesk.plugin_api import Progress

    exp = load_experiment(args.experiment, args.set)
    progress = Progress(_Printer(args.quiet))
    run = run_experiment(exp, progress, out_dir=args.out)
    for note in run.notes:
        print(f"note: {note}")
    print(f"{summary_line(run)} -> {args.out}")
    return EXIT_OK


def _cmd_forecast(args) -> int:
    from tsdesk.core.runner import forecast_from_model

    if args.horizon < 1:
        raise UserError(f"--horizon must be at least 1, got {args.horizon}")
    levels = None
    if args.levels:
        try:
            levels = tuple(int(v) for v in args.levels.split(",") if v.strip())
        except ValueError:
            raise UserError(f"--levels must be whole percentages like 80,95, got {args.levels!r}") from None
        if not all(0 < v < 100 for v in levels):
            raise UserError(f"--levels must be between 0 and 100, got {args.levels!r}")
    result = forecast_from_model(args.model, args.data, args.horizon, levels, args.date_column)
    frame = result.to_frame().drop(columns=["actual"])
    if args.out:
        from tsdesk.core.fileio import atomic_write_text

        atomic_write_text(args.out, frame.to_csv(index=False))
        print(f"{len(frame)} forecasts written to {args.out}")
    else:
        print(frame.to_csv(index=False), end="")
    return EXIT_OK


def _cmd_plugins(args) -> int:
    from tsdesk.plugins import get_host

    host = get_host()
    rows = []
    for info in host.plugins:
        for fam in info.families or [None]:
            family = host.families.get(fam) if fam else None
            rows.append({"family": fam, "title": family.title if family else None,
                         "plugin": info.name, "package": info.package, "version": info.version,
                         "status": info.status, "reason": info.reason})
    if args.json:
        print(json.dumps(rows, indent=2))
    else:
        for r in rows:
            status = r["status"] + (f" ({r['reason']})" if r["reason"] else "")
            print(f"{(r['family'] or '-'):<20} {r['plugin']:<14} {r['package']} {r['version']:<8} {status}")
    return EXIT_OK


COMMANDS = {"inspect": _cmd_inspect, "run": _cmd_run, "forecast": _cmd_forecast, "plugins": _cmd_plugins}


def log_dir() -> Path:
    base = os.environ.get("TSDESK_LOG_DIR")
    return Path(base) if base else Path(tempfile.gettempdir()) / "tsdesk-logs"


def write_crash_log(exc: BaseException) -> Path:
    folder = log_dir()
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"crash-{datetime.now():%Y%m%d-%H%M%S}-{os.getpid()}.log"
    path.write_text(f"tsdesk {__version__}\n{' '.join(sys.argv)}\n\n"
                    + "".join(traceback.format_exception(exc)), encoding="utf-8")
    return path


def main(argv: list[str] | None = None) -> int:
    try:
        args = build_parser().parse_args(argv)
        return COMMANDS[args.command](args)
    except UserError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return EXIT_USER
    except (KeyboardInterrupt, Cancelled):
        print("interrupted", file=sys.stderr)
        return EXIT_INTERRUPTED
    except SystemExit as exc:  # --help / --version
        return int(exc.code or 0) if isinstance(exc.code, int) else 0
    except Exception as exc:  # noqa: BLE001 - a bug: log it, don't dump it on the user
        path = write_crash_log(exc)
        print(f"internal error: {type(exc).__name__}: {exc}\nthis is a bug in tsdesk; details in {path}",
              file=sys.stderr)
        return EXIT_BUG


def _native_stderr_to_log() -> None:
    """Send what native libraries write to file descriptor 2 (TensorFlow's start-up lines) to a
    log file, keeping Python's own stderr on the terminal: a user error's ``error:`` line must be
    the first line there."""
    try:
        folder = log_dir()
        folder.mkdir(parents=True, exist_ok=True)
        log = open(folder / "native-stderr.log", "ab")  # noqa: SIM115 - lives as long as the process
        terminal = os.dup(2)
        sys.stderr.flush()
        os.dup2(log.fileno(), 2)
        sys.stderr = open(terminal, "w", buffering=1, encoding=sys.stderr.encoding or "utf-8",  # noqa: SIM115
                          errors="backslashreplace", closefd=True)
    except OSError:
        pass  # no log folder: keep the chatter rather than fail


def entry() -> None:
    _native_stderr_to_log()
    sys.exit(main())


if __name__ == "__main__":
    entry()
