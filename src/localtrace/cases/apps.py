from django.apps import AppConfig


class CasesConfig(AppConfig):
    name = "localtrace.cases"
    label = "cases"
