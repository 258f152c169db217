"""Staff accounts. Team roles live in areas.Membership; deployment-wide roles live here."""

from __future__ import annotations

from django.contrib.auth.models import AbstractUser
from django.db import models
from django.db.models.functions import Lower


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
