"""The Permissions-Policy header: the browser features this service never uses are
switched off for its pages and anything they might embed, so a script that got in could
not reach a camera, a microphone, a location or a payment (settings.PERMISSIONS_POLICY)."""

from django.conf import settings


def header_value(policy: dict[str, list[str]]) -> str:
    """`camera=(), fullscreen=(self)`: each feature and the origins allowed it."""
    return ", ".join(f"{feature}=({' '.join(allowed)})" for feature, allowed in policy.items())


class PermissionsPolicyMiddleware:
    """Set on every response, static files included (it runs before WhiteNoise)."""

    def __init__(self, get_response):
        self.get_response = get_response
        self.value = header_value(settings.PERMISSIONS_POLICY)

    def __call__(self, request):
        response = self.get_response(request)
        response.headers.setdefault("Permissions-Policy", self.value)
        return response
