from django.contrib.auth.decorators import login_required
from django.shortcuts import render
from django.views.decorators.http import require_safe

from approvals.accounts.roles import Role, roles_of
from approvals.queues import queues_for


@require_safe
@login_required
def staff_home(request):
    held = roles_of(request.user)
    roles = [role.label for role in Role if role.value in held]
    return render(
        request, "approvals/staff_home.html", {"roles": roles, "queues": queues_for(request.user)}
    )
