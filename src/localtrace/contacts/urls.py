from django.urls import path

from localtrace.cases.views.queue import contact_queue, get_next_contact
from localtrace.contacts import views

app_name = "contacts"

urlpatterns = [
    path("contacts/", contact_queue, name="queue"),
    path("contacts/next/", get_next_contact, name="get-next"),
    path("contacts/<int:pk>/", views.contact_detail, name="contact-detail"),
    path("contacts/<int:pk>/details/", views.details, name="details"),
    path("contacts/<int:pk>/attempts/", views.attempt, name="attempt"),
    path("contacts/<int:pk>/complete/", views.complete, name="complete"),
    path("contacts/<int:pk>/symptoms/", views.symptom_check, name="symptom-check"),
    path("contacts/<int:pk>/transfer/", views.transfer, name="transfer"),
    path("contacts/<int:pk>/visit-sheet/", views.visit_sheet, name="visit-sheet"),
]
