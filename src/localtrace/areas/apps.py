from django.apps import AppConfig


class AreasConfig(AppConfig):
    name = "localtrace.areas"
    label = "areas"
