from django.apps import AppConfig


class PlacesConfig(AppConfig):
    name = "localtrace.places"
    label = "places"
