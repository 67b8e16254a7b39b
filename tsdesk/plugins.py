"""The plugin host: finds model families through the ``tsdesk.plugins`` entry points.

Built-in families are registered exactly like a third party's, through the same entry-point
group. Discovery imports only each plugin's small top-level module (descriptors); trainers are
imported when a user trains. A plugin that fails to import, raises in its hook, or declares
another API version is recorded as broken with its reason and everything else keeps working.
"""

from __future__ import annotations

import os
import traceback
from dataclasses import dataclass, field
from importlib.metadata import entry_points
from types import ModuleType
from typing import Iterable

import pluggy

from tsdesk.errors import UserError
from tsdesk.plugin_api import API_VERSION, ENTRY_POINT_GROUP, PROJECT, Hookspecs, ModelFamily, Registry


@dataclass
class PluginInfo:
    """One installed plugin as the user sees it (CLI ``plugins``, Help > Plugins)."""

    name: str
    package: str = ""
    version: str = ""
    status: str = "ok"  # ok, broken, disabled
    reason: str = ""
    families: list[str] = field(default_factory=list)

    def as_dict(self) -> dict:
        return {"name": self.name, "package": self.package, "version": self.version,
                "status": self.status, "reason": self.reason, "families": list(self.families)}


def _first_line(exc: BaseException) -> str:
    text = f"{type(exc).__name__}: {exc}".strip()
    return text.splitlines()[0] if text else type(exc).__name__


class PluginHost:
    """Loads plugins once and answers "which families are there?"."""

    def __init__(self, modules: dict[str, ModuleType] | None = None, use_entry_points: bool = True,
                 disabled: Iterable[str] | None = None) -> None:
        if disabled is None:
            disabled = [p.strip() for p in os.environ.get("TSDESK_DISABLE_PLUGINS", "").split(",") if p.strip()]
        self.disabled = set(disabled)
        self.pm = pluggy.PluginManager(PROJECT)
        self.pm.add_hookspecs(Hookspecs)
        self.plugins: list[PluginInfo] = []
        self.families: dict[str, ModelFamily] = {}
        self.family_plugin: dict[str, PluginInfo] = {}
        if use_entry_points:
            for ep in sorted(entry_points(group=ENTRY_POINT_GROUP), key=lambda e: e.name):
                dist = getattr(ep, "dist", None)
                info = PluginInfo(ep.name, getattr(dist, "name", "") or "", getattr(dist, "version", "") or "")
                self._load(info, ep.load)
        for name, module in (modules or {}).items():
            self._load(PluginInfo(name, getattr(module, "__name__", name)), lambda m=module: m)

    def _load(self, info: PluginInfo, load) -> None:
        self.plugins.append(info)
        if info.name in self.disabled:
            info.status, info.reason = "disabled", "disabled by TSDESK_DISABLE_PLUGINS"
            return
        try:
            module = load()
            self.pm.register(module, name=info.name)
        except Exception as exc:  # noqa: BLE001 - any failure of third-party code is isolated
            info.status, info.reason = "broken", f"failed to import: {_first_line(exc)}"
            info.traceback = traceback.format_exc()  # type: ignore[attr-defined]
            return
        registry = Registry()
        impls = [i for i in self.pm.hook.tsdesk_register_model_families.get_hookimpls()
                 if i.plugin_name == info.name]
        if not impls:
            info.status, info.reason = "broken", "does not implement tsdesk_register_model_families"
            return
        try:
            for impl in impls:
                impl.function(registry=registry)
        except Exception as exc:  # noqa: BLE001
            info.status, info.reason = "broken", f"its hook raised {_first_line(exc)}"
            self.pm.unregister(name=info.name)
            return
        bad = [f for f in registry.families if f.api_version != API_VERSION]
        if bad:
            info.status = "broken"
            info.reason = (f"family '{bad[0].name}' needs plugin API version {bad[0].api_version}; "
                           f"this tsdesk provides version {API_VERSION}")
            self.pm.unregister(name=info.name)
            return
        for family in registry.families:
            if family.name in self.families:
                other = self.family_plugin[family.name].name
                info.reason = f"family '{family.name}' is already provided by plugin '{other}'; kept that one"
                continue
            self.families[family.name] = family
            self.family_plugin[family.name] = info
            info.families.append(family.name)

    def family(self, name: str) -> ModelFamily:
        """The family called ``name`` or a user error listing the installed ones."""
        if name in self.families:
            return self.families[name]
        for info in self.plugins:
            if info.status != "ok" and name in (info.name,):
                raise UserError(f"model family '{name}' is unavailable: plugin '{info.name}' is {info.status} ({info.reason})")
        known = ", ".join(sorted(self.families)) or "none"
        raise UserError(f"unknown model family '{name}'; installed families: {known}")

    def broken(self) -> list[PluginInfo]:
        return [p for p in self.plugins if p.status != "ok"]


_HOST: PluginHost | None = None


def get_host() -> PluginHost:
    """The process-wide plugin host, loaded on first use."""
    global _HOST
    if _HOST is None:
        _HOST = PluginHost()
    return _HOST


def reset_host() -> None:
    global _HOST
    _HOST = None
