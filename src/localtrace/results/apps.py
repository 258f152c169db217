from django.apps import AppConfig


class ResultsConfig(AppConfig):
    name = "localtrace.results"
    label = "results"
