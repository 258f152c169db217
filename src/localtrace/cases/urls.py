from django.urls import path

from localtrace.cases import views

app_name = "cases"

urlpatterns = [
    path("cases/", views.queue, name="queue"),
]
