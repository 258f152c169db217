from django.apps import AppConfig


class DemoConfig(AppConfig):
    name = "localtrace.demo"
    label = "demo"
    verbose_name = "Demo data"
