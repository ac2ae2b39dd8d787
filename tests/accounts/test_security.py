"""Security headers, sign-in lockout, the signature throttle and sessions."""

import datetime
import io
from unittest import mock

import pytest
from django.contrib.sessions.models import Session
from django.core.management import call_command
from django.test import Client
from django.utils import timezone

from approvals import services
from approvals.models import AuditAction, AuditEvent, Decision
from approvals.services import SignatureRefused
from tests.environment import PRODUCTION, settings_in
from tests.factories import PASSWORD, make_case
from tests.workflow import to_ready

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("path", ["/", "/decisions/", "/staff/", "/staff/cases/"])
def test_public_and_staff_pages_send_the_security_headers(client, manager, path):
    client.force_login(manager)
    response = client.get(path, secure=True)
    assert response.status_code == 200
    policy = response["Content-Security-Policy"]
    assert "default-src 'self'" in policy
    assert "script-src 'self'" in policy and "style-src 'self'" in policy
    assert "unsafe-inline" not in policy and "unsafe-eval" not in policy
    assert "frame-ancestors 'none'" in policy
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Referrer-Policy"] == "same-origin"
    assert response["X-Frame-Options"] == "DENY"
    assert response["Strict-Transport-Security"].startswith("max-age=31536000")


def test_production_settings_secure_the_cookies_and_require_mfa():
    values = settings_in(
        PRODUCTION,
        "[settings.SESSION_COOKIE_SECURE, settings.CSRF_COOKIE_SECURE, "
        "settings.SESSION_COOKIE_HTTPONLY, settings.CSRF_COOKIE_HTTPONLY, "
        "settings.SECURE_SSL_REDIRECT, settings.SECURE_HSTS_SECONDS, settings.MFA_REQUIRED]",
    )
    assert values == [True, True, True, True, True, 31_536_000, True]


def test_the_session_cookie_is_http_only_and_secure(client, manager, settings):
    settings.SESSION_COOKIE_SECURE = True
    response = client.post(
        "/accounts/login/", {"username": "manager", "password": PASSWORD}, secure=True
    )
    cookie = response.cookies["sessionid"]
    assert cookie["httponly"] and cookie["secure"]
    assert cookie["samesite"] == "Lax"


@pytest.fixture
def lockouts(settings):
    settings.AXES_ENABLED = True
    settings.AXES_FAILURE_LIMIT = 3


def sign_in(client, username, password, address="203.0.113.9"):
    return client.post(
        "/accounts/login/",
        {"username": username, "password": password},
        REMOTE_ADDR=address,
    )


def test_a_user_is_locked_out_after_repeated_failures(client, manager, lockouts):
    for _ in range(2):
        assert sign_in(client, "manager", "wrong").status_code == 200
    assert sign_in(client, "manager", "wrong").status_code == 429  # the third failure
    locked = sign_in(client, "manager", PASSWORD)
    assert locked.status_code == 429
    assert "You have tried to sign in too many times" in locked.content.decode()
    # From another address too: the username itself is locked.
    assert sign_in(Client(), "manager", PASSWORD, address="198.51.100.7").status_code == 429


def test_an_address_is_locked_out_after_failures_across_usernames(client, manager, lockouts):
    for name in ("alice", "bob", "carol"):
        sign_in(client, name, "wrong")
    assert sign_in(client, "manager", PASSWORD).status_code == 429


def test_the_admin_sign_in_page_counts_towards_the_same_lockout(client, lockouts, db):
    from django.contrib.auth.models import User

    User.objects.create_superuser("root", "root@example.org", PASSWORD)
    for _ in range(3):
        client.post(
            "/admin/login/", {"username": "root", "password": "wrong"}, REMOTE_ADDR="203.0.113.9"
        )
    assert sign_in(Client(), "root", PASSWORD, address="198.51.100.7").status_code == 429
    admin = Client().post("/admin/login/", {"username": "root", "password": PASSWORD})
    assert admin.status_code == 429


def test_an_administrator_can_unlock_a_user(client, manager, lockouts):
    for _ in range(3):
        sign_in(client, "manager", "wrong")
    call_command("axes_reset_username", "manager", stdout=io.StringIO())
    call_command("axes_reset_ip", "203.0.113.9", stdout=io.StringIO())
    assert sign_in(client, "manager", PASSWORD).status_code == 302


