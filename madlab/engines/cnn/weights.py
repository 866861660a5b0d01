"""Loading gnina's trained weights into the networks.

The weight files ship in the ``gninatorch`` package (``gninatorch/weights/<name>.pt``,
plain PyTorch state dicts). Only the files are used: gninatorch's own code,
which needs libmolgrid, is never imported.
"""

from __future__ import annotations

import threading
from importlib import resources
from pathlib import Path

import torch
from torch import nn

from madlab.engines.cnn.grid import GridSpec
from madlab.engines.cnn.models import ModelSpec
from madlab.engines.cnn.networks import Default2017, Default2018, Dense
from madlab.errors import EngineUnavailableError

_ARCHITECTURES: dict[str, type[nn.Module]] = {
    "default2017": Default2017,
    "default2018": Default2018,
    "dense": Dense,
}
_CACHE: dict[tuple[str, str], nn.Module] = {}
_LOCK = threading.Lock()


def weights_dir() -> Path:
    """Folder holding gnina's weight files.

    Raises
    ------
    EngineUnavailableError
        If the ``gninatorch`` package is not installed.
    """
    try:
        root = resources.files("gninatorch")
    except ModuleNotFoundError as exc:
        raise EngineUnavailableError(
            "gnina's CNN weights are not installed",
            engine="gnina",
            backend="built-in",
            hint="install the CNN extra: pip install 'madlab[cnn]'",
        ) from exc
    return Path(str(root)) / "weights"


def load_network(spec: ModelSpec, device: torch.device, grid: GridSpec | None = None) -> nn.Module:
    """Return the network of ``spec`` with its trained weights, in evaluation mode.

    Networks are cached per model and device.

    Raises
    ------
    EngineUnavailableError
        If the weight file is missing.
    """
    key = (spec.name, str(device))
    with _LOCK:
        net = _CACHE.get(key)
        if net is not None:
            return net
        path = weights_dir() / f"{spec.name}.pt"
        if not path.is_file():
            raise EngineUnavailableError(
                f"weight file for CNN model {spec.name!r} not found at {path}",
                engine="gnina",
                backend="built-in",
                hint="reinstall the CNN extra: pip install 'madlab[cnn]'",
            )
        state = torch.load(path, map_location="cpu", weights_only=True)
        net = _ARCHITECTURES[spec.architecture](spec.channels, (grid or GridSpec()).points)
        net.load_state_dict(state, strict=True)
        net.eval()
        net.to(device)
        _CACHE[key] = net
        return net
