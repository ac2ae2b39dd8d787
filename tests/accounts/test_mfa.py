"""Multi-factor sign-in: setting up an authenticator app, checking its codes, and
recovery codes."""

import datetime
import logging
import re
from base64 import b32decode, b32encode
from urllib.parse import unquote

import pytest
from django.test import Client
from django.utils import timezone
from django_otp.oath import TOTP, hotp
from django_otp.plugins.otp_static.models import StaticDevice, StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

from approvals.accounts.forms import RECOVERY_CODE_ALPHABET
from approvals.accounts.recovery import digest
from approvals.models import AuditAction, AuditEvent, RecoveryCode
from tests.environment import PRODUCTION, run_python
from tests.factories import PASSWORD

pytestmark = pytest.mark.django_db

SETUP = "/accounts/mfa/setup/"
VERIFY = "/accounts/mfa/verify/"
WITH_RECOVERY_CODE = "/accounts/mfa/verify/?method=recovery-code"
RECOVERY_CODES = "/accounts/mfa/recovery-codes/"
REPLACE = "/accounts/mfa/authenticator/"


@pytest.fixture(autouse=True)
def mfa_required(settings):
    settings.MFA_REQUIRED = True


def app_code(device: TOTPDevice) -> str:
    """The code an authenticator app shows now, in a time step not used before (the
    device refuses a step it has already accepted)."""
    if device.pk:
        device.refresh_from_db()
    now = TOTP(device.bin_key, device.step, device.t0, device.digits, device.drift).t()
    step = max(now, device.last_t + 1)
    assert step <= now + device.tolerance
    return f"{hotp(device.bin_key, step, digits=device.digits):06d}"


def wrong_code(device: TOTPDevice) -> str:
    if device.pk:
        device.refresh_from_db()
    now = TOTP(device.bin_key, device.step, device.t0, device.digits, device.drift).t()
    accepted = {
        f"{hotp(device.bin_key, now + offset, digits=device.digits):06d}"
        for offset in range(-device.tolerance, device.tolerance + 1)
    }
    return next(code for code in ("000000", "111111", "222222", "333333") if code not in accepted)


def shown_codes(response) -> list[str]:
    return re.findall(r"<li><code>([a-z0-9-]+)</code></li>", response.content.decode())


def shown_key(response) -> TOTPDevice:
    """The authenticator a set-up page shows, as an app that scanned it would hold it (not
    saved: the page stores nothing)."""
    secret = re.search(r'<code id="mfa-secret"[^>]*>([A-Z2-7 ]+)</code>', response.content.decode())
    assert secret, "no key on the page"
    return TOTPDevice(key=b32decode(secret.group(1).replace(" ", "")).hex())


def set_up(client, user, next_url: str = "/staff/"):
    """Go through set-up; return the confirmed device and the recovery codes shown."""
    client.force_login(user)
    shown = shown_key(client.get(f"{SETUP}?next={next_url}"))
    response = client.post(f"{SETUP}?next={next_url}", {"code": app_code(shown)})
    assert response.status_code == 200
    return TOTPDevice.objects.get(user=user), shown_codes(response)


def new_session(user) -> Client:
    """Someone who has signed in again with their password, in a fresh browser."""
    browser = Client()
    response = browser.post("/accounts/login/", {"username": user.username, "password": PASSWORD})
    assert response.status_code == 302
    return browser


def assert_kept_hashed(user, codes: list[str]) -> None:
    """The codes are kept only as keyed hashes: neither django_otp's plain tokens nor
    anything of ours holds them as typed."""
    plain = [code.replace("-", "") for code in codes]
    assert not StaticToken.objects.exists()
    stored = RecoveryCode.objects.filter(device__user=user).values_list("digest", flat=True)
    assert sorted(stored) == sorted(digest(user.pk, code) for code in plain)
    assert not set(stored) & set(plain)


@pytest.fixture
def enrolled(client, manager):
    """The manager has set up an authenticator app in an earlier session."""
    device, codes = set_up(client, manager)
    return device, codes


# Who is sent where ------------------------------------------------------------------------


def test_an_anonymous_visitor_is_still_sent_to_sign_in(client, db):
    response = client.get("/staff/")
    assert response.status_code == 302
    assert response["Location"] == "/accounts/login/?next=/staff/"


