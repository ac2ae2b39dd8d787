"""Email to the people who must act next on a case, sent only once the change commits."""

import logging

from django.conf import settings
from django.contrib.auth.models import User
from django.core.mail import send_mass_mail
from django.db import transaction
from django.urls import reverse

from approvals.accounts.roles import Role
from approvals.workflow import NEXT_ACTORS
from grants.models import CaseState

logger = logging.getLogger(__name__)


def recipients(case) -> list[str]:
    """Everyone whose role acts next; for a case back in draft, its own grants managers."""
    if case.state == CaseState.DRAFT:
        users = User.objects.filter(pk__in=[case.owner_id, *case.collaborators.values("pk")])
    else:
        roles = [role.value for role in NEXT_ACTORS.get(case.state, ())]
        users = User.objects.filter(groups__name__in=roles)
        if case.state in (CaseState.APPROVED, CaseState.REJECTED, CaseState.WITHDRAWN):
            users = users | User.objects.filter(pk=case.owner_id)
    return sorted(
        set(users.filter(is_active=True).exclude(email="").values_list("email", flat=True))
    )


def current_return(case):
    """The reasons the case was last returned for, while it is still in draft after it."""
    if case.state != CaseState.DRAFT:
        return None
    latest = case.returns.select_related("version").first()
    if latest is None or case.versions.filter(number__gt=latest.version.number).exists():
        return None
    return latest


def send(case, what: str, *, addresses=None, extra: str = "") -> None:
    link = settings.SITE_URL + reverse("grants:report", args=[case.pk])
    subject = f"Grant case {what}: {case.title}"[:200]
    returned = current_return(case)
    if returned is not None and not extra:
        extra = f"Reasons given by the {returned.get_returned_by_display()}:\n{returned.reasons}"
    body = (
        f"The grant case “{case.title}” {what}.\n\n"
        f"It is now: {case.get_state_display()}.\n\n"
        + (f"{extra}\n\n" if extra else "")
        + f"Open it: {link}\n"
    )
    if addresses is None:
        addresses = recipients(case)
    messages = [(subject, body, settings.DEFAULT_FROM_EMAIL, [address]) for address in addresses]
    try:
        send_mass_mail(messages, fail_silently=False)
    except Exception:
        # The change is already committed: a mail failure must not undo or hide it.
        logger.exception("Could not send notifications for case %s", case.pk)


def after_commit(case, what: str) -> None:
    transaction.on_commit(lambda: send(case, what))


def managers_and_office(case) -> list[str]:
    users = User.objects.filter(pk__in=[case.owner_id, *case.collaborators.values("pk")])
    users = users | User.objects.filter(groups__name=Role.DMPC_OFFICE.value)
    return sorted(
        set(users.filter(is_active=True).exclude(email="").values_list("email", flat=True))
    )


def after_commit_not_cleared(case, area_label: str, reason: str) -> None:
    """Tell the case's grants managers and the DMPC office an adviser did not clear it."""
    what = f"was not cleared on {area_label.lower()}"
    transaction.on_commit(
        lambda: send(
            case, what, addresses=managers_and_office(case), extra=f"The reason:\n{reason}"
        )
    )
