"""Run tsdesk's benchmarks, each against the baseline people would otherwise use, side by side.

    python benchmarks/run.py [--quick] [--json] [--only NAME,...] [--rows N] [--timeout S] [--strict]

Every benchmark is a module ``benchmarks/<name>.py`` with ``run(quick: bool) -> dict`` returning
``{name: {"value": x, "unit": "...", "baseline": y, ...extra}}``; it times tsdesk and its
baseline in the same process. Each runs here in its own subprocess (``run.py --only NAME
--json`` with an internal flag), so one benchmark's imports (TensorFlow, Qt) and threads do not
skew another's timings, and under a timeout, so a hung one is reported instead of hanging the
table. A module that is missing, fails to import, raises, crashes or times out becomes an error
entry; the others still run.

Output: a table (name, value, baseline, target, pass/fail) or, with ``--json``, one JSON object
``{name: {"value": x, "unit": "...", "baseline": y, "target": "...", "status": "...", ...}}``.
Exit status: 0, or 1 when a benchmark errored (or, with ``--strict``, missed its target);
2 for a usage error such as an unknown benchmark name.

``TSDESK_BENCH_EXTRA=DIR[:DIR...]`` adds the ``*.py`` modules of those folders as extra
benchmarks (the harness tests use it); ``--rows N`` shrinks the size-driven benchmarks.
"""

from __future__ import annotations

import argparse
import importlib
import importlib.util
import json
import math
import os
import signal
import subprocess
import sys
import tempfile
import time
import traceback
from dataclasses import dataclass
from pathlib import Path

BENCH_DIR = Path(__file__).resolve().parent
ROOT = BENCH_DIR.parent
# Import the modules as ``benchmarks.<name>`` from the repository root, never as top-level
# names from this folder (where ``gpu`` or ``startup`` could shadow an installed package).
sys.path[:] = [p for p in sys.path if Path(p or ".").resolve() != BENCH_DIR]
sys.path.insert(0, str(ROOT))

EXTRA_ENV = "TSDESK_BENCH_EXTRA"
ROWS_ENV = "TSDESK_BENCH_ROWS"


@dataclass(frozen=True)
class Target:
    op: str                     # "<=" (lower is better) or ">="
    limit: float
    unit: str = ""
    worst: float | None = None  # still acceptable, though not the goal ("near")

    def text(self) -> str:
        unit = f" {self.unit}" if self.unit else ""
        worst = f" ({self.worst:g}{unit} at worst)" if self.worst is not None else ""
        return f"{self.op} {self.limit:g}{unit}{worst}"

    def status(self, value: float) -> str:
        def ok(limit: float) -> bool:
            return value <= limit if self.op == "<=" else value >= limit

        if ok(self.limit):
            return "pass"
        if self.worst is not None and ok(self.worst):
            return "near"
        return "FAIL"


# name -> (what it measures, target); the order is the table's order.
BENCHMARKS: dict[str, tuple[str, Target | None]] = {
    "startup": ("seconds from launching `tsdesk --demo` to the main window visible",
                Target("<=", 1.0, "s", worst=2.0)),
    "ui_stall": ("worst gap between 10 ms GUI timer ticks while a Keras model trains",
                 Target("<=", 100, "ms")),
    "plot_pan": ("median ms per redraw panning a 1,000,000-point series", Target("<=", 50, "ms")),
    "csv_load": ("reading + validating a 1,000,000-row CSV, as a multiple of pandas.read_csv",
                 Target("<=", 1.5, "x")),
    "train_ratio": ("course tf.data pipeline seconds per epoch / tsdesk's", Target(">=", 1.5, "x")),
    "sarima_ratio": ("classic refit-every-day SARIMA loop seconds / tsdesk's", Target(">=", 20, "x")),
    "gpu": ("LSTM(32) training windows/s on the GPU vs the CPU (only with a GPU)", None),
}
TARGETS = {name: target for name, (_, target) in BENCHMARKS.items()}

