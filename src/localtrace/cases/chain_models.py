"""Stored transmission chains: an area's chains as the `refresh_chains` task last computed them.

The pages read these rows instead of building every chain of the area on each request (about 3 s of
CPU for a 100,000-case area). Rows are keyed by area, and every read also requires the case (or the
chain's first case) to be in that area now, so a case that moved since the last run never shows in
its old area's chains.
"""

from __future__ import annotations

from django.db import models


class ChainState(models.Model):
    """One area's last computation: when, the fingerprint of its inputs then, and the area's figures."""

    area = models.OneToOneField("areas.Area", on_delete=models.CASCADE, related_name="chain_state")
    computed_at = models.DateTimeField()
    # Counts and sums over the area's cases and visits when computed: when they are unchanged, so are the chains.
    fingerprint = models.CharField(max_length=300)
    cases = models.PositiveIntegerField(default=0)
    chain_count = models.PositiveIntegerField(default=0)
    linked_count = models.PositiveIntegerField(default=0)
    known_count = models.PositiveIntegerField(default=0)
    # chains.WeekFigures per ISO week, as plain values (no personal data: counts only).
    weeks = models.JSONField(default=list)

    def __str__(self) -> str:
        return f"Chains of {self.area_id} at {self.computed_at:%Y-%m-%d %H:%M}"


class StoredChain(models.Model):
    """One chain of an area (of any size), named by its first case."""

    area = models.ForeignKey("areas.Area", on_delete=models.CASCADE, related_name="+")
    first_case = models.ForeignKey("cases.Case", on_delete=models.CASCADE, related_name="+")
    first_result_date = models.DateField()
    size = models.PositiveIntegerField()
    generations = models.PositiveIntegerField()
    known_source_count = models.PositiveIntegerField()
    possible_only_count = models.PositiveIntegerField()

    class Meta:
        constraints = [models.UniqueConstraint(fields=["area", "first_case"], name="stored_chain_once_per_area")]
        # The area page: chains of two or more, largest first.
        indexes = [models.Index(fields=["area", "-size", "first_result_date", "first_case"], name="stored_chain_order")]

    def __str__(self) -> str:
        return f"Chain from C{self.first_case_id}"


class ChainMember(models.Model):
    """One case's place in its area's chains: which chain, its generation, and how it is linked."""

    case = models.OneToOneField("cases.Case", on_delete=models.CASCADE, related_name="chain_member")
    area = models.ForeignKey("areas.Area", on_delete=models.CASCADE, related_name="+")
    chain_first_case_id = models.PositiveBigIntegerField()
    generation = models.PositiveIntegerField()
    # The confirmed source within the area (the case that named them), if any.
    parent_case_id = models.PositiveBigIntegerField(null=True, blank=True)
    outside_source = models.BooleanField(default=False)
    possible_source = models.BooleanField(default=False)
    loop_break = models.BooleanField(default=False)

    class Meta:
        indexes = [models.Index(fields=["area", "chain_first_case_id"], name="chain_member_chain")]

    def __str__(self) -> str:
        return f"C{self.case_id} in the chain from C{self.chain_first_case_id}"
