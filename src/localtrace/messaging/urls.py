from django.urls import path

from localtrace.messaging import views

app_name = "messaging"

urlpatterns = [
    path("outbox/", views.outbox, name="outbox"),
    path("outbox/<int:pk>/", views.message_detail, name="message-detail"),
    path("messaging/cases/<int:pk>/", views.case_messages, name="case-messages"),
    path("messaging/contacts/<int:pk>/", views.contact_messages, name="contact-messages"),
    path("messaging/notify/receipts/", views.notify_callback, name="notify-callback"),
]
