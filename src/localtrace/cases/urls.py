from django.urls import path

from localtrace.cases.views import case, chains, queue, team

app_name = "cases"

urlpatterns = [
    path("cases/", queue.queue, name="queue"),
    path("cases/next/", queue.get_next, name="get-next"),
    path("cases/<int:pk>/", case.case_detail, name="case-detail"),
    path("cases/<int:pk>/attempts/", case.attempt, name="attempt"),
    path("cases/<int:pk>/identity/", case.identity, name="identity"),
    path("cases/<int:pk>/details/", case.details, name="details"),
    path("cases/<int:pk>/symptoms/", case.symptoms, name="symptoms"),
    path("cases/<int:pk>/contacts/add/", case.contact_add, name="contact-add"),
    path("cases/<int:pk>/places/add/", case.visit_add, name="visit-add"),
    path("cases/<int:pk>/nothing-more/", case.nothing_more, name="nothing-more"),
    path("cases/<int:pk>/support/", case.support_needs, name="support-needs"),
    path("cases/<int:pk>/outcome/", case.outcome, name="outcome"),
    path("cases/<int:pk>/transfer/", case.transfer, name="transfer"),
    path("cases/<int:pk>/visit-sheet/", case.visit_sheet, name="visit-sheet"),
    path("team/", team.queue_health, name="team"),
    path("team/assign/", team.assign, name="assign"),
    # Transmission chains (issue 7).
    path("chains/", chains.chains_home, name="chains"),
    path("chains/<str:code>/", chains.area_chains, name="area-chains"),
    path("cases/<int:pk>/chain/", chains.case_chain, name="case-chain"),
]