@pytest.mark.parametrize("path", ["/staff/", "/admin/"])
def test_a_user_without_a_device_is_sent_to_set_one_up(client, manager, path):
    client.force_login(manager)
    response = client.get(path)
    assert response.status_code == 302
    assert response["Location"] == f"{SETUP}?next={path}"


def test_the_whole_address_to_return_to_survives_the_detour(client, manager):
    client.force_login(manager)
    response = client.get("/staff/cases/?state=draft&page=2")
    assert response["Location"] == f"{SETUP}?next=/staff/cases/%3Fstate%3Ddraft%26page%3D2"


def test_signing_in_with_a_password_leads_a_new_user_to_set_up(client, manager):
    response = client.post(
        "/accounts/login/", {"username": "manager", "password": PASSWORD}, follow=True
    )
    assert [url for url, _ in response.redirect_chain] == ["/staff/", f"{SETUP}?next=/staff/"]
    assert response.status_code == 200


def test_with_mfa_not_required_nothing_is_asked(client, manager, settings):
    settings.MFA_REQUIRED = False
    client.force_login(manager)
    assert client.get("/staff/").status_code == 200
    assert not TOTPDevice.objects.exists()


def test_production_settings_require_mfa():
    code = "import django; django.setup(); from django.conf import settings; "
    code += "print(settings.MFA_REQUIRED)"
    production = run_python(["-c", code], PRODUCTION)
    assert production.returncode == 0, production.stderr
    assert production.stdout.strip() == "True"
    # Only a development machine may go without.
    development = run_python(["-c", code], {"DEBUG": "1"})
    assert development.stdout.strip() == "False"


# Setting up -------------------------------------------------------------------------------


def test_the_setup_page_shows_a_qr_code_and_the_secret_to_type(client, manager):
    client.force_login(manager)
    response = client.get(f"{SETUP}?next=/staff/")
    assert response.status_code == 200
    device = shown_key(response)
    assert not TOTPDevice.objects.exists()
    html = response.content.decode()
    assert '<h1 class="govuk-heading-xl">Set up your authenticator app</h1>' in html

    image = re.search(r'<img src="(data:image/svg\+xml[^"]+)"[^>]* alt="([^"]+)"', html)
    assert image, "no QR code image"
    assert "<svg" in unquote(image.group(1))
    assert "QR code" in image.group(2)

    secret = b32encode(device.bin_key).decode()
    grouped = " ".join(secret[i : i + 4] for i in range(0, len(secret), 4))
    assert re.search(f'<code id="mfa-secret"[^>]*>{grouped}</code>', html)
    assert 'autocomplete="one-time-code"' in html and 'inputmode="numeric"' in html
    # Secrets must not be kept by browsers or proxies, and the page obeys the CSP.
    assert "no-store" in response["Cache-Control"]
    assert "style=" not in html and "<script>" not in html


def test_reloading_the_setup_page_keeps_the_same_key_and_stores_nothing(client, manager):
    client.force_login(manager)
    first = shown_key(client.get(SETUP))
    again = shown_key(client.get(SETUP))
    assert again.key == first.key
    assert not TOTPDevice.objects.exists()
    assert not StaticDevice.objects.exists()
    # Another browser setting up at the same time is shown a key of its own.
    other = Client()
    other.force_login(manager)
    assert shown_key(other.get(SETUP)).key != first.key


def test_the_key_shown_is_the_one_confirmed(client, manager):
    client.force_login(manager)
    shown = shown_key(client.get(SETUP))
    shown_key(client.get(SETUP))
    client.post(SETUP, {"code": app_code(shown)})
    device = TOTPDevice.objects.get(user=manager)
    assert device.confirmed is True and device.key == shown.key
    # The code that confirmed it cannot also be used to sign in.
    assert new_session(manager).post(VERIFY, {"code": app_code(shown)}).status_code == 400
    # The pending key is forgotten: the session no longer holds it.
    assert "mfa_setup_key" not in client.session


def test_a_wrong_code_is_refused_and_nothing_is_set_up(client, manager):
    client.force_login(manager)
    device = shown_key(client.get(SETUP))
    response = client.post(SETUP, {"code": wrong_code(device)})
    assert response.status_code == 400
    html = response.content.decode()
    assert "govuk-error-summary" in html
    assert "The code is not correct, or it has expired" in html
    assert "<title>Error: Set up your authenticator app" in html
    # The same key is shown again, to try once more.
    assert shown_key(response).key == device.key
    assert not TOTPDevice.objects.exists()
    assert not RecoveryCode.objects.exists()
    assert client.get("/staff/")["Location"] == f"{SETUP}?next=/staff/"


