from django.urls import path

from localtrace.people import find_views, views

app_name = "people"

urlpatterns = [
    path("people/find/", find_views.find_person, name="find"),
    path("people/duplicates/", views.duplicate_list, name="duplicate-list"),
    path("people/duplicates/<int:pk>/", views.duplicate_detail, name="duplicate-detail"),
    path("people/duplicates/<int:pk>/undo/", views.duplicate_undo, name="duplicate-undo"),
]
