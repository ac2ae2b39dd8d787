"""What every staff page with a form does alike."""

from django.shortcuts import render


def posted_data(request):
    """The form data, or None on a first visit. Not `request.POST or None`: an empty POST
    must be checked (and refused), not taken for a first visit to the page."""
    return request.POST if request.method == "POST" else None


def form_page(request, template: str, context: dict):
    """A page with a form: 400 when it shows errors, so a failed POST is not a success."""
    form = context.get("form")
    return render(request, template, context, status=400 if form and form.errors else 200)
