"""System checks for what a deployment must set."""

from urllib.parse import urlsplit

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


@checks.register(checks.Tags.security, deploy=True)
def site_url_is_set(app_configs, **kwargs):
    """Every absolute link the service makes (open data, feeds, the PDFs, emails, audit
    anchors) is built on SITE_URL, never on a request's Host header: outside DEBUG it must
    be the public https address itself."""
    if settings.DEBUG:
        return []
    hint = (
        "Set SITE_URL to the service's public address, for example "
        "https://decisions.mopac.london.gov.uk: every link in the open data, the feeds, "
        "the decision forms, emails and audit anchors is built on it."
    )
    if settings.SITE_URL == settings.DEVELOPMENT_SITE_URL:
        return [
            checks.Error(
                f"SITE_URL is not set, so every absolute link points at {settings.SITE_URL}.",
                hint=hint,
                id="approvals.E003",
            )
        ]
    parts = urlsplit(settings.SITE_URL)
    if parts.scheme != "https" or not parts.hostname:
        return [
            checks.Error(
                f"SITE_URL must be an absolute https URL, not {settings.SITE_URL!r}.",
                hint=hint,
                id="approvals.E004",
            )
        ]
    if parts.path or parts.query or parts.fragment:
        return [
            checks.Error(
                "SITE_URL must be the site's address alone (scheme and host), not "
                f"{settings.SITE_URL!r}.",
                hint="Links add their own paths to it. " + hint,
                id="approvals.E005",
            )
        ]
    return []
