from django.apps import AppConfig


class ResultsConfig(AppConfig):
    name = "localtrace.results"
    label = "results"
    # Named in the audit trail, which has no model for them (see audit.labels).
    audit_kinds = {"results.quality": "Data-quality report"}
