from django.apps import AppConfig


class AuditConfig(AppConfig):
    name = "localtrace.audit"
    label = "audit"