# What "baseline" is counted in, for modules that do not say (``baseline_unit``): the ratios'
# baselines are the baseline's own seconds.
BASELINE_UNITS = {"csv_load": "s", "train_ratio": "s/epoch", "sarima_ratio": "s"}

# Seconds each benchmark's subprocess may take: (--quick, full).
TIMEOUTS = {"startup": (120, 300), "ui_stall": (180, 600), "plot_pan": (120, 600),
            "csv_load": (150, 600), "train_ratio": (300, 1800), "sarima_ratio": (180, 900),
            "gpu": (180, 900)}
DEFAULT_TIMEOUT = (180, 900)


# --------------------------------------------------------------------------------------------
# Finding the modules


def extra_dirs() -> list[Path]:
    value = os.environ.get(EXTRA_ENV, "")
    return [Path(p) for p in value.split(os.pathsep) if p.strip()]


def known_names() -> list[str]:
    names = list(BENCHMARKS)
    for folder in extra_dirs():
        for path in sorted(folder.glob("*.py")):
            if not path.stem.startswith("_") and path.stem not in names:
                names.append(path.stem)
    return names


def module_path(name: str) -> Path | None:
    for folder in [*extra_dirs(), BENCH_DIR]:
        path = folder / f"{name}.py"
        if path.is_file():
            return path
    return None


