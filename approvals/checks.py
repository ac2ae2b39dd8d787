"""System checks for what a deployment must set."""

from django.conf import settings
from django.core import checks


@checks.register(checks.Tags.security, deploy=True)
def audit_key_is_set(app_configs, **kwargs):
    if settings.AUDIT_KEY == settings.INSECURE_AUDIT_KEY:
        return [
            checks.Error(
                "AUDIT_KEY is the development key.",
                hint="Set AUDIT_KEY to a long random secret kept outside the database, and "
                "never change it: every audit event is checked with it.",
                id="approvals.E001",
            )
        ]
    if len(settings.AUDIT_KEY) < 32:
        return [
            checks.Error(
                "AUDIT_KEY is shorter than 32 characters.",
                hint="Use a long random secret, for example 50 characters from "
                "`python -c 'import secrets; print(secrets.token_urlsafe(50))'`.",
                id="approvals.E002",
            )
        ]
    return []
