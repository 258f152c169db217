from django.urls import path

from localtrace.audit import views

app_name = "audit"

urlpatterns = [
    path("audit/", views.event_list, name="event-list"),
    path("audit/export.csv", views.event_export, name="event-export"),
]
