from django.apps import AppConfig


class AccountsConfig(AppConfig):
    name = "localtrace.accounts"
    label = "accounts"

    def ready(self) -> None:
        from localtrace.accounts import signals  # noqa: F401
