"""localtrace create-administrator USERNAME --email ADDRESS --full-name NAME: an administrator, made on the server."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser

from localtrace.accounts import services
from localtrace.accounts.forms import UserForm


class Command(BaseCommand):
    help = (
        "Make an administrator account and email them a link to set their password. For the first administrator of "
        "a new service, or a second one: roles given in the service itself wait for another administrator."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("username")
        parser.add_argument("--email", required=True, help="Their work email address.")
        parser.add_argument("--full-name", required=True, help="Their full name, as staff pages show it.")

    def handle(self, *args: Any, username: str, email: str, full_name: str, **options: Any) -> None:
        # The same checks as the administrators' page: username rules, unique name and address in any capitals.
        form = UserForm({"username": username, "email": email, "full_name": full_name, "deployment_role": ""})
        if not form.is_valid():
            reasons = "; ".join(f"{field}: {' '.join(errors)}" for field, errors in form.errors.items())
            raise CommandError(f"No account was made. {reasons}")
        try:
            user = services.create_administrator_on_server({f: form.cleaned_data[f] for f in form.Meta.fields})
        except services.AccountRefused as refused:
            raise CommandError(f"No account was made. {refused}") from None
        self.stdout.write(f"{user.full_name} ({user.username}) is an administrator.")
        if settings.LOCALTRACE_MESSAGE_BACKEND == "outbox":
            # The outbox stores email rather than sending it, and nobody can sign in to read it yet.
            self.stdout.write(
                "Email is not sent with the outbox backend: give them this link to set their password "
                f"(it works once, for {settings.LOCALTRACE_INVITATION_DAYS} days):\n"
                f"{services.set_password_link(user)}"
            )
        else:
            self.stdout.write("We have emailed them a link to set their password.")
