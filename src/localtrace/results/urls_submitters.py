"""Administrators' pages for submitters and their API tokens."""

from django.urls import path

from localtrace.results import views_submitters as views

app_name = "submitters"

urlpatterns = [
    path("submitters/", views.submitter_list, name="submitter-list"),
    path("submitters/new/", views.submitter_create, name="submitter-create"),
    path("submitters/<int:pk>/", views.submitter_detail, name="submitter-detail"),
    path("submitters/<int:pk>/tokens/new/", views.token_create, name="token-create"),
    path("submitters/<int:pk>/tokens/<int:token_pk>/revoke/", views.token_revoke, name="token-revoke"),
]
