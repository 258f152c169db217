from django.apps import AppConfig


class PeopleConfig(AppConfig):
    name = "localtrace.people"
    label = "people"
