from django.urls import path

from localtrace.audit import subject_access_views as sar
from localtrace.audit import views

app_name = "audit"

urlpatterns = [
    path("audit/", views.event_list, name="event-list"),
    path("audit/export.csv", views.event_export, name="event-export"),
    path("audit/subject-access/", sar.request_list, name="sar-list"),
    path("audit/subject-access/new/", sar.request_new, name="sar-new"),
    path("audit/subject-access/<int:pk>/", sar.request_detail, name="sar-detail"),
    path("audit/subject-access/<int:pk>/records/", sar.request_records, name="sar-records"),
    path("audit/subject-access/<int:pk>/identity/", sar.request_identity, name="sar-identity"),
    path("audit/subject-access/<int:pk>/free-text/", sar.request_free_text, name="sar-free-text"),
    path("audit/subject-access/<int:pk>/extend/", sar.request_extend, name="sar-extend"),
    path("audit/subject-access/<int:pk>/close/", sar.request_close, name="sar-close"),
    path("audit/subject-access/<int:pk>/copy.html", sar.request_copy, {"fmt": "html"}, name="sar-copy-html"),
    path("audit/subject-access/<int:pk>/copy.json", sar.request_copy, {"fmt": "json"}, name="sar-copy-json"),
]
