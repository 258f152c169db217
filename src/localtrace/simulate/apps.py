"""Django app registration for the simulator: it has a management command and no models."""

from __future__ import annotations

from django.apps import AppConfig


class SimulateConfig(AppConfig):
    name = "localtrace.simulate"
    label = "simulate"
    verbose_name = "Synthetic data generator"
