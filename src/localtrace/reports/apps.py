from django.apps import AppConfig


class ReportsConfig(AppConfig):
    name = "localtrace.reports"
    label = "reports"
