from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.shortcuts import render
from django.views.decorators.http import require_safe

from approvals.accounts.administration import is_administrator
from approvals.accounts.roles import Role, roles_of
from approvals.questions import questions_for
from approvals.queues import queues_for, withdrawals_waiting
from approvals.workflow import STEPS, holds_role_for
from grants.permissions import can_create_case


def forbid_unless_role(user, step: str) -> None:
    """403, in the step's own words, for someone whose roles do not allow it. A page
    checks only this before showing the step: the rest of the workflow's answer is the
    service's, given on the page when the step is tried."""
    if not holds_role_for(user, STEPS[step]):
        raise PermissionDenied(STEPS[step].refusal)


@require_safe
@login_required
def staff_home(request):
    held = roles_of(request.user)
    roles = [role.label for role in Role if role.value in held]
    return render(
        request,
        "approvals/staff_home.html",
        {
            "roles": roles,
            "queues": queues_for(request.user),
            "withdrawals": withdrawals_waiting(request.user),
            "questions": list(questions_for(request.user)),
            "administers": is_administrator(request.user),
            "can_create": can_create_case(request.user),
        },
    )
