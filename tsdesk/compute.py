"""Which Keras backend and which devices the models train on.

Called where Keras is already imported or is about to be (the training process, a Keras
trainer): importing Keras here in the window's process would cost seconds at start-up.
"""

from __future__ import annotations

ACCELERATORS = ("gpu", "cuda", "tpu", "mps")


def keras_environment() -> dict:
    """``{"keras": version, "backend": name, "devices": [...], "accelerators": [...]}``; on a
    failure (Keras missing or broken) ``{"error": "..."}`` instead of an exception."""
    try:
        import keras
    except BaseException as exc:  # noqa: BLE001 - reported in Help > About, never raised
        return {"error": f"Keras could not be imported: {type(exc).__name__}: {exc}"}
    backend = keras.backend.backend()
    try:
        devices = [str(d) for d in keras.distribution.list_devices()]
    except Exception:  # noqa: BLE001 - backends without keras.distribution support (torch)
        devices = _torch_devices() if backend == "torch" else []
    accelerators = [d for d in devices if d.split(":")[0].lower() in ACCELERATORS]
    return {"keras": keras.__version__, "backend": backend, "devices": devices,
            "accelerators": accelerators}


def _torch_devices() -> list[str]:
    try:
        import torch
    except ImportError:
        return []
    if torch.cuda.is_available():
        return [f"cuda:{i}" for i in range(torch.cuda.device_count())]
    if getattr(torch.backends, "mps", None) is not None and torch.backends.mps.is_available():
        return ["mps:0"]
    return ["cpu:0"]


def describe(env: dict | None) -> str:
    """One line for Help > About: whether a GPU is used, and which devices Keras sees."""
    if not env:
        return "not checked yet"
    if env.get("error"):
        return f"unknown: {env['error']}"
    devices = ", ".join(env.get("devices") or []) or "no devices listed"
    if env.get("accelerators"):
        return f"yes: Keras ({env.get('backend')}) trains on {', '.join(env['accelerators'])}"
    return f"no: Keras ({env.get('backend')}) trains on the CPU ({devices})"
