from django.urls import path

from localtrace.results import views

app_name = "results"

urlpatterns = [
    path("results/submissions/", views.submission_list, name="submission-list"),
    path("results/submissions/<int:pk>/", views.submission_detail, name="submission-detail"),
    path("results/upload/", views.upload, name="upload"),
    path("results/quarantine/", views.quarantine_list, name="quarantine-list"),
    path("results/quarantine/export.csv", views.quarantine_export, name="quarantine-export"),
    path("results/quarantine/<int:pk>/", views.quarantine_detail, name="quarantine-detail"),
    path("results/quarantine/<int:pk>/dismiss/", views.quarantine_dismiss, name="quarantine-dismiss"),
    path("results/quality/", views.quality, name="quality"),
    path("results/quality/export.csv", views.quality_export, name="quality-export"),
    path("results/no-area/", views.no_area, name="no-area"),
]
