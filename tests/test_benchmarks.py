"""The benchmark harness (benchmarks/run.py): its output and its error handling, not timings.

Every test runs the harness as a user would (``python benchmarks/run.py ...``) on tiny sizes
(``--rows``), so the whole file takes seconds; no figure is asserted.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
RUN = ROOT / "benchmarks" / "run.py"


def harness(*args: str, extra: Path | None = None, timeout: int = 120) -> subprocess.CompletedProcess:
    env = {**os.environ, "QT_QPA_PLATFORM": "offscreen"}
    env.pop("TSDESK_BENCH_EXTRA", None)
    env.pop("TSDESK_BENCH_ROWS", None)
    env.pop("TSDESK_BENCH_GPU_DEVICE", None)
    if extra is not None:
        env["TSDESK_BENCH_EXTRA"] = str(extra)
    return subprocess.run([sys.executable, str(RUN), *args], capture_output=True, text=True,
                          cwd=ROOT, env=env, timeout=timeout)


def check_entry(entry: dict) -> None:
    for key in ("value", "unit", "baseline", "target", "status"):
        assert key in entry, (key, entry)


def test_csv_load_quick_json_on_a_small_file():
    proc = harness("--only", "csv_load", "--quick", "--json", "--rows", "3000")
    assert proc.returncode == 0, proc.stderr
    results = json.loads(proc.stdout)
    assert list(results) == ["csv_load"]
    entry = results["csv_load"]
    check_entry(entry)
    assert entry["rows"] == 3000
    assert entry["value"] > 0 and entry["baseline"] > 0 and entry["tsdesk_seconds"] > 0
    assert entry["unit"] == "x pandas" and entry["baseline_unit"] == "s"
    assert entry["target"] == "<= 1.5 x"
    assert entry["status"] in ("pass", "FAIL")


def test_plot_pan_quick_json_on_a_small_series():
    pytest.importorskip("PySide6")
    proc = harness("--only", "plot_pan", "--quick", "--json", "--rows", "5000")
    assert proc.returncode == 0, proc.stderr
    entry = json.loads(proc.stdout)["plot_pan"]
    check_entry(entry)
    assert entry["points"] == 5000 and entry["unit"] == "ms"
    assert entry["value"] > 0 and entry["baseline"] > 0
    assert entry["status"] in ("pass", "FAIL")


def test_gpu_is_skipped_without_a_gpu():
    sys.path.insert(0, str(ROOT))
    try:
        from benchmarks._common import gpu_names
    finally:
        sys.path.remove(str(ROOT))
    if gpu_names():
        pytest.skip("a GPU is present: the real benchmark would run (too slow for a unit test)")
    proc = harness("--only", "gpu", "--quick", "--json")
    assert proc.returncode == 0, proc.stderr
    entry = json.loads(proc.stdout)["gpu"]
    check_entry(entry)
    assert entry["status"] == "skipped" and entry["value"] is None
    assert entry["skipped"] == "no GPU"


def test_unknown_benchmark_is_a_usage_error():
    proc = harness("--only", "csv_load,no_such_bench", "--json")
    assert proc.returncode == 2
    assert "unknown benchmark 'no_such_bench'" in proc.stderr
    assert "csv_load" in proc.stderr  # the known names are listed
    assert proc.stdout == ""


def test_failing_and_malformed_modules_become_error_entries(tmp_path):
    (tmp_path / "boom.py").write_text("def run(quick):\n    raise RuntimeError('kaput')\n")
    (tmp_path / "broken_import.py").write_text("import no_such_module_for_tsdesk_bench\n")
    (tmp_path / "no_run.py").write_text("X = 1\n")
    (tmp_path / "bad_shape.py").write_text("def run(quick):\n    return {'bad_shape': {'value': 1}}\n")
    (tmp_path / "ok.py").write_text(
        "def run(quick):\n    return {'ok': {'value': 2.0 if quick else 3.0, 'unit': 'ms', 'baseline': 4.0}}\n")
    proc = harness("--only", "boom,broken_import,no_run,bad_shape,ok", "--quick", "--json", extra=tmp_path)
    assert proc.returncode == 1, proc.stderr  # errors reported, and the exit status says so
    results = json.loads(proc.stdout)
    assert list(results) == ["boom", "broken_import", "no_run", "bad_shape", "ok"]
    for name in ("boom", "broken_import", "no_run", "bad_shape"):
        check_entry(results[name])
        assert results[name]["status"] == "error" and results[name]["value"] is None
    assert "RuntimeError: kaput" in results["boom"]["error"]
    assert "import failed" in results["broken_import"]["error"]
    assert "no run(quick)" in results["no_run"]["error"]
    assert "lacks unit, baseline" in results["bad_shape"]["error"]
    ok = results["ok"]
    assert ok["value"] == 2.0 and ok["baseline"] == 4.0 and ok["status"] == "-"  # --quick reached run()


def test_crash_and_timeout_are_error_entries(tmp_path):
    (tmp_path / "crash.py").write_text("import os\ndef run(quick):\n    os._exit(3)\n")
    (tmp_path / "hang.py").write_text("import time\ndef run(quick):\n    time.sleep(60)\n")
    proc = harness("--only", "crash,hang", "--json", "--timeout", "3", extra=tmp_path)
    assert proc.returncode == 1
    results = json.loads(proc.stdout)
    assert "exit status 3" in results["crash"]["error"]
    assert "timed out after 3 s" in results["hang"]["error"]


def test_table_output(tmp_path):
    (tmp_path / "fine.py").write_text(
        "def run(quick):\n    return {'fine': {'value': 1.5, 'unit': 'x', 'baseline': 0.25, 'summary': 'all good'}}\n")
    proc = harness("--only", "fine", extra=tmp_path)
    assert proc.returncode == 0, proc.stderr
    lines = proc.stdout.splitlines()
    header = next(line for line in lines if line.startswith("benchmark"))
    for column in ("value", "baseline", "target", "result"):
        assert column in header
    row = next(line for line in lines if line.startswith("fine "))
    assert "1.5 x" in row and "0.25 x" in row and "all good" in row


def test_targets_are_the_issue_s():
    sys.path.insert(0, str(ROOT))
    try:
        from benchmarks.run import TARGETS
    finally:
        sys.path.remove(str(ROOT))
    assert TARGETS["ui_stall"].text() == "<= 100 ms"
    assert TARGETS["plot_pan"].text() == "<= 50 ms"
    assert TARGETS["csv_load"].text() == "<= 1.5 x"
    assert TARGETS["train_ratio"].text() == ">= 1.5 x"
    assert TARGETS["sarima_ratio"].text() == ">= 20 x"
    assert TARGETS["startup"].text() == "<= 1 s (2 s at worst)"
    assert TARGETS["startup"].status(1.5) == "near" and TARGETS["startup"].status(2.5) == "FAIL"
    assert TARGETS["sarima_ratio"].status(25) == "pass" and TARGETS["sarima_ratio"].status(19) == "FAIL"
