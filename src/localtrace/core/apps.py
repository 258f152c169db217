from django.apps import AppConfig


class CoreConfig(AppConfig):
    name = "localtrace.core"
    label = "core"
    verbose_name = "Service shell"
