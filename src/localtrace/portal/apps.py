from django.apps import AppConfig


class PortalConfig(AppConfig):
    name = "localtrace.portal"
    verbose_name = "Self-service for cases and contacts"
