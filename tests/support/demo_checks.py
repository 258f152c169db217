"""The demo's working day leaves support officers a realistic queue, made through the support actions.

Checked on the day `tests/demo/test_working_day.py` plays (playing one takes half a minute), not on one of its own.
"""

from __future__ import annotations

from django.utils import timezone

from localtrace.areas.models import Membership, Role
from localtrace.audit.models import AuditEvent
from localtrace.demo.working_day import WorkingDaySummary
from localtrace.support.models import Organisation, PaymentClaim, Referral, SupportAttempt, SupportRequest


def check_a_support_queue_at_every_stage(played: WorkingDaySummary) -> None:
    assert "support requests asked" in played.line()
    officer_area = Membership.objects.get(user__username="support.a", role=Role.SUPPORT_OFFICER).team.area
    requests = SupportRequest.objects.filter(area=officer_area)
    statuses = set(requests.values_list("status", flat=True))
    assert {"new", "in_progress"} & statuses and {"resolved", "unable", "declined"} & statuses, statuses
    assert Organisation.objects.filter(area=officer_area, active=True).count() >= 5
    assert SupportAttempt.objects.filter(request__area=officer_area).exists()
    assert Referral.objects.filter(request__area=officer_area).exists()
    # Everything through the actions: each request, attempt, referral and claim has its audit event.
    for model, label in (
        (SupportRequest, "support.supportrequest"),
        (SupportAttempt, "support.supportattempt"),
        (Referral, "support.referral"),
        (PaymentClaim, "support.paymentclaim"),
    ):
        made = {str(pk) for pk in model.objects.values_list("pk", flat=True)}
        audited = set(AuditEvent.objects.filter(object_type=label, action="create").values_list("object_id", flat=True))
        assert made == audited, label
    # Officers never work at night in the demo.
    for made_at in SupportAttempt.objects.values_list("made_at", flat=True):
        assert 9 <= timezone.localtime(made_at).hour < 18, made_at
