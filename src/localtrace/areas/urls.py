from django.urls import path

from localtrace.areas import views

app_name = "areas"

urlpatterns = [
    path("areas/", views.area_list, name="area-list"),
    path("areas/<str:code>/", views.area_detail, name="area-detail"),
    path("areas/<str:code>/public-phone/", views.public_phone, name="area-public-phone"),
    path("areas/<str:code>/delegations/new/", views.delegation_create, name="delegation-create"),
    path("delegations/<int:pk>/end/", views.delegation_revoke, name="delegation-revoke"),
    path("teams/", views.team_list, name="team-list"),
    path("teams/new/", views.team_create, name="team-create"),
    path("teams/<int:pk>/", views.team_detail, name="team-detail"),
]
