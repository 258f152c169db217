from django.apps import AppConfig


class CoreConfig(AppConfig):
    name = "localtrace.core"
    label = "core"
    verbose_name = "Service shell"

    def ready(self) -> None:
        from localtrace.core import checks, lookups  # noqa: F401 (register the rules' checks and the any_of lookup)
