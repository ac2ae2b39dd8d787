"""The settings module reads its configuration from the environment."""

import pytest
from django.conf import settings

from tests.environment import PRODUCTION, ROOT, run_python, settings_in


def test_without_database_url_it_uses_sqlite_in_the_project_folder():
    db = settings_in({}, "settings.DATABASES['default']")
    assert db["ENGINE"] == "django.db.backends.sqlite3"
    assert db["NAME"] == str(ROOT / "db.sqlite3")
    assert "/db.sqlite3" in (ROOT / ".gitignore").read_text()


def test_database_url_selects_postgresql_with_persistent_checked_connections():
    db = settings_in(PRODUCTION, "settings.DATABASES['default']")
    assert db["ENGINE"] == "django.db.backends.postgresql"
    assert (db["HOST"], db["PORT"], db["NAME"], db["USER"]) == (
        "db.example.org",
        5432,
        "grants",
        "grants",
    )
    assert db["CONN_MAX_AGE"] >= 60
    assert db["CONN_HEALTH_CHECKS"] is True


def test_debug_is_off_unless_asked_for():
    assert settings_in({}, "settings.DEBUG") is False
    assert settings_in({"DEBUG": "1"}, "settings.DEBUG") is True


def test_a_bad_boolean_fails_loudly():
    result = run_python(["-c", "import django; django.setup()"], {"DEBUG": "perhaps"})
    assert result.returncode != 0
    assert "DEBUG must be true or false, not 'perhaps'" in result.stderr


def test_check_deploy_is_clean_with_production_variables():
    result = run_python(["manage.py", "check", "--deploy", "--fail-level", "WARNING"], PRODUCTION)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout


def test_wsgi_refuses_to_serve_with_the_development_key():
    result = run_python(["-c", "import config.wsgi"], {"ALLOWED_HOSTS": "decisions.example.org"})
    assert result.returncode != 0
    assert "Set SECRET_KEY" in result.stderr


@pytest.mark.parametrize(
    "name", ["SESSION_COOKIE_HTTPONLY", "CSRF_COOKIE_HTTPONLY", "SECURE_CONTENT_TYPE_NOSNIFF"]
)
def test_security_defaults_hold_in_the_test_run(name):
    assert getattr(settings, name) is True


def test_wsgi_refuses_to_serve_with_the_development_audit_key():
    production = {name: value for name, value in PRODUCTION.items() if name != "AUDIT_KEY"}
    result = run_python(["-c", "import config.wsgi"], production)
    assert result.returncode != 0
    assert "Set AUDIT_KEY" in result.stderr


def test_check_deploy_requires_an_audit_key_of_its_own():
    production = {name: value for name, value in PRODUCTION.items() if name != "AUDIT_KEY"}
    result = run_python(["manage.py", "check", "--deploy"], production)
    assert result.returncode != 0
    assert "approvals.E001" in result.stderr
    short = run_python(["manage.py", "check", "--deploy"], {**PRODUCTION, "AUDIT_KEY": "short"})
    assert "approvals.E002" in short.stderr


def test_check_deploy_fails_naming_site_url_when_it_is_not_set():
    production = {name: value for name, value in PRODUCTION.items() if name != "SITE_URL"}
    result = run_python(["manage.py", "check", "--deploy"], production)
    assert result.returncode != 0
    assert "approvals.E003" in result.stderr
    assert "SITE_URL is not set" in result.stderr
    assert "http://127.0.0.1:8000" in result.stderr


@pytest.mark.parametrize(
    ("site_url", "error"),
    [
        ("http://decisions.example.org", "approvals.E004"),
        ("decisions.example.org", "approvals.E004"),
        ("https://", "approvals.E004"),
        ("https://decisions.example.org/register", "approvals.E005"),
        ("https://decisions.example.org/?a=1", "approvals.E005"),
    ],
)
def test_check_deploy_requires_site_url_to_be_an_https_address(site_url, error):
    result = run_python(["manage.py", "check", "--deploy"], {**PRODUCTION, "SITE_URL": site_url})
    assert result.returncode != 0
    assert error in result.stderr
    assert "SITE_URL must be" in result.stderr


def test_site_url_is_taken_without_its_trailing_slash_and_passes_the_check():
    production = {**PRODUCTION, "SITE_URL": "https://decisions.example.org/"}
    assert settings_in(production, "settings.SITE_URL") == "https://decisions.example.org"
    result = run_python(["manage.py", "check", "--deploy", "--fail-level", "WARNING"], production)
    assert result.returncode == 0, result.stdout + result.stderr


def test_debug_runs_without_site_url_on_the_development_address():
    assert settings_in({"DEBUG": "1"}, "settings.SITE_URL") == "http://127.0.0.1:8000"
    result = run_python(["manage.py", "check"], {"DEBUG": "1"})
    assert result.returncode == 0, result.stdout + result.stderr
    assert "SITE_URL" not in result.stderr


def test_every_absolute_link_is_built_on_site_url_not_on_the_request():
    """No code builds a link from the request's host, or names the development address
    of its own."""
    sources = [
        path
        for folder in ("approvals", "grants", "config")
        for path in (ROOT / folder).rglob("*.py")
        if "migrations" not in path.parts
    ]
    templates = list((ROOT / "templates").rglob("*.html")) + list(
        (ROOT / "templates").rglob("*.txt")
    )
    for path in sources + templates:
        text = path.read_text()
        assert "build_absolute_uri" not in text, path
        assert "127.0.0.1:8000" not in text or path.name == "settings.py", path


def test_a_bad_contact_email_fails_loudly():
    result = run_python(
        ["-c", "import django; django.setup()"], {"ACCESSIBILITY_CONTACT_EMAIL": "nobody"}
    )
    assert result.returncode != 0
    assert "ACCESSIBILITY_CONTACT_EMAIL must be an email address, not 'nobody'" in result.stderr


def test_feedback_goes_to_the_accessibility_contact_unless_told_otherwise():
    address = {"ACCESSIBILITY_CONTACT_EMAIL": "access@example.org"}
    assert settings_in(address, "settings.FEEDBACK_EMAIL") == "access@example.org"
    both = {**address, "FEEDBACK_EMAIL": "feedback@example.org"}
    assert settings_in(both, "settings.FEEDBACK_EMAIL") == "feedback@example.org"
