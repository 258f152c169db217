"""Staff accounts. Team roles live in areas.Membership; deployment-wide roles live here."""

from __future__ import annotations

from django.contrib.auth.models import AbstractUser
from django.db import models
from django.db.models.functions import Lower
from django.utils import timezone


class User(AbstractUser):
    class DeploymentRole(models.TextChoices):
        NONE = "", "None"
        ADMINISTRATOR = "administrator", "Administrator"
        DATA_PROTECTION_OFFICER = "data_protection_officer", "Data protection officer"

    full_name = models.CharField(max_length=150)
    email = models.EmailField(unique=True)
    phone = models.CharField(max_length=32, blank=True)
    deployment_role = models.CharField(max_length=32, choices=DeploymentRole.choices, blank=True, default="")
    # Demo accounts may skip the second factor, and only while the service runs in demo mode.
    is_demo_account = models.BooleanField(default=False)

    REQUIRED_FIELDS = ["email", "full_name"]

    class Meta:
        ordering = ["full_name"]
        # The account pages refuse a name or address another account has in other capitals; these keep two
        # requests at once (or a script) from getting past that check.
        constraints = [
            models.UniqueConstraint(Lower("email"), name="user_email_any_case"),
            models.UniqueConstraint(Lower("username"), name="user_username_any_case"),
        ]

    def __str__(self) -> str:
        return self.full_name or self.username

    def get_full_name(self) -> str:
        """The one name field staff have (Django's own reads first_name and last_name, which stay empty)."""
        return self.full_name

    @property
    def is_administrator(self) -> bool:
        return self.deployment_role == self.DeploymentRole.ADMINISTRATOR

    @property
    def is_data_protection_officer(self) -> bool:
        return self.deployment_role == self.DeploymentRole.DATA_PROTECTION_OFFICER


class RoleGrant(models.Model):
    """A role one administrator has given, which takes effect only when another administrator approves it.

    No one person can give an account access to personal data. Otherwise an administrator could invite an account
    with a mailbox of their own, give it a tracer's role and read case records, or make it a second administrator
    that approves their own grants. A team role (`team` set, `role` an areas.Role) becomes a Membership when
    approved; a service-wide role (no `team`, `role` a DeploymentRole) becomes the account's `deployment_role`.
    Until then it grants nothing: the access module reads memberships and service-wide roles only.
    Taking a role away needs no approval.
    """

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="role_grants")
    team = models.ForeignKey("areas.Team", null=True, blank=True, on_delete=models.CASCADE, related_name="+")
    role = models.CharField(max_length=32)
    granted_by = models.ForeignKey(User, on_delete=models.PROTECT, related_name="+")
    granted_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["granted_at", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["user", "team", "role"], condition=models.Q(team__isnull=False), name="role_grant_per_team_role"
            ),
            models.UniqueConstraint(
                fields=["user"], condition=models.Q(team__isnull=True), name="role_grant_one_service_role"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.description} for {self.user}, waiting for approval"

    @property
    def description(self) -> str:
        """ "Tracer in Longsedgeshire Tracing", or "Administrator for the whole service"."""
        if self.team_id is None:
            return f"{User.DeploymentRole(self.role).label} for the whole service"
        from localtrace.areas.models import Role

        return f"{Role(self.role).label} in {self.team.name}"  # type: ignore[union-attr]
