"""The address a request came from, for sign-in throttling.

Behind reverse proxies REMOTE_ADDR is the nearest proxy's address, so every user would
share it. With PROXY_COUNT set to the number of proxies the service runs behind, the
client is read from X-Forwarded-For, counting from the right: the entries proxies added
are trusted, anything the client sent before them is not.
"""

from django.conf import settings


def client_ip(request) -> str | None:
    proxies = settings.PROXY_COUNT
    if proxies:
        forwarded = [
            part.strip()
            for part in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",")
            if part.strip()
        ]
        if len(forwarded) >= proxies:
            return forwarded[-proxies]
    return request.META.get("REMOTE_ADDR")
