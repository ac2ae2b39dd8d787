"""Views for the performance benchmark (tests/bench/run.py), served only by its own
URLconf (tests/bench/urls.py, the benchmark settings' ROOT_URLCONF): production's
config.urls knows nothing of them.

`reference` is what a straightforward Django list page costs on this machine: 20 rows of
the publications table joined to the decisions table, a COUNT for the paginator and a
plain template, with no caching. `plaintext` returns 13 bytes: the ceiling for any
Django response through this project's middleware.
"""

from django.core.paginator import Paginator
from django.http import HttpResponse
from django.shortcuts import render
from django.urls import path
from django.views.decorators.http import require_safe

from approvals.models import Publication

PLAINTEXT = b"Hello, world!"


@require_safe
def plaintext(request):
    return HttpResponse(PLAINTEXT, content_type="text/plain")


@require_safe
def reference(request):
    rows = Publication.objects.select_related("decision").order_by("-id")
    page = Paginator(rows, 20).get_page(request.GET.get("page"))
    return render(request, "bench/reference.html", {"page": page})


urlpatterns = [
    path("bench/plaintext", plaintext, name="bench-plaintext"),
    path("bench/reference/", reference, name="bench-reference"),
]