@pytest.mark.parametrize(
    ("typed", "message"),
    [
        ("", "Enter the 6-digit code from your authenticator app"),
        ("12345", "The code must be 6 digits"),
        ("12ab56", "The code must be 6 digits"),
    ],
)
def test_a_code_of_the_wrong_shape_gets_a_message(client, manager, typed, message):
    client.force_login(manager)
    response = client.post(SETUP, {"code": typed})
    assert response.status_code == 400
    assert message in response.content.decode()
    assert not TOTPDevice.objects.exists()


def test_the_right_code_confirms_the_device_and_shows_ten_recovery_codes_once(client, manager):
    client.force_login(manager)
    code = app_code(shown_key(client.get(f"{SETUP}?next=/staff/cases/")))
    response = client.post(f"{SETUP}?next=/staff/cases/", {"code": f"{code[:3]} {code[3:]}"})

    assert response.status_code == 200
    html = response.content.decode()
    assert '<h1 class="govuk-heading-xl">Save your recovery codes</h1>' in html
    assert "You will not be able to see these codes again" in html
    assert 'href="/staff/cases/"' in html
    assert "no-store" in response["Cache-Control"]
    assert TOTPDevice.objects.get(user=manager).confirmed is True

    codes = shown_codes(response)
    assert len(codes) == len(set(codes)) == 10
    group = f"[{RECOVERY_CODE_ALPHABET}]{{5}}"
    assert all(re.fullmatch(f"{group}-{group}", shown) for shown in codes)
    assert_kept_hashed(manager, codes)

    assert client.get("/staff/").status_code == 200
    # Shown once: set-up is over, so the page now just moves on.
    again = client.get(SETUP)
    assert again.status_code == 302 and again["Location"] == "/staff/"


def test_a_password_alone_cannot_add_another_authenticator(enrolled, manager):
    browser = new_session(manager)
    response = browser.get(f"{SETUP}?next=/staff/")
    assert response["Location"] == f"{VERIFY}?next=/staff/"
    browser.post(SETUP, {"code": "123456"})
    assert TOTPDevice.objects.filter(user=manager).count() == 1


def test_keys_from_abandoned_attempts_are_removed(client, manager):
    """An earlier release saved a key when the set-up page was shown."""
    stale = TOTPDevice.objects.create(user=manager, name="Old attempt", confirmed=False)
    client.force_login(manager)
    shown = shown_key(client.get(SETUP))
    assert shown.key != stale.key
    client.post(SETUP, {"code": app_code(shown)})
    assert list(TOTPDevice.objects.filter(user=manager).values_list("key", flat=True)) == [
        shown.key
    ]


# Verifying in a later session --------------------------------------------------------------


def test_signing_in_again_is_sent_to_verify(enrolled, manager):
    browser = Client()
    response = browser.post(
        "/accounts/login/", {"username": "manager", "password": PASSWORD}, follow=True
    )
    assert [url for url, _ in response.redirect_chain] == ["/staff/", f"{VERIFY}?next=/staff/"]
    html = response.content.decode()
    assert "Enter the code from your authenticator app" in html
    assert f'href="{VERIFY}?method=recovery-code&amp;next=/staff/"' in html


def test_verify_accepts_a_code_from_the_app(enrolled, manager):
    device, _ = enrolled
    browser = new_session(manager)
    response = browser.post(f"{VERIFY}?next=/staff/cases/", {"code": app_code(device)})
    assert response.status_code == 302
    assert response["Location"] == "/staff/cases/"
    assert browser.get("/staff/").status_code == 200
    assert "no-store" in response["Cache-Control"]


def test_verifying_gives_the_session_a_new_key(enrolled, manager):
    device, _ = enrolled
    browser = new_session(manager)
    before = browser.cookies["sessionid"].value
    browser.post(VERIFY, {"code": app_code(device)})
    assert browser.cookies["sessionid"].value != before
    assert browser.get("/staff/").status_code == 200


