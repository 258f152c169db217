from django.apps import AppConfig


class MessagingConfig(AppConfig):
    name = "localtrace.messaging"
    label = "messaging"
