from django.urls import path

from localtrace.places.views import clusters, outbreaks, settings, visits

app_name = "places"

urlpatterns = [
    path("settings/", settings.setting_list, name="setting-list"),
    path("settings/add/", settings.setting_add, name="setting-add"),
    path("settings/search/", settings.setting_search, name="setting-search"),
    path("settings/<int:pk>/", settings.setting_detail, name="setting-detail"),
    path("settings/<int:pk>/edit/", settings.setting_edit, name="setting-edit"),
    path("settings/<int:pk>/merge/", settings.setting_merge, name="setting-merge"),
    # A visit recorded in error, taken off its case (the case's page links here).
    path("cases/<int:case_pk>/places/<int:pk>/remove/", visits.visit_remove, name="visit-remove"),
    path("clusters/", clusters.cluster_list, name="cluster-list"),
    path("clusters/<int:pk>/", clusters.cluster_detail, name="cluster-detail"),
    path("clusters/<int:pk>/dismiss/", clusters.cluster_dismiss, name="cluster-dismiss"),
    path("clusters/<int:pk>/promote/", clusters.cluster_promote, name="cluster-promote"),
    path("clusters/<int:pk>/add-to-outbreak/", clusters.cluster_add_to_outbreak, name="cluster-add-to-outbreak"),
    path("clusters/<int:pk>/reviewed/", clusters.cluster_reviewed, name="cluster-reviewed"),
    path("outbreaks/", outbreaks.outbreak_list, name="outbreak-list"),
    path("outbreaks/<int:pk>/", outbreaks.outbreak_detail, name="outbreak-detail"),
    path("outbreaks/<int:pk>/tasks/add/", outbreaks.outbreak_task_add, name="outbreak-task-add"),
    path("outbreaks/<int:pk>/tasks/<int:task_pk>/done/", outbreaks.outbreak_task_done, name="outbreak-task-done"),
    path("outbreaks/<int:pk>/status/", outbreaks.outbreak_status, name="outbreak-status"),
    path("outbreaks/<int:pk>/message/", outbreaks.outbreak_message, name="outbreak-message"),
]
