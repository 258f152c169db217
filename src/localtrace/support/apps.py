from django.apps import AppConfig


class SupportConfig(AppConfig):
    name = "localtrace.support"
    label = "support"
    verbose_name = "Isolation support"