def test_the_client_address_behind_a_proxy_is_the_one_the_proxy_saw(rf, settings):
    from config.client_ip import client_ip

    request = rf.get("/", REMOTE_ADDR="10.0.0.1", HTTP_X_FORWARDED_FOR="1.2.3.4, 203.0.113.9")
    settings.PROXY_COUNT = 0
    assert client_ip(request) == "10.0.0.1"
    settings.PROXY_COUNT = 1
    # The client may have sent its own X-Forwarded-For ("1.2.3.4"): only the proxy's
    # entry is trusted.
    assert client_ip(request) == "203.0.113.9"


def test_signing_a_decision_is_throttled_after_wrong_passwords(people, settings):
    settings.SIGNATURE_FAILURE_LIMIT = 3
    case = make_case(people.manager)
    to_ready(case, people)
    for _ in range(3):
        with pytest.raises(SignatureRefused, match="password is not right"):
            services.decide(
                case,
                by=people.dmpc,
                outcome="approve",
                no_alternatives=True,
                password="guess",
                reasons="Good.",
            )
    with pytest.raises(SignatureRefused, match="too many times"):
        services.decide(
            case,
            by=people.dmpc,
            outcome="approve",
            no_alternatives=True,
            password=PASSWORD,
            reasons="Good.",
        )
    assert not Decision.objects.exists()
    assert AuditEvent.objects.filter(action=AuditAction.SIGNATURE_REFUSED).count() == 3
    later = timezone.now() + settings.SIGNATURE_COOLOFF + datetime.timedelta(seconds=1)
    with mock.patch("approvals.services.timezone.now", return_value=later):
        decision = services.decide(
            case,
            by=people.dmpc,
            outcome="approve",
            no_alternatives=True,
            password=PASSWORD,
            reasons="Good.",
        )
    assert decision.reference == "PCD 1"


def test_a_session_ends_after_inactivity_and_each_request_extends_it(client, manager, settings):
    assert settings.SESSION_SAVE_EVERY_REQUEST is True
    assert settings.SESSION_COOKIE_AGE <= 60 * 60
    client.force_login(manager)
    client.get("/staff/")
    session = Session.objects.get()
    Session.objects.filter(pk=session.pk).update(
        expire_date=timezone.now() + datetime.timedelta(seconds=5)
    )
    client.get("/staff/")
    assert Session.objects.get().expire_date > timezone.now() + datetime.timedelta(minutes=5)
    Session.objects.update(expire_date=timezone.now() - datetime.timedelta(seconds=1))
    response = client.get("/staff/")
    assert response.status_code == 302 and response["Location"].startswith("/accounts/login/")


def test_an_administrator_signs_a_user_out_everywhere(client, manager, db):
    from django.contrib.auth.models import User

    laptop, phone = Client(), Client()
    laptop.force_login(manager)
    phone.force_login(manager)
    admin = User.objects.create_superuser("root", "root@example.org", PASSWORD)
    client.force_login(admin)
    response = client.post(
        "/admin/auth/user/",
        {"action": "sign_out_everywhere", "_selected_action": [manager.pk]},
        follow=True,
    )
    assert "2 session(s) ended" in response.content.decode()
    for device in (laptop, phone):
        assert device.get("/staff/").status_code == 302
    assert client.get("/admin/").status_code == 200


def test_passwords_are_checked_by_the_validators(settings):
    from django.contrib.auth.password_validation import validate_password
    from django.core.exceptions import ValidationError

    with pytest.raises(ValidationError):
        validate_password("password")
    with pytest.raises(ValidationError):
        validate_password("12345678901")
    validate_password("correct-horse-battery-staple-7")


def test_nobody_can_change_audit_events_in_the_admin(client, db):
    from django.contrib.auth.models import User

    admin = User.objects.create_superuser("root", "root@example.org", PASSWORD)
    client.force_login(admin)
    assert client.get("/admin/approvals/auditevent/").status_code == 200
    assert client.get("/admin/approvals/auditevent/add/").status_code == 403
