from django.urls import path

from localtrace.reports import public, views

app_name = "reports"

urlpatterns = [
    path("performance/", views.index, name="index"),
    path("performance/areas/<int:pk>/", views.area_dashboard, name="area"),
    path("performance/teams/<int:pk>/", views.team_dashboard, name="team"),
    path("performance/national/", views.national, name="national"),
    path("performance/areas/<int:pk>/export/<slug:what>.<slug:fmt>", views.export, name="export"),
    path("transparency/", public.page, name="transparency"),
    path("transparency/weekly-figures.csv", public.open_data_csv, name="open-data-csv"),
    path("transparency/weekly-figures.json", public.open_data_json, name="open-data-json"),
]
