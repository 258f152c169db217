"""URL map. Every URL here needs an entry in tests/permission_matrix.py."""

from django.urls import include, path

from localtrace.core import views as core_views
from localtrace.results.api import api

urlpatterns = [
    path("", include(("localtrace.core.urls", "core"))),
    path("", include("localtrace.accounts.urls")),
    path("", include("localtrace.areas.urls")),
    path("", include("localtrace.audit.urls")),
    path("", include("localtrace.messaging.urls")),
    path("", include("localtrace.results.urls")),
    path("", include("localtrace.results.urls_submitters")),
    path("api/", api.urls),
    path("", include("localtrace.cases.urls")),
    path("", include("localtrace.contacts.urls")),
    # Self-service portal (issue 6).
    path("", include("localtrace.portal.urls")),
    path("", include("localtrace.support.urls")),  # isolation support (issue 8)
    # Settings, clusters and outbreaks (issue 7).
    path("", include("localtrace.places.urls")),
    # Person linkage (issue 10): the possible-duplicate review queue.
    path("", include("localtrace.people.urls")),
    # Performance figures, dashboards, the transparency page and exports.
    path("", include("localtrace.reports.urls")),
]

handler400 = core_views.bad_request
handler403 = core_views.permission_denied
handler404 = core_views.page_not_found
handler500 = core_views.server_error
