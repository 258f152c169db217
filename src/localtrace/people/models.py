"""People: cases and contacts, one record per real person as far as matching can tell."""

from __future__ import annotations

from django.db import models
from django.utils import timezone

from localtrace.people.names import name_key


class Person(models.Model):
    class Sex(models.TextChoices):
        FEMALE = "female", "Female"
        MALE = "male", "Male"
        OTHER = "other", "Other"
        UNKNOWN = "unknown", "Not known"

    nhs_number = models.CharField(max_length=10, blank=True, db_index=True)
    given_name = models.CharField(max_length=100)
    family_name = models.CharField(max_length=100)
    date_of_birth = models.DateField(null=True, blank=True)
    sex = models.CharField(max_length=8, choices=Sex.choices, default=Sex.UNKNOWN)
    address_line_1 = models.CharField(max_length=200, blank=True)
    postcode = models.CharField(max_length=8, blank=True)
    phone = models.CharField(max_length=20, blank=True, help_text="E.164, for example +447700900123")
    email = models.EmailField(blank=True)
    preferred_language = models.CharField(max_length=8, default="en")
    # Normalised "given|family" used by exact matching; kept in step by save().
    match_key = models.CharField(max_length=220, editable=False, db_index=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        indexes = [models.Index(fields=["match_key", "date_of_birth", "postcode"], name="person_exact_match")]

    def __str__(self) -> str:
        return f"Person {self.pk}"

    def save(self, *args: object, **kwargs: object) -> None:
        self.match_key = self.key_for(self.given_name, self.family_name)
        super().save(*args, **kwargs)  # type: ignore[arg-type]

    @property
    def full_name(self) -> str:
        return f"{self.given_name} {self.family_name}".strip()

    @staticmethod
    def key_for(given_name: str, family_name: str) -> str:
        return f"{name_key(given_name)}|{name_key(family_name)}"
