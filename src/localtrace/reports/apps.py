from django.apps import AppConfig


class ReportsConfig(AppConfig):
    name = "localtrace.reports"
    label = "reports"
    # Named in the audit trail, which has no model for them (see audit.labels): one per line list.
    audit_kinds = {
        "reports.cases": "Line list of cases",
        "reports.contacts": "Line list of contacts",
        "reports.settings": "Line list of settings",
    }
