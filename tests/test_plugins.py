"""The plugin host: built-ins through entry points, broken plugins isolated with their reason."""

from __future__ import annotations

import json
import sys
import textwrap
import types

import pytest

from tsdesk.errors import UserError
from tsdesk.plugin_api import API_VERSION, ModelFamily, Param, hookimpl
from tsdesk.plugins import PluginHost

from conftest import run_cli


def _module(name: str, register) -> types.ModuleType:
    mod = types.ModuleType(name)
    mod.tsdesk_register_model_families = hookimpl(register)
    return mod


def _family(name: str, api_version: int = API_VERSION) -> ModelFamily:
    return ModelFamily(name=name, title=name.title(), description="test family",
                       params=(Param("k", "int", 3, min=1),), trainer="x:train", loader="x:load",
                       api_version=api_version)


def test_builtin_families_come_through_entry_points():
    host = PluginHost()
    assert {"naive", "seasonal_naive"} <= set(host.families)
    info = host.family_plugin["naive"]
    assert info.name == "baselines" and info.package == "tsdesk" and info.status == "ok"


def test_broken_plugins_are_recorded_and_the_rest_works():
    def raising(registry):
        raise RuntimeError("boom in hook")

    def future_api(registry):
        registry.add(_family("from_the_future", api_version=API_VERSION + 1))

    def good(registry):
        registry.add(_family("good_one"))

    host = PluginHost(modules={
        "raiser": _module("raiser", raising), "future": _module("future", future_api),
        "good": _module("good", good), "empty": types.ModuleType("empty")})
    status = {p.name: (p.status, p.reason) for p in host.plugins}
    assert status["raiser"] == ("broken", "its hook raised RuntimeError: boom in hook")
    assert status["future"] == ("broken", f"family 'from_the_future' needs plugin API version "
                                          f"{API_VERSION + 1}; this tsdesk provides version {API_VERSION}")
    assert status["empty"] == ("broken", "does not implement tsdesk_register_model_families")
    assert status["good"] == ("ok", "")
    assert "good_one" in host.families and "seasonal_naive" in host.families
    assert "from_the_future" not in host.families


def test_duplicate_family_names_keep_the_first():
    host = PluginHost(use_entry_points=False, modules={
        "a": _module("a", lambda registry: registry.add(_family("same"))),
        "b": _module("b", lambda registry: registry.add(_family("same")))})
    assert host.family_plugin["same"].name == "a"
    assert "already provided by plugin 'a'" in host.plugins[1].reason


def test_disable_plugins_by_name(monkeypatch):
    monkeypatch.setenv("TSDESK_DISABLE_PLUGINS", "baselines, other")
    host = PluginHost()
    assert "naive" not in host.families
    info = next(p for p in host.plugins if p.name == "baselines")
    assert info.status == "disabled"
    with pytest.raises(UserError, match="model family 'baselines' is unavailable: plugin 'baselines' is disabled"):
        host.family("baselines")


def test_unknown_family_names_the_installed_ones():
    host = PluginHost()
    with pytest.raises(UserError, match=r"unknown model family 'prophet'; installed families: .*naive"):
        host.family("prophet")


def test_params_are_validated_with_messages():
    fam = PluginHost().family("seasonal_naive")
    assert fam.validate_params({}) == {"season": None}
    assert fam.validate_params({"season": "14"}) == {"season": 14}
    with pytest.raises(UserError, match=r"parameter 'season' of seasonal_naive must be >= 1, got 0"):
        fam.validate_params({"season": 0})
    with pytest.raises(UserError, match=r"parameter 'season' of seasonal_naive must be an integer, got 'weekly'"):
        fam.validate_params({"season": "weekly"})
    with pytest.raises(UserError, match=r"unknown parameter 'seasn' for model family seasonal_naive; known parameters: season"):
        fam.validate_params({"seasn": 7})


def test_param_types():
    assert Param("b", "bool", False).validate("yes") is True
    assert Param("c", "choice", "adam", choices=("adam", "sgd")).validate("sgd") == "sgd"
    with pytest.raises(UserError, match="must be one of adam, sgd; got 'nadam'"):
        Param("c", "choice", "adam", choices=("adam", "sgd")).validate("nadam")
    assert Param("o", "ints", [1, 0, 0], length=3).validate("2, 1, 0") == [2, 1, 0]
    with pytest.raises(UserError, match="must have 3 integers, got 2"):
        Param("o", "ints", [1, 0, 0], length=3).validate([1, 2])
    with pytest.raises(UserError, match="must be a finite number"):
        Param("lr", "float", 0.1).validate("nan")


@pytest.fixture
def outside_plugins(tmp_path):
    """Installed-looking distributions (dist-info with entry points) of broken plugins."""
    site = tmp_path / "site"
    site.mkdir()
    (site / "crashy_plugin.py").write_text("raise ImportError('needs libfoo 9')\n")
    (site / "lazy_plugin.py").write_text(textwrap.dedent("""
        from tsdesk.plugin_api import ModelFamily, hookimpl

        @hookimpl
        def tsdesk_register_model_families(registry):
            registry.add(ModelFamily(name="lazy", title="Lazy", description="d", params=(),
                                     trainer="lazy_plugin_impl:train", loader="lazy_plugin_impl:load"))
    """))
    (site / "lazy_plugin_impl.py").write_text("import sys\nprint('IMPORTED', file=sys.stderr)\n")
    for dist, mod in (("crashy", "crashy_plugin"), ("lazy", "lazy_plugin")):
        info = site / f"{dist}-1.2.3.dist-info"
        info.mkdir()
        (info / "METADATA").write_text(f"Metadata-Version: 2.1\nName: {dist}\nVersion: 1.2.3\n")
        (info / "entry_points.txt").write_text(f"[tsdesk.plugins]\n{dist} = {mod}\n")
    return site


def test_cli_lists_broken_plugins_and_keeps_working(outside_plugins):
    env = {"PYTHONPATH": str(outside_plugins)}
    proc = run_cli("plugins", "--json", env=env)
    assert proc.returncode == 0, proc.stderr
    rows = {(r["plugin"], r["family"]): r for r in json.loads(proc.stdout)}
    crashy = rows[("crashy", None)]
    assert crashy["status"] == "broken"
    assert crashy["reason"] == "failed to import: ImportError: needs libfoo 9"
    assert crashy["package"] == "crashy" and crashy["version"] == "1.2.3"
    assert rows[("lazy", "lazy")]["status"] == "ok"
    assert rows[("baselines", "seasonal_naive")]["status"] == "ok"
    # Discovery never imports a family's trainer module.
    assert "IMPORTED" not in proc.stderr
    text = run_cli("plugins", env=env)
    assert text.returncode == 0
    assert "broken (failed to import: ImportError: needs libfoo 9)" in text.stdout


def test_discovery_imports_no_heavy_code():
    code = ("import sys; from tsdesk.plugins import PluginHost; h = PluginHost(); "
            "print([m for m in sys.modules if m.split('.')[0] in "
            "('tensorflow', 'keras', 'statsmodels', 'PySide6', 'tsdesk_baselines.model')])")
    import subprocess
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"
