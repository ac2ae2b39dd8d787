import pytest
from django.core.cache import caches
from hypothesis import HealthCheck
from hypothesis import settings as hypothesis_settings

from approvals.accounts.roles import Role
from tests.factories import make_user

# Property-based tests are repeatable: a fixed seed and a bounded number of examples.
hypothesis_settings.register_profile(
    "project",
    derandomize=True,
    max_examples=60,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
)
hypothesis_settings.load_profile("project")


def pytest_configure(config):
    from django.conf import settings

    # Tests call views over plain HTTP and never run collectstatic.
    settings.SECURE_SSL_REDIRECT = False
    settings.STORAGES = {
        **settings.STORAGES,
        "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
    }
    # Static files come from the finders, as they do in development.
    settings.WHITENOISE_AUTOREFRESH = True
    settings.WHITENOISE_USE_FINDERS = True
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    # Most tests sign people in directly; the tests of multi-factor sign-in and of
    # lockouts switch these back on.
    settings.MFA_REQUIRED = False
    settings.AXES_ENABLED = False


@pytest.fixture
def manager(db):
    return make_user("manager", Role.GRANTS_MANAGER)


@pytest.fixture
def iam(db):
    return make_user("iam", Role.IAM_SECRETARIAT)


@pytest.fixture
def dmpc(db):
    return make_user("dmpc", Role.DMPC)


@pytest.fixture
def outsider(db):
    """Signed in, but holding no role."""
    return make_user("outsider")


@pytest.fixture
def manager_client(client, manager):
    client.force_login(manager)
    return client


def pytest_terminal_summary(terminalreporter):
    """Count the browser tests on their own, so CI's log shows that they ran."""
    counts: dict[str, int] = {}
    for outcome in ("passed", "failed", "skipped", "error"):
        for report in terminalreporter.stats.get(outcome, []):
            if "browser" in getattr(report, "keywords", {}) and report.when in ("call", "setup"):
                if outcome == "passed" and report.when != "call":
                    continue
                counts[outcome] = counts.get(outcome, 0) + 1
    summary = ", ".join(f"{n} {outcome}" for outcome, n in counts.items()) or "none ran"
    terminalreporter.write_line(f"browser tests: {summary}")


@pytest.fixture
def people(db, manager, iam, dmpc):
    """One user for every role, by role name."""
    from types import SimpleNamespace

    return SimpleNamespace(
        manager=manager,
        iam=iam,
        finance=make_user("finance", Role.FINANCE_ADVISER),
        legal=make_user("legal", Role.LEGAL_ADVISER),
        equalities=make_user("equalities", Role.EQUALITIES_ADVISER),
        privacy=make_user("privacy", Role.PRIVACY_ADVISER),
        dmpc_office=make_user("dmpc-office", Role.DMPC_OFFICE),
        dmpc=dmpc,
        publisher=make_user("publisher", Role.PUBLISHER),
    )


@pytest.fixture(autouse=True)
def _empty_caches(settings):
    """Each test has empty caches of its own, in local memory: what one test's database
    held must not be kept for the next (the database is rolled back between tests;
    caches are not), and a test never empties a shared Redis."""
    locmem = "django.core.cache.backends.locmem.LocMemCache"
    settings.CACHES = {
        "default": {"BACKEND": locmem, "LOCATION": "tests"},
        "pages": {"BACKEND": locmem, "LOCATION": "tests-pages"},
    }
    for alias in settings.CACHES:
        caches[alias].clear()
    yield
    for alias in settings.CACHES:
        caches[alias].clear()
