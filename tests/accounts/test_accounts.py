import pytest
from django.contrib.auth.models import Group
from django.core.management import call_command
from django.urls import reverse

from approvals.accounts.roles import Role
from tests.factories import PASSWORD, make_user

pytestmark = pytest.mark.django_db


def test_every_role_is_a_group_created_by_migration():
    assert set(Group.objects.values_list("name", flat=True)) >= set(Role.values)
    assert len(Role.values) == 10


def test_the_login_page_is_styled_and_asks_for_credentials(client):
    response = client.get("/accounts/login/")
    assert response.status_code == 200
    html = response.content.decode()
    assert '<h1 class="govuk-heading-xl">Sign in</h1>' in html
    assert 'name="username"' in html and 'name="password"' in html
    assert 'type="password"' in html


def test_a_manager_signs_in_and_lands_on_the_staff_home(client, manager):
    response = client.post(
        "/accounts/login/", {"username": "manager", "password": PASSWORD}, follow=True
    )
    assert response.redirect_chain[-1][0] == reverse("staff-home")
    assert response.context["user"] == manager
    assert "Grants manager" in response.content.decode()


def test_a_wrong_password_shows_the_error_summary_and_signs_nobody_in(client, manager):
    response = client.post("/accounts/login/", {"username": "manager", "password": "nope"})
    assert response.status_code == 200
    html = response.content.decode()
    assert "govuk-error-summary" in html
    assert "Enter a correct username and password" in html
    assert response.context["user"].is_anonymous
    assert "<title>Error: Sign in" in html


def test_empty_fields_get_a_message_each(client, db):
    html = client.post("/accounts/login/", {"username": "", "password": ""}).content.decode()
    assert "Enter your username" in html
    assert "Enter your password" in html


def test_signing_in_respects_a_safe_next_page_only(client, manager):
    response = client.post(
        "/accounts/login/?next=/staff/",
        {"username": "manager", "password": PASSWORD, "next": "https://evil.example/"},
    )
    assert response.status_code == 302
    assert response["Location"] == reverse("staff-home")


def test_sign_out_needs_a_post_and_ends_the_session(client, manager):
    client.force_login(manager)
    assert client.get("/accounts/logout/").status_code == 405
    response = client.post("/accounts/logout/")
    assert response.status_code == 302
    assert response["Location"] == reverse("home")
    assert client.get("/staff/").status_code == 302


def test_an_inactive_account_cannot_sign_in(client):
    make_user("gone", Role.DMPC, is_active=False)
    response = client.post("/accounts/login/", {"username": "gone", "password": PASSWORD})
    assert response.status_code == 200
    assert response.context["user"].is_anonymous


def test_load_demo_creates_one_user_per_role_and_an_admin(monkeypatch, capsys):
    monkeypatch.setenv("DEMO_PASSWORD", "demo-password-for-tests")
    call_command("load_demo")
    call_command("load_demo")  # idempotent

    from django.contrib.auth.models import User

    expected = {
        "manager": Role.GRANTS_MANAGER,
        "iam": Role.IAM_SECRETARIAT,
        "finance": Role.FINANCE_ADVISER,
        "legal": Role.LEGAL_ADVISER,
        "equalities": Role.EQUALITIES_ADVISER,
        "privacy": Role.PRIVACY_ADVISER,
        "dmpc-office": Role.DMPC_OFFICE,
        "dmpc": Role.DMPC,
        "publisher": Role.PUBLISHER,
    }
    for username, role in expected.items():
        user = User.objects.get(username=username)
        assert list(user.groups.values_list("name", flat=True)) == [role.value]
        assert user.check_password("demo-password-for-tests")
    admin = User.objects.get(username="admin")
    assert admin.is_superuser and admin.check_password("demo-password-for-tests")
    assert User.objects.count() == 10
    out = capsys.readouterr().out
    assert "dmpc-office" in out and "demo-password-for-tests" in out


def test_load_demo_prints_a_random_password_when_none_is_given(monkeypatch, capsys):
    monkeypatch.delenv("DEMO_PASSWORD", raising=False)
    call_command("load_demo")
    line = next(ln for ln in capsys.readouterr().out.splitlines() if "Password" in ln)
    password = line.rsplit(" ", 1)[1]
    from django.contrib.auth.models import User

    assert len(password) >= 12
    assert User.objects.get(username="dmpc").check_password(password)
