"""Public self-service pages (no sign-in; the link and the date of birth let a person in) and staff actions."""

from django.urls import path

from localtrace.portal.views import about, case, contact, entry, note, staff, support

app_name = "portal"

urlpatterns = [
    # Public: the token appears only in this first path; every later page is token-free.
    path("p/<str:token>/", entry.open_link, name="open"),
    path("self-service/", entry.start, name="start"),
    path("self-service/date-of-birth/", entry.date_of_birth, name="date-of-birth"),
    path("self-service/language/<str:code>/", entry.language, name="language"),
    path("self-service/you/", entry.home, name="home"),
    path("self-service/sign-out/", entry.sign_out, name="sign-out"),
    path("self-service/symptoms/", case.symptoms, name="case-symptoms"),
    path("self-service/symptoms/started/", case.onset, name="case-onset"),
    path("self-service/household/", case.household, name="case-household"),
    path("self-service/close-contacts/", case.contacts, name="case-contacts"),
    path("self-service/places/", case.places, name="case-places"),
    path("self-service/help/", case.support, name="case-support"),
    path("self-service/check-your-answers/", case.check, name="case-check"),
    path("self-service/sent/", case.done, name="case-done"),
    path("self-service/symptom-check/", contact.symptom_check, name="contact-symptom-check"),
    path("self-service/get-a-test/", contact.symptoms_advice, name="contact-symptoms-advice"),
    path("self-service/help-to-isolate/", support.help_page, name="help"),
    path("self-service/help-to-isolate/sent/", support.help_sent, name="help-sent"),
    path("self-service/support-payment/", support.claim, name="claim"),
    path("self-service/support-payment/check/", support.claim_check, name="claim-check"),
    path("self-service/support-payment/sent/", support.claim_sent, name="claim-sent"),
    path("self-service/isolation-note/", note.note_page, name="note"),
    path("self-service/isolation-note/download/", note.note_pdf, name="note-pdf"),
    path("self-service/accessibility/", about.accessibility, name="accessibility"),
    path("self-service/privacy/", about.privacy, name="privacy"),
    path("self-service/cookies/", about.cookies, name="cookies"),
    # Staff.
    path("cases/<int:pk>/self-service-link/", staff.send_case_link, name="send-case-link"),
    path("contacts/<int:pk>/self-service-link/", staff.send_contact_link, name="send-contact-link"),
    path("self-service-links/<int:pk>/revoke/", staff.revoke_link, name="revoke-link"),
    path("isolation-notes/verify/", note.verify_note, name="verify-note"),
]