def load_module(name: str):
    path = module_path(name)
    if path is None:
        raise ModuleNotFoundError(f"benchmarks/{name}.py does not exist (yet)")
    if path.parent == BENCH_DIR:
        return importlib.import_module(f"benchmarks.{name}")
    spec = importlib.util.spec_from_file_location(f"tsdesk_bench_extra_{name}", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


# --------------------------------------------------------------------------------------------
# Results


def error_entry(message: str, **extra) -> dict:
    return {"value": None, "unit": "", "baseline": None, "error": message, **extra}


def normalise(name: str, result) -> dict:
    """A module's return value checked: ``{name: entry}`` with value/unit/baseline in each."""
    if not isinstance(result, dict) or not result:
        return {name: error_entry(f"run() returned {type(result).__name__}, not a dict of results")}
    out = {}
    for key, entry in result.items():
        if not isinstance(entry, dict):
            out[str(key)] = error_entry(f"result {key!r} is a {type(entry).__name__}, not a dict")
            continue
        missing = [k for k in ("value", "unit", "baseline") if k not in entry]
        if missing and "skipped" not in entry and "error" not in entry:
            out[str(key)] = error_entry(f"result {key!r} lacks {', '.join(missing)}", result=entry)
            continue
        out[str(key)] = {"value": entry.get("value"), "unit": entry.get("unit", ""),
                         "baseline": entry.get("baseline"), **entry}
    return out


def run_in_process(name: str, quick: bool) -> dict:
    """Import and run one benchmark here; any failure becomes an error entry."""
    if module_path(name) is None:
        return {name: error_entry(f"not implemented yet: benchmarks/{name}.py does not exist")}
    try:
        module = load_module(name)
    except Exception as exc:  # noqa: BLE001 - reported, not raised
        return {name: error_entry(f"import failed: {type(exc).__name__}: {exc}",
                                  traceback=traceback.format_exc(limit=-3))}
    fn = getattr(module, "run", None)
    if not callable(fn):
        return {name: error_entry(f"benchmarks/{name}.py has no run(quick) function")}
    try:
        result = fn(quick)
    except Exception as exc:  # noqa: BLE001
        return {name: error_entry(f"{type(exc).__name__}: {exc}", traceback=traceback.format_exc(limit=-3))}
    return normalise(name, result)


def _json_default(obj):
    try:
        import numpy as np

        if isinstance(obj, np.generic):
            return obj.item()
        if isinstance(obj, np.ndarray):
            return obj.tolist()
    except ImportError:
        pass
    return str(obj)


def _finite(x) -> bool:
    return isinstance(x, (int, float)) and not isinstance(x, bool) and math.isfinite(x)


def judge(name: str, entry: dict) -> dict:
    """Add ``target`` and ``status`` (pass / near / FAIL / error / skipped / -)."""
    target = TARGETS.get(name)
    entry["target"] = target.text() if target else None
    if entry.get("error"):
        entry["status"] = "error"
    elif entry.get("skipped"):
        entry["status"] = "skipped"
    elif target is None:
        entry["status"] = "-"
    elif not _finite(entry.get("value")):
        entry["status"] = "error"
        entry["error"] = f"value {entry.get('value')!r} is not a number"
    else:
        entry["status"] = target.status(float(entry["value"]))
    return entry


def _tail(text: str, lines: int = 15) -> str:
    return "\n".join(text.strip().splitlines()[-lines:])


def run_subprocess(name: str, quick: bool, timeout: float, verbose: bool = False) -> dict:
    """Run one benchmark in a fresh interpreter (this script, ``--only NAME --json``)."""
    with tempfile.TemporaryDirectory(prefix="tsdesk-bench-") as tmp:
        output = Path(tmp) / "result.json"
        cmd = [sys.executable, str(Path(__file__).resolve()), "--only", name, "--json",
               "--child-output", str(output)] + (["--quick"] if quick else [])
        env = {**os.environ, "TF_CPP_MIN_LOG_LEVEL": os.environ.get("TF_CPP_MIN_LOG_LEVEL", "2"),
               "PYTHONUNBUFFERED": "1"}
        load = os.getloadavg()[0] if hasattr(os, "getloadavg") else None
        started = time.perf_counter()
        proc = subprocess.Popen(cmd, cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                                text=True, start_new_session=True)
        try:
            out, err = proc.communicate(timeout=timeout)
        except subprocess.TimeoutExpired:
            _kill_group(proc)
            out, err = proc.communicate()
            return {name: error_entry(f"timed out after {timeout:g} s", seconds=round(time.perf_counter() - started, 1),
                                      detail=_tail(err))}
        elapsed = round(time.perf_counter() - started, 1)
        if verbose and (out.strip() or err.strip()):
            sys.stderr.write(_tail(out + "\n" + err, 40) + "\n")
        if output.is_file():
            try:
                results = json.loads(output.read_text())
            except ValueError as exc:
                results = {name: error_entry(f"unreadable result: {exc}")}
        else:
            what = f"signal {-proc.returncode}" if proc.returncode < 0 else f"exit status {proc.returncode}"
            results = {name: error_entry(f"benchmark process died ({what}) without a result",
                                         detail=_tail(err))}
        for entry in results.values():
            entry.setdefault("seconds", elapsed)
            if load is not None:
                entry.setdefault("loadavg_at_start", round(load, 2))  # others' work on the machine
        return results


def _kill_group(proc: subprocess.Popen) -> None:
    """Stop the benchmark's process group (it may have started the app or a virtual screen)."""
    try:
        os.killpg(proc.pid, signal.SIGTERM)
        proc.wait(timeout=5)
    except (ProcessLookupError, subprocess.TimeoutExpired):
        try:
            os.killpg(proc.pid, signal.SIGKILL)
        except ProcessLookupError:
            pass


# --------------------------------------------------------------------------------------------
# Output


def _fmt(x, unit: str = "") -> str:
    if x is None:
        return ""
    if isinstance(x, float):
        text = f"{x:,.3g}" if abs(x) < 10 else f"{x:,.1f}" if abs(x) < 1000 else f"{x:,.0f}"
    else:
        text = str(x)
    return f"{text} {unit}".strip()


def table(results: dict) -> str:
    rows = [("benchmark", "value", "baseline", "target", "result", "notes")]
    for name, e in results.items():
        note = e.get("error") or (f"skipped: {e['skipped']}" if e.get("skipped") else "") or e.get("summary", "")
        rows.append((name, _fmt(e.get("value"), e.get("unit", "")),
                     _fmt(e.get("baseline"), e.get("baseline_unit", BASELINE_UNITS.get(name, e.get("unit", "")))),
                     e.get("target") or "", e.get("status", ""), note))
    widths = [max(len(r[i]) for r in rows) for i in range(5)]
    lines = []
    for k, r in enumerate(rows):
        lines.append("  ".join(c.ljust(w) for c, w in zip(r[:5], widths)) + "  " + r[5])
        if k == 0:
            lines.append("  ".join("-" * w for w in widths) + "  " + "-" * 5)
    return "\n".join(line.rstrip() for line in lines)


def machine_line() -> str:
    from benchmarks._common import machine

    m = machine()
    return (f"{m['nproc']} cores ({m['cpu']}), {m['ram_gib']} GiB RAM, Python {m['python']}, "
            f"Qt {m['Qt']}, pyqtgraph {m['pyqtgraph']}, pandas {m['pandas']}, keras {m['keras']} "
            f"({m['keras backend']})" + (f", GPU: {'; '.join(m['gpus'])}" if m["gpus"] else ", no GPU"))


# --------------------------------------------------------------------------------------------
# Command line


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="benchmarks/run.py", description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="the short version of each benchmark")
    parser.add_argument("--json", action="store_true", help="print JSON instead of a table")
    parser.add_argument("--only", metavar="NAME,...", help="run only these benchmarks")
    parser.add_argument("--rows", type=int, metavar="N",
                        help="shrink csv_load's rows and plot_pan's points to N (tests, smoke runs)")
    parser.add_argument("--timeout", type=float, metavar="S", help="seconds allowed per benchmark")
    parser.add_argument("--strict", action="store_true", help="exit 1 when a target is missed too")
    parser.add_argument("-v", "--verbose", action="store_true", help="show each benchmark's own output")
    parser.add_argument("--list", action="store_true", help="list the benchmarks and exit")
    parser.add_argument("--child-output", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    names = known_names()
    if args.only:
        wanted = [n.strip() for n in args.only.split(",") if n.strip()]
        unknown = [n for n in wanted if n not in names]
        if unknown:
            parser.error(f"unknown benchmark {', '.join(map(repr, unknown))}; known: {', '.join(names)}")
        args.names = list(dict.fromkeys(wanted))
    else:
        args.names = names
    if args.rows is not None and args.rows < 100:
        parser.error("--rows must be at least 100")
    if args.child_output and len(args.names) != 1:
        parser.error("--child-output runs exactly one benchmark")
    return args


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    if args.rows is not None:
        os.environ[ROWS_ENV] = str(args.rows)

    if args.child_output:  # inside the subprocess: run it here, hand the result back in a file
        results = run_in_process(args.names[0], args.quick)
        Path(args.child_output).write_text(json.dumps(results, default=_json_default))
        return 0

    if args.list:
        for name in args.names:
            what, target = BENCHMARKS.get(name, ("(extra module)", None))
            there = "" if module_path(name) else "  [module missing]"
            print(f"{name:13s} {target.text() if target else '':24s} {what}{there}")
        return 0

    results: dict[str, dict] = {}
    started = time.perf_counter()
    for k, name in enumerate(args.names, 1):
        timeout = args.timeout or TIMEOUTS.get(name, DEFAULT_TIMEOUT)[0 if args.quick else 1]
        print(f"[{k}/{len(args.names)}] {name} ...", end="", file=sys.stderr, flush=True)
        t0 = time.perf_counter()
        got = run_subprocess(name, args.quick, timeout, args.verbose)
        print(f" {time.perf_counter() - t0:.1f} s", file=sys.stderr, flush=True)
        for key, entry in got.items():
            results[key] = judge(key, entry)
    total = time.perf_counter() - started

    if args.json:
        print(json.dumps(results, indent=2, default=_json_default))
    else:
        print(f"tsdesk benchmarks{' (--quick)' if args.quick else ''}: {machine_line()}")
        print()
        print(table(results))
        print()
        print(f"{len(results)} results in {total:.0f} s")
    errors = [n for n, e in results.items() if e["status"] == "error"]
    failed = [n for n, e in results.items() if e["status"] == "FAIL"]
    return 1 if errors or (args.strict and failed) else 0


if __name__ == "__main__":
    sys.exit(main())
