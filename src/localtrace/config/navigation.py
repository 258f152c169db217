"""The service navigation, by what the signed-in user may do. Links only to pages they may open.

The bar shows the pages a role works in all day (queues, alerts, its main tools); the rest (reference
registers, checks, one's own account) are listed under "More pages" on the home page, which the bar's
last link opens, so a team lead's bar fits on one line instead of sixteen links over two.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.http import HttpRequest

from localtrace.accounts.access import Scope, can, scope_for
from localtrace.areas.models import Role
from localtrace.core.addresses import address  # worked out once per process: every page builds the bar


@dataclass(frozen=True)
class NavItem:
    text: str
    href: str
    current: bool


# Pages that stay off the bar (unless the role has nothing else, as for an administrator's areas).
SECONDARY = {"Chains", "Isolation notes", "Settings", "Areas", "Teams", "Outbox", "Your account"}


@dataclass(frozen=True)
class Navigation:
    bar: list[NavItem]
    more: list[NavItem]


def navigation_for(request: HttpRequest) -> Navigation:
    scope = scope_for(request.user)
    entries = _entries(request, scope)
    secondary = set(SECONDARY)
    if scope.administrator:
        secondary -= {"Areas", "Teams"}  # an administrator's main work
    # The service name beside the bar already leads home.
    bar = [item for item in entries if item.text not in secondary and item.text != "Home"]
    more = [item for item in entries if item.text in secondary]
    if more:
        bar.append(NavItem("More", address("core:home") + "#more-pages", current=False))
    return Navigation(bar=bar, more=more)


def _entries(request: HttpRequest, scope: Scope) -> list[NavItem]:
    entries: list[tuple[str, str]] = [("Home", address("core:home"))]
    if can(request.user, "case.queue"):
        entries.append(("Cases", address("cases:queue")))
        entries.append(("Contacts", address("contacts:queue")))
        entries.append(("Find", address("people:find")))
    if can(request.user, "team.lead"):
        entries.append(("Team", address("cases:team")))
    if can(request.user, "case.queue"):  # Transmission chains (issue 7): the same people as the case queue.
        entries.append(("Chains", address("cases:chains")))
    # Self-service portal (issue 6): staff check an isolation note's reference.
    if can(request.user, "case.queue"):
        entries.append(("Isolation notes", address("portal:verify-note")))
    if can(request.user, "support.queue"):  # isolation support (issue 8)
        entries.append(("Support", address("support:queue")))
    # Settings, clusters and outbreaks (issue 7): alerts with their count for team and area leads.
    if can(request.user, "cluster.alerts"):
        from localtrace.places.views.clusters import open_cluster_count

        alerts = open_cluster_count(request.user)
        entries.append((f"Clusters ({alerts})" if alerts else "Clusters", address("places:cluster-list")))
    if can(request.user, "case.queue"):
        entries.append(("Outbreaks", address("places:outbreak-list")))
        entries.append(("Settings", address("places:setting-list")))
    # Person linkage (issue 10).
    if can(request.user, "duplicate.queue"):
        entries.append(("Duplicates", address("people:duplicate-list")))
    if can(request.user, "results.upload"):
        entries.append(("Results", address("results:submission-list")))
    if scope.working_area_ids or scope.administrator:
        entries.append(("Areas", address("areas:area-list")))
    if scope.team_ids or scope.administrator or Role.AREA_LEAD in scope.all_roles:
        entries.append(("Teams", address("areas:team-list")))
    # Performance figures (reports app).
    if can(request.user, "reports.view"):
        entries.append(("Performance", address("reports:index")))
    if can(request.user, "user.list"):
        entries.append(("Users", address("accounts:user-list")))
    if can(request.user, "message.list"):
        entries.append(("Outbox", address("messaging:outbox")))
    if can(request.user, "submitter.manage"):
        entries.append(("Submitters", address("submitters:submitter-list")))
    if can(request.user, "audit.subject_access"):
        entries.append(("Subject access", address("audit:sar-list")))
    if can(request.user, "audit.search"):
        entries.append(("Audit trail", address("audit:event-list")))
    entries.append(("Your account", address("accounts:account")))
    path = request.path
    home = address("core:home")
    # The longest address the page lies under is the current one: subject access lies under the audit trail's.
    under = max((href for _, href in entries if href != home and path.startswith(href)), key=len, default=None)
    return [NavItem(text, href, current=(path == href) if href == home else href == under) for text, href in entries]
