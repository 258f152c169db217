"""Synthetic population, outbreak and test results generator, with ground truth.

A library (no Django models or settings): `generate(config, out_dir)` writes files;
`generate_to(dir, people=1000, days=30, seed=1)` is the small fixture for tests.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from localtrace.simulate.config import SimulationConfig, TestingParameters, TransmissionParameters
    from localtrace.simulate.constants import GENERATOR_VERSION
    from localtrace.simulate.run import Summary, generate, generate_to

# Imported on first use: Django imports this package at start-up (it is an installed app)
# and should not pay for numpy unless the generator is used.
_EXPORTS = {
    "GENERATOR_VERSION": "localtrace.simulate.constants",
    "SimulationConfig": "localtrace.simulate.config",
    "Summary": "localtrace.simulate.run",
    "TestingParameters": "localtrace.simulate.config",
    "TransmissionParameters": "localtrace.simulate.config",
    "generate": "localtrace.simulate.run",
    "generate_to": "localtrace.simulate.run",
}

__all__ = [
    "GENERATOR_VERSION",
    "SimulationConfig",
    "Summary",
    "TestingParameters",
    "TransmissionParameters",
    "generate",
    "generate_to",
]


def __getattr__(name: str) -> Any:
    if name in _EXPORTS:
        return getattr(importlib.import_module(_EXPORTS[name]), name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
