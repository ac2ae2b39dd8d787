import os

from django.core.exceptions import ImproperlyConfigured
from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")

application = get_wsgi_application()


def _refuse_insecure_key():
    from django.conf import settings

    if settings.DEBUG:
        return
    if settings.SECRET_KEY == settings.INSECURE_SECRET_KEY:
        raise ImproperlyConfigured("Set SECRET_KEY: the development key must not serve requests.")
    if settings.AUDIT_KEY == settings.INSECURE_AUDIT_KEY:
        raise ImproperlyConfigured("Set AUDIT_KEY: the development key must not serve requests.")


_refuse_insecure_key()
