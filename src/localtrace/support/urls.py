from django.urls import path

from localtrace.support.views import directory, figures, payments, requests

app_name = "support"

urlpatterns = [
    path("support/", requests.queue, name="queue"),
    path("support/next/", requests.get_next, name="get-next"),
    path("support/requests/<int:pk>/", requests.request_detail, name="request-detail"),
    path("support/requests/<int:pk>/take/", requests.take, name="request-take"),
    path("support/requests/<int:pk>/release/", requests.release, name="request-release"),
    path("support/requests/<int:pk>/assign/", requests.assign, name="assign"),
    path("support/requests/<int:pk>/attempts/", requests.attempt, name="attempt"),
    path("support/requests/<int:pk>/refer/", requests.refer, name="refer"),
    path("support/requests/<int:pk>/outcome/", requests.outcome, name="outcome"),
    path("support/requests/<int:pk>/claim/", payments.claim_create, name="claim-create"),
    path("support/payments/", payments.claim_list, name="claim-list"),
    path("support/payments/export/", payments.claim_export, name="claim-export"),
    path("support/payments/<int:pk>/", payments.claim_detail, name="claim-detail"),
    path("support/payments/<int:pk>/decide/", payments.claim_decide, name="claim-decide"),
    # The area lead's figures: requests by need, time to first contact, outcomes, payments.
    path("support/figures/", figures.figures, name="figures"),
    path("support/organisations/", directory.organisation_list, name="organisation-list"),
    path("support/organisations/add/", directory.organisation_create, name="organisation-create"),
    path("support/organisations/<int:pk>/", directory.organisation_edit, name="organisation-edit"),
    # The tracer's question on a contact's page (the case's is cases:support-needs).
    path("contacts/<int:pk>/support/", requests.contact_needs, name="contact-needs"),
]