def test_a_code_from_the_app_cannot_be_used_twice(enrolled, manager):
    device, _ = enrolled
    code = app_code(device)
    assert new_session(manager).post(VERIFY, {"code": code}).status_code == 302
    replay = new_session(manager).post(VERIFY, {"code": code})
    assert replay.status_code == 400
    assert "The code is not correct, or it has expired" in replay.content.decode()


def test_a_wrong_code_shows_an_error_and_does_not_verify(enrolled, manager):
    device, _ = enrolled
    browser = new_session(manager)
    response = browser.post(VERIFY, {"code": wrong_code(device)})
    assert response.status_code == 400
    html = response.content.decode()
    assert "govuk-error-summary" in html and 'href="#id_code"' in html
    assert "The code is not correct, or it has expired" in html
    assert browser.get("/staff/")["Location"] == f"{VERIFY}?next=/staff/"


def test_repeated_wrong_codes_make_people_wait(enrolled, manager, settings):
    device, _ = enrolled
    # A factor of 60 makes the first wait a minute, so the test does not race the clock.
    settings.OTP_TOTP_THROTTLE_FACTOR = 60
    browser = new_session(manager)
    browser.post(VERIFY, {"code": wrong_code(device)})
    device.refresh_from_db()
    assert device.throttling_failure_count == 1

    # Even the right code is not looked at until the wait is over.
    refused = browser.post(VERIFY, {"code": app_code(device)})
    assert refused.status_code == 400
    assert re.search(
        r"You have entered a wrong code too many times\. Wait (59|60) seconds, then try again",
        refused.content.decode(),
    )
    device.refresh_from_db()
    assert device.throttling_failure_count == 1

    TOTPDevice.objects.filter(pk=device.pk).update(
        throttling_failure_timestamp=timezone.now() - datetime.timedelta(minutes=2)
    )
    assert browser.post(VERIFY, {"code": app_code(device)}).status_code == 302
    device.refresh_from_db()
    assert device.throttling_failure_count == 0


def test_a_long_wait_says_an_administrator_can_help(enrolled, manager):
    device, _ = enrolled
    TOTPDevice.objects.filter(pk=device.pk).update(
        throttling_failure_count=12, throttling_failure_timestamp=timezone.now()
    )
    response = new_session(manager).post(VERIFY, {"code": app_code(device)})
    assert "Wait 35 minutes, then try again, or ask an administrator" in response.content.decode()


def test_a_recovery_code_works_once_only(enrolled, manager):
    _, codes = enrolled
    browser = new_session(manager)
    page = browser.get(f"{WITH_RECOVERY_CODE}&next=/staff/")
    assert "Enter a recovery code" in page.content.decode()
    # Typed in capitals and without the hyphen, as people do.
    used = codes[0]
    response = browser.post(
        f"{WITH_RECOVERY_CODE}&next=/staff/", {"code": used.replace("-", "").upper()}
    )
    assert response.status_code == 302 and response["Location"] == "/staff/"
    staff = browser.get("/staff/")
    assert staff.status_code == 200
    assert "You have 9 left" in staff.content.decode()
    assert RecoveryCode.objects.filter(device__user=manager).count() == 9

    again = new_session(manager).post(WITH_RECOVERY_CODE, {"code": used})
    assert again.status_code == 400
    assert "The recovery code is not correct, or it has already been used" in (
        again.content.decode()
    )


def test_an_app_code_is_not_a_recovery_code_nor_the_other_way_round(enrolled, manager):
    device, codes = enrolled
    browser = new_session(manager)
    assert browser.post(VERIFY, {"code": codes[0]}).status_code == 400
    response = browser.post(WITH_RECOVERY_CODE, {"code": app_code(device)})
    assert "A recovery code is 10 letters and numbers" in response.content.decode()
    assert RecoveryCode.objects.filter(device__user=manager).count() == 10


@pytest.mark.parametrize(
    ("next_url", "expected"),
    [
        ("/staff/cases/", "/staff/cases/"),
        ("https://evil.example/", "/staff/"),
        ("//evil.example/staff/", "/staff/"),
        ("javascript:alert(1)", "/staff/"),
    ],
)
def test_next_is_honoured_only_when_it_is_on_this_site(enrolled, manager, next_url, expected):
    device, _ = enrolled
    browser = new_session(manager)
    response = browser.post(VERIFY, {"code": app_code(device), "next": next_url})
    assert response["Location"] == expected


