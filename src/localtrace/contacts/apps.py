from django.apps import AppConfig


class ContactsConfig(AppConfig):
    name = "localtrace.contacts"
    label = "contacts"
