"""What every staff page with a form does alike."""

from functools import wraps

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.shortcuts import render

from approvals.roles import roles_of


def posted_data(request):
    """The form data, or None on a first visit. Not `request.POST or None`: an empty POST
    must be checked (and refused), not taken for a first visit to the page."""
    return request.POST if request.method == "POST" else None


def form_page(request, template: str, context: dict):
    """A page with a form: 400 when it shows errors, so a failed POST is not a success."""
    form = context.get("form")
    return render(request, template, context, status=400 if form and form.errors else 200)


def role_required(roles, refusal: str):
    """Signed-in users holding one of `roles`; anyone else signed in gets 403 with
    `refusal`, and a visitor who is not signed in is sent to sign in."""
    wanted = {getattr(role, "value", role) for role in roles}

    def decorator(view):
        @wraps(view)
        def wrapped(request, *args, **kwargs):
            if not roles_of(request.user) & wanted:
                raise PermissionDenied(refusal)
            return view(request, *args, **kwargs)

        return login_required(wrapped)

    return decorator