def test_the_continue_link_after_setup_never_leaves_the_site(client, manager):
    client.force_login(manager)
    device = shown_key(client.get(SETUP))
    response = client.post(f"{SETUP}?next=https://evil.example/", {"code": app_code(device)})
    assert response.context["continue_url"] == "/staff/"
    assert "evil.example" not in response.content.decode()


def test_verify_without_a_device_goes_to_setup(client, manager):
    client.force_login(manager)
    assert client.get(f"{VERIFY}?next=/staff/")["Location"] == f"{SETUP}?next=/staff/"


# New recovery codes ------------------------------------------------------------------------


def test_new_recovery_codes_replace_the_old_set(enrolled, client, manager):
    _, old = enrolled
    page = client.get(RECOVERY_CODES)
    assert page.status_code == 200
    assert "You have 10 unused recovery codes." in page.content.decode()

    response = client.post(RECOVERY_CODES)
    assert response.status_code == 200
    assert "Save your recovery codes" in response.content.decode()
    new = shown_codes(response)
    assert len(new) == 10 and not set(new) & set(old)
    assert_kept_hashed(manager, new)

    assert new_session(manager).post(WITH_RECOVERY_CODE, {"code": new[0]}).status_code == 302
    refused = new_session(manager).post(WITH_RECOVERY_CODE, {"code": old[0]})
    assert refused.status_code == 400
    assert "not correct, or it has already been used" in refused.content.decode()


def test_new_codes_do_not_undo_a_session_verified_by_a_recovery_code(enrolled, manager):
    _, codes = enrolled
    browser = new_session(manager)
    browser.post(WITH_RECOVERY_CODE, {"code": codes[0]})
    browser.post(RECOVERY_CODES)
    assert browser.get("/staff/").status_code == 200
    assert StaticDevice.objects.filter(user=manager).count() == 1


def test_new_recovery_codes_need_a_verified_session(enrolled, manager, db):
    browser = new_session(manager)
    assert browser.get(RECOVERY_CODES)["Location"] == f"{VERIFY}?next={RECOVERY_CODES}"
    assert browser.post(RECOVERY_CODES)["Location"] == f"{VERIFY}?next={RECOVERY_CODES}"
    assert RecoveryCode.objects.filter(device__user=manager).count() == 10
    assert Client().get(RECOVERY_CODES)["Location"].startswith("/accounts/login/")


# Records ----------------------------------------------------------------------------------


def test_each_action_is_logged_but_not_written_to_the_audit_chain(client, manager, caplog):
    caplog.set_level(logging.INFO, logger="approvals.accounts.mfa")
    events = AuditEvent.objects.count()  # the account's creation
    device, codes = set_up(client, manager)
    new_session(manager).post(VERIFY, {"code": app_code(device)})
    new_session(manager).post(WITH_RECOVERY_CODE, {"code": codes[0]})
    client.post(RECOVERY_CODES)
    new_session(manager).post(VERIFY, {"code": wrong_code(device)})

    messages = [
        (r.levelname, r.getMessage()) for r in caplog.records if r.name == "approvals.accounts.mfa"
    ]
    who = f"MFA: user manager (id {manager.pk})"
    assert messages == [
        ("INFO", f"{who} set up an authenticator app"),
        ("INFO", f"{who} verified with an authenticator app"),
        ("INFO", f"{who} verified with a recovery code; 9 left"),
        ("INFO", f"{who} made a new set of recovery codes"),
        ("WARNING", f"{who} gave a wrong authenticator code"),
    ]
    # No code or key is ever logged.
    logged = " ".join(text for _, text in messages)
    assert not any(code.replace("-", "") in logged for code in codes)
    assert AuditEvent.objects.count() == events


# Lockout after wrong passwords --------------------------------------------------------------


def test_the_lockout_page_says_when_to_try_again_and_who_can_help(client, manager, settings):
    settings.AXES_ENABLED = True
    settings.AXES_FAILURE_LIMIT = 2
    settings.AXES_COOLOFF_TIME = datetime.timedelta(minutes=15)
    for _ in range(2):
        client.post("/accounts/login/", {"username": "manager", "password": "wrong"})
    response = client.post("/accounts/login/", {"username": "manager", "password": PASSWORD})
    assert response.status_code == 429
    html = response.content.decode()
    assert '<h1 class="govuk-heading-xl">You have tried to sign in too many times</h1>' in html
    assert "you cannot sign in for the next 15 minutes. Try again after that." in html
    assert "ask an administrator to unlock your account" in html
    assert "style=" not in html


