"""localtrace load_demo: the demo's staff, teams and a surge delegation, then print the logins."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser

from localtrace.demo.services import DEMO_PASSWORD, DemoSetupError, create_demo_staff


class Command(BaseCommand):
    help = "Create the demo teams and one user per role (demo mode only). Load postcodes first."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--force", action="store_true", help="Run even when LOCALTRACE_DEMO is off (for tests).")

    def handle(self, *args: Any, force: bool, **options: Any) -> None:
        if not settings.DEMO and not force:
            raise CommandError("Demo accounts share a published password: set LOCALTRACE_DEMO=1 to create them.")
        try:
            logins = create_demo_staff()
        except DemoSetupError as error:
            raise CommandError(str(error)) from None
        self.stdout.write(f"Demo logins (password for all: {DEMO_PASSWORD})")
        for login in logins:
            self.stdout.write(f"  {login.username:<15} {login.role:<34} {login.where}")
