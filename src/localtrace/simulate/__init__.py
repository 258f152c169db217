"""Synthetic population, outbreak and test results generator, with ground truth.

A library (no Django models or settings): `generate(config, out_dir)` writes files;
`generate_to(dir, people=1000, days=30, seed=1)` is the small fixture for tests.
"""

from localtrace.simulate.config import SimulationConfig, TestingParameters, TransmissionParameters
from localtrace.simulate.constants import GENERATOR_VERSION
from localtrace.simulate.run import Summary, generate, generate_to

__all__ = [
    "GENERATOR_VERSION",
    "SimulationConfig",
    "Summary",
    "TestingParameters",
    "TransmissionParameters",
    "generate",
    "generate_to",
]