# Nothing stored by looking ------------------------------------------------------------------


def otp_rows() -> dict:
    models = [TOTPDevice, StaticDevice, StaticToken, RecoveryCode]
    return {model.__name__: model.objects.count() for model in models} | {
        "audit": AuditEvent.objects.count()
    }


@pytest.mark.parametrize("path", [SETUP, f"{SETUP}?next=/staff/", REPLACE])
def test_showing_a_set_up_page_stores_nothing(client, manager, path, enrolled):
    browser = Client()
    browser.force_login(manager)
    if path == REPLACE:
        device, _ = enrolled
        browser.post(VERIFY, {"code": app_code(device)})
    else:
        TOTPDevice.objects.all().delete()
        StaticDevice.objects.all().delete()
    before = otp_rows()
    for _ in range(3):
        assert browser.get(path).status_code == 200
    assert otp_rows() == before


# Replacing the authenticator app ------------------------------------------------------------


def replace(client, new: TOTPDevice, password=PASSWORD, code=None):
    return client.post(REPLACE, {"password": password, "code": code or app_code(new)})


def test_the_replace_page_is_linked_from_the_header_and_the_recovery_codes_page(enrolled, client):
    for path in ("/staff/", RECOVERY_CODES):
        html = client.get(path).content.decode()
        assert f'href="{REPLACE}"' in html, path


def test_the_replace_page_shows_a_new_key_that_stays_until_confirmed(enrolled, client):
    old, _ = enrolled
    page = client.get(REPLACE)
    assert page.status_code == 200
    html = page.content.decode()
    assert '<h1 class="govuk-heading-xl">Replace your authenticator app</h1>' in html
    assert 'autocomplete="current-password"' in html
    new = shown_key(page)
    assert new.key != old.key
    assert shown_key(client.get(REPLACE)).key == new.key
    assert page["Cache-Control"] == "private, no-store"


def test_replacing_needs_the_password_and_a_code_from_the_new_app(enrolled, client, manager):
    old, _ = enrolled
    new = shown_key(client.get(REPLACE))

    wrong_password = replace(client, new, password="not-my-password")
    assert wrong_password.status_code == 400
    assert "Your password is not right" in wrong_password.content.decode()
    wrong_code_ = replace(client, new, code=wrong_code(new))
    assert wrong_code_.status_code == 400
    assert "The code is not correct, or it has expired" in wrong_code_.content.decode()
    old_app = replace(client, new, code=app_code(old))
    assert old_app.status_code == 400
    # Until then the old app still works.
    assert list(TOTPDevice.objects.filter(user=manager)) == [old]
    assert new_session(manager).post(VERIFY, {"code": app_code(old)}).status_code == 302
    assert not AuditEvent.objects.exclude(action=AuditAction.ACCOUNT_CREATED).exists()


def test_replacing_the_app_switches_to_the_new_one_and_is_audited(enrolled, client, manager):
    old, _ = enrolled
    elsewhere = new_session(manager)
    assert elsewhere.post(VERIFY, {"code": app_code(old)}).status_code == 302
    new = shown_key(client.get(REPLACE))

    response = replace(client, new)
    assert response.status_code == 302 and response["Location"] == "/staff/"
    banner = client.get("/staff/").content.decode()
    assert "Your authenticator app has been replaced" in banner

    device = TOTPDevice.objects.get(user=manager)
    assert device.key == new.key and device.confirmed
    event = AuditEvent.objects.exclude(action=AuditAction.ACCOUNT_CREATED).get()
    assert event.action == AuditAction.AUTHENTICATOR_REPLACED
    assert event.actor == manager and event.case is None
    assert new.key not in str(event.details)
    # This session carries on; one verified with the old app must verify again, and only
    # the new app's codes work.
    assert client.get("/staff/").status_code == 200
    assert elsewhere.get("/staff/")["Location"] == f"{VERIFY}?next=/staff/"
    later = new_session(manager)
    assert later.post(VERIFY, {"code": wrong_code(device)}).status_code == 400
    TOTPDevice.objects.update(throttling_failure_count=0, throttling_failure_timestamp=None)
    assert later.post(VERIFY, {"code": app_code(device)}).status_code == 302
    # Recovery codes are unchanged.
    assert RecoveryCode.objects.filter(device__user=manager).count() == 10
    assert "mfa_replacement_key" not in client.session


