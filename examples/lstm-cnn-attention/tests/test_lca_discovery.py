"""The plugin is found through its entry point, cheaply, by the host and by the CLI."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

from tsdesk.plugins import PluginHost

HEAVY = ("keras", "tensorflow", "torch", "jax", "PySide6", "pyqtgraph", "statsmodels", "pandas",
         "tsdesk.gui", "tsdesk_keras.engine", "tsdesk_lstm_cnn_attention.model")


def cli(*args: str, timeout: int = 300) -> subprocess.CompletedProcess:
    """``tsdesk-cli`` from the environment running the tests (its console script)."""
    script = Path(sys.executable).with_name("tsdesk-cli")
    command = [str(script)] if script.exists() else [shutil.which("tsdesk-cli") or "tsdesk-cli"]
    return subprocess.run(command + list(args), capture_output=True, text=True, timeout=timeout,
                          env={**os.environ, "TF_CPP_MIN_LOG_LEVEL": "3"})


def test_descriptor_and_renderer_modules_import_nothing_heavy():
    code = ("import sys, json, tsdesk_lstm_cnn_attention, tsdesk_lstm_cnn_attention.render; "
            "print(json.dumps(sorted(sys.modules)))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True, timeout=120)
    loaded = json.loads(out.stdout)
    heavy = [m for m in loaded if any(m == h or m.startswith(h + ".") for h in HEAVY)]
    assert heavy == [], heavy


def test_found_through_the_entry_point_by_the_plugin_host():
    host = PluginHost()
    info = next(p for p in host.plugins if p.name == "lstm_cnn_attention")
    assert info.status == "ok", info.reason
    assert info.package == "tsdesk-lstm-cnn-attention" and info.families == ["lstm_cnn_attention"]
    family = host.family("lstm_cnn_attention")
    assert family.trainer == "tsdesk_lstm_cnn_attention.model:train"
    assert family.loader == "tsdesk_lstm_cnn_attention.model:load"
    assert family.renderer == "tsdesk_lstm_cnn_attention.render:render"
    assert {"covariates", "known_future", "multi_horizon"} <= family.capabilities


def test_params_reuse_the_shared_keras_schema_with_clipping_and_plateau_on():
    from tsdesk_keras.params import training_params

    family = PluginHost().family("lstm_cnn_attention")
    names = [p.name for p in family.params]
    assert names[:6] == ["filters", "kernel_size", "pool_size", "units", "layers", "attention_units"]
    shared = {p.name: p for p in training_params()}
    assert set(shared) | {"window", "strategy"} <= set(names)
    defaults = family.validate_params({})
    assert defaults["clipnorm"] > 0 and defaults["reduce_lr_on_plateau"] is True
    assert defaults["strategy"] == "direct" and family.param("strategy").choices == ("direct", "recursive")
    for name, p in shared.items():  # the same schema, only the two defaults changed
        if name not in ("clipnorm", "reduce_lr_on_plateau", "dropout"):
            assert family.param(name) == p, name


def test_can_be_disabled_like_any_plugin():
    host = PluginHost(disabled=["lstm_cnn_attention"])
    assert "lstm_cnn_attention" not in host.families
    assert next(p for p in host.plugins if p.name == "lstm_cnn_attention").status == "disabled"


def test_listed_by_the_cli():
    done = cli("plugins", "--json")
    assert done.returncode == 0, done.stderr
    rows = {r["family"]: r for r in json.loads(done.stdout)}
    row = rows["lstm_cnn_attention"]
    assert row["status"] == "ok" and row["plugin"] == "lstm_cnn_attention"
    assert row["package"] == "tsdesk-lstm-cnn-attention" and row["title"] == "LSTM-CNN with attention"
