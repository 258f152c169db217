"""Shared simulator runs: generated once per test session into temporary folders."""

from __future__ import annotations

import pytest

from localtrace.simulate import Summary, generate_to


@pytest.fixture(scope="session")
def small_run(tmp_path_factory: pytest.TempPathFactory) -> Summary:
    """The standard 1,000-person fixture with default faults."""
    return generate_to(tmp_path_factory.mktemp("small"), people=1000, days=30, seed=1)


@pytest.fixture(scope="session")
def clean_run(tmp_path_factory: pytest.TempPathFactory) -> Summary:
    """The same population and outbreak as small_run, without faults."""
    return generate_to(tmp_path_factory.mktemp("clean"), people=1000, days=30, seed=1, fault_rate=0)


@pytest.fixture(scope="session")
def faulty_run(tmp_path_factory: pytest.TempPathFactory) -> Summary:
    """A run with many faults, so that every kind turns up."""
    return generate_to(
        tmp_path_factory.mktemp("faulty"), people=3000, days=30, seed=7, fault_rate=0.3, results_target=3000
    )


@pytest.fixture(scope="session")
def faulty_clean_run(tmp_path_factory: pytest.TempPathFactory) -> Summary:
    return generate_to(
        tmp_path_factory.mktemp("faulty_clean"), people=3000, days=30, seed=7, fault_rate=0, results_target=3000
    )


@pytest.fixture(scope="session")
def outbreak_run(tmp_path_factory: pytest.TempPathFactory) -> Summary:
    """A run big enough to have outbreaks in settings."""
    return generate_to(tmp_path_factory.mktemp("outbreak"), people=30_000, days=45, seed=3, fhir=False)
