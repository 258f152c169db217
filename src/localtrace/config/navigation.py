"""The service navigation, by what the signed-in user may do. Links only to pages they may open."""

from __future__ import annotations

from dataclasses import dataclass

from django.http import HttpRequest
from django.urls import reverse

from localtrace.accounts.access import can, scope_for
from localtrace.areas.models import Role


@dataclass(frozen=True)
class NavItem:
    text: str
    href: str
    current: bool


def navigation_for(request: HttpRequest) -> list[NavItem]:
    scope = scope_for(request.user)
    entries: list[tuple[str, str]] = [("Home", reverse("core:home"))]
    if can(request.user, "case.queue"):
        entries.append(("Cases", reverse("cases:queue")))
        entries.append(("Contacts", reverse("contacts:queue")))
    if can(request.user, "team.lead"):
        entries.append(("Team", reverse("cases:team")))
    if can(request.user, "results.upload"):
        entries.append(("Results", reverse("results:submission-list")))
    if scope.working_area_ids or scope.administrator:
        entries.append(("Areas", reverse("areas:area-list")))
    if scope.team_ids or scope.administrator or Role.AREA_LEAD in scope.all_roles:
        entries.append(("Teams", reverse("areas:team-list")))
    # Performance figures (reports app).
    if can(request.user, "reports.view"):
        entries.append(("Performance", reverse("reports:index")))
    if can(request.user, "user.list"):
        entries.append(("Users", reverse("accounts:user-list")))
    if can(request.user, "message.list"):
        entries.append(("Outbox", reverse("messaging:outbox")))
    if can(request.user, "submitter.manage"):
        entries.append(("Submitters", reverse("submitters:submitter-list")))
    if can(request.user, "audit.search"):
        entries.append(("Audit trail", reverse("audit:event-list")))
    entries.append(("Your account", reverse("accounts:account")))
    path = request.path
    home = reverse("core:home")
    return [
        NavItem(text, href, current=(path == href) if href == home else path.startswith(href)) for text, href in entries
    ]
