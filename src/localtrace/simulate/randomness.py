"""Independent, named random streams, so that changing one part of the output (faults, FHIR)
never changes another (the population, the outbreak)."""

from __future__ import annotations

import numpy as np

# Stream numbers are part of the output's definition: append, never renumber.
STREAMS: dict[str, int] = {
    "geography": 1,
    "population": 2,
    "places": 3,
    "transmission": 4,
    "testing": 5,
    "responses": 6,
    "faults": 7,
    "identifiers": 8,
}


def stream(seed: int, name: str) -> np.random.Generator:
    """A generator for one named part of the simulation."""
    return np.random.Generator(np.random.PCG64(np.random.SeedSequence([seed, STREAMS[name]])))
