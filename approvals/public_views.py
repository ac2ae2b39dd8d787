"""Pages anyone may read: the register's home page and the statements every service publishes."""

from django.shortcuts import render
from django.views.decorators.http import require_safe


@require_safe
def home(request):
    return render(request, "public/home.html")


@require_safe
def accessibility(request):
    return render(request, "public/accessibility.html")


@require_safe
def privacy(request):
    return render(request, "public/privacy.html")
