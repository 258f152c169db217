"""localtrace approve-role [ID]: list the roles waiting for a second administrator, or approve one on the server."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils import timezone

from localtrace.accounts import services
from localtrace.accounts.models import RoleGrant


class Command(BaseCommand):
    help = (
        "List the roles waiting for another administrator's approval, or approve one by its number. For a service "
        "with a single administrator: whoever runs commands on the server approves in the second administrator's place."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("number", nargs="?", type=int, help="The number of the role to approve, from the list.")

    def handle(self, *args: Any, number: int | None, **options: Any) -> None:
        waiting = RoleGrant.objects.select_related("user", "team", "granted_by")
        if number is None:
            if not waiting.exists():
                self.stdout.write("No roles are waiting for approval.")
            for grant in waiting:
                given = timezone.localtime(grant.granted_at)
                self.stdout.write(
                    f"{grant.pk}: {grant.description} for {grant.user.full_name} ({grant.user.username}), "
                    f"given by {grant.granted_by.full_name} at {given:%H:%M, %d %b %Y}"
                )
            return
        chosen = waiting.filter(pk=number).first()
        if chosen is None:
            raise CommandError(f"No role numbered {number} is waiting: `localtrace approve-role` lists those that are.")
        try:
            services.approve_role(None, chosen)
        except services.AccountRefused as refused:
            raise CommandError(f"Not approved. {refused}") from None
        self.stdout.write(f"Approved: {chosen.description} for {chosen.user.full_name}.")