def test_replacing_needs_a_verified_session(enrolled, manager):
    browser = new_session(manager)
    assert browser.get(REPLACE)["Location"] == f"{VERIFY}?next={REPLACE}"
    assert browser.post(REPLACE, {"password": PASSWORD, "code": "123456"})["Location"] == (
        f"{VERIFY}?next={REPLACE}"
    )
    assert Client().get(REPLACE)["Location"] == f"/accounts/login/?next={REPLACE}"


def test_wrong_passwords_when_replacing_count_towards_the_lockout(enrolled, client, settings):
    settings.AXES_ENABLED = True
    settings.AXES_FAILURE_LIMIT = 2
    new = shown_key(client.get(REPLACE))
    replace(client, new, password="a-wrong-guess-here")
    locked = replace(client, new, password="a-wrong-guess-here")
    assert "You have entered a wrong password too many times" in locked.content.decode()
    assert "too many times" in replace(client, new).content.decode()
    assert TOTPDevice.objects.get().key != new.key


# Recovery codes kept as hashes ----------------------------------------------------------------


def test_a_session_verified_by_a_recovery_code_before_hashing_keeps_working(enrolled, manager):
    """Sessions from the release that compared plain tokens name django_otp's own static
    device: the same row, so they are still verified."""
    browser = new_session(manager)
    static = StaticDevice.objects.get(user=manager)
    session = browser.session
    session["otp_device_id"] = static.persistent_id
    session.save()
    assert static.persistent_id.startswith("otp_static.staticdevice/")
    assert browser.get("/staff/").status_code == 200


def test_a_recovery_code_hashed_with_an_older_secret_key_still_works(enrolled, manager, settings):
    _, codes = enrolled
    old_key = settings.SECRET_KEY
    settings.SECRET_KEY = "a-new-secret-key-after-rotation-0123456789-abcdefghijklmnop"
    settings.SECRET_KEY_FALLBACKS = [old_key]
    assert new_session(manager).post(WITH_RECOVERY_CODE, {"code": codes[0]}).status_code == 302
    settings.SECRET_KEY_FALLBACKS = []
    refused = new_session(manager).post(WITH_RECOVERY_CODE, {"code": codes[1]})
    assert refused.status_code == 400


def test_the_migration_hashes_plain_recovery_codes_and_drops_unconfirmed_keys(manager):
    """Migration 0015, run over what the release before it kept."""
    import importlib

    from django.apps import apps

    from approvals.accounts import mfa

    device = StaticDevice.objects.create(user=manager, name="Recovery codes", confirmed=True)
    plain = ["7kq2mxh4pd", "abcdefghjk"]
    StaticToken.objects.bulk_create(StaticToken(device=device, token=code) for code in plain)
    TOTPDevice.objects.create(user=manager, name="Authenticator app", confirmed=True)
    TOTPDevice.objects.create(user=manager, name="Abandoned set-up", confirmed=False)

    migration = importlib.import_module("approvals.migrations.0018_hash_recovery_codes")
    migration.hash_codes(apps, None)

    assert not StaticToken.objects.exists()
    assert_kept_hashed(manager, plain)
    assert list(TOTPDevice.objects.values_list("confirmed", flat=True)) == [True]
    assert isinstance(mfa.check_recovery_code(manager, plain[0]), StaticDevice)
    assert mfa.recovery_codes_left(manager) == 1
    with pytest.raises(mfa.CodeRefused):
        mfa.check_recovery_code(manager, plain[0])


def test_the_same_replacement_sent_twice_replaces_once(enrolled, manager):
    from approvals.accounts import mfa

    new = TOTPDevice(user=manager, name="Authenticator app", key=TOTPDevice().key)
    code = app_code(new)
    first = mfa.replace_authenticator(new, code)
    again = mfa.replace_authenticator(
        TOTPDevice(user=manager, name="Authenticator app", key=new.key), code
    )
    assert again.pk == first.pk
    assert TOTPDevice.objects.get(user=manager).pk == first.pk
    assert AuditEvent.objects.filter(action=AuditAction.AUTHENTICATOR_REPLACED).count() == 1
