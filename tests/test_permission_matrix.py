"""Who gets what from every URL of the project: the permission matrix.

A world of cases in every state is built once per test, with one person for each role
(tests/matrix.py).
MATRIX has a row for every URL pattern (at least one; more where the object matters),
with real arguments from that world and the status each role gets on GET. A pattern
without a row fails test_every_url_pattern_has_a_row_in_the_matrix, so a new page cannot
be added without saying who may see it.

Statuses: 200 shown; LOGIN (302 to the sign-in page) for an anonymous visitor on a staff
page; 403 for a role refused a page or action on something it may see; 404 for an object
it may not see, or that does not exist; 405 for an action that only takes POST.
"""

import io
import json
import re
from dataclasses import dataclass
from pathlib import Path

import pytest
from django.conf import settings
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver, reverse
from pypdf import PdfReader

from approvals.models import Decision, Publication
from grants.models import GrantCase, OfferLetter, RateCardEntry
from tests.factories import PASSWORD
from tests.grants.report_documents import SEED_TEXT
from tests.matrix import PART2, W, build_world, client_for, snapshot, tiny_pdf

pytestmark = pytest.mark.django_db

ROLES = (
    "anonymous",
    "owner",
    "other_manager",
    "iam",
    "finance",
    "legal",
    "dmpc_office",
    "dmpc",
    "publisher",
    "admin",
    "administrator",
)
STAFF = ROLES[1:]


# The world ---------------------------------------------------------------------------------


@pytest.fixture
def world(people, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    return build_world(people)


# Expected statuses ------------------------------------------------------------------------


@dataclass(frozen=True)
class Redirect:
    """A 302 to `to` (a path, formatted with the world's attributes), query ignored."""

    to: str

    def resolve(self, world) -> "Redirect":
        return Redirect(self.to.format(**vars(world)))


LOGIN = Redirect("/accounts/login/")
ADMIN_LOGIN = Redirect("/admin/login/")


def everyone(status) -> dict:
    return dict.fromkeys(ROLES, status)


def staff(default, **roles) -> dict:
    """A staff page: anonymous visitors are sent to sign in, every signed-in role gets
    `default` unless named."""
    unknown = set(roles) - set(STAFF)
    assert not unknown, unknown
    return {"anonymous": LOGIN, **dict.fromkeys(STAFF, default), **roles}


def owners_draft(owner=200) -> dict:
    """A page about the owner's draft: nobody else may see a draft; the superuser sees
    every case but holds no role, so is refused what only a grants manager may do."""
    return staff(404, owner=owner, admin=403)


def under_review(default, **roles) -> dict:
    """A page about one of the owner's cases that has left draft: every role but
    another grants manager may see it."""
    return staff(default, other_manager=404, **roles)


def iam_only(status=200) -> dict:
    return staff(403, iam=status)


def publisher_only(status=200) -> dict:
    return staff(403, publisher=status)


def administrators(status=200) -> dict:
    """A staff account page: for the Administrator role, and for superusers."""
    return staff(403, admin=status, administrator=status)


@dataclass(frozen=True)
class Row:
    pattern: str  # the URL name, with its namespace
    args: tuple  # W(...) for things from the world, or literal values
    expect: dict
    what: str = ""

    def url(self, world) -> str:
        if self.pattern == "admin":
            return "/admin/"
        return reverse(self.pattern, args=[_arg(world, arg) for arg in self.args])

    @property
    def id(self) -> str:
        return f"{self.pattern} {self.what}".strip()


def _arg(world, arg):
    return arg.find(world) if isinstance(arg, W) else arg


SIGNED_IN_ELSEWHERE = Redirect("/staff/")
MFA_SETUP = Redirect("/accounts/mfa/setup/")

MATRIX = [
    # The public site and the register.
    Row("home", (), everyone(200)),
    Row("accessibility", (), everyone(200)),
    Row("privacy", (), everyone(200)),
    Row("healthz", (), everyone(200)),
    Row("register", (), everyone(200)),
    Row("decisions-csv", (), everyone(200)),
    Row("decisions-json", (), everyone(200)),
    Row("decisions-feed", (), everyone(200)),
    Row("forward-plan", (), everyone(200)),
    Row("forward-plan-feed", (), everyone(200)),
    Row("decisions-datapackage", (), everyone(200)),
    Row("open-data", (), everyone(200)),
    Row("audit-anchors", (), everyone(200)),
    Row("audit-anchors-json", (), everyone(200)),
    Row("grants-accepted", (), everyone(200)),
    Row("grants-accepted-csv", (), everyone(200)),
    Row("robots", (), everyone(200)),
    Row("sitemap", (), everyone(200)),
    Row("sitemap-page", (W("sitemap_page"),), everyone(200), "the published decisions' first"),
    Row("sitemap-page", (10**15,), everyone(404), "beyond the last"),
    Row("favicon", (), everyone(Redirect("/static/dist/assets/images/favicon.ico"))),
    Row("decision", (W("publication.slug"),), everyone(200), "published"),
    Row("decision", (W("deferred.slug"),), everyone(404), "deferred"),
    Row("decision", (W("standing.publication.slug"),), everyone(404), "scheduled"),
    Row("decision", ("pcd-99999",), everyone(404), "unknown"),
    Row("decision-document", (W("publication.slug"),), everyone(200), "published"),
    Row("decision-document", (W("deferred.slug"),), everyone(404), "deferred"),
    Row("decision-pdf", (W("publication.slug"),), everyone(200), "published"),
    Row("decision-pdf", (W("standing.publication.slug"),), everyone(404), "scheduled"),
    Row("decision-agreement", (W("publication.slug"),), everyone(200), "published"),
    Row("decision-agreement", (W("deferred.slug"),), everyone(404), "deferred"),
    Row("decision", (W("imported.slug"),), everyone(200), "imported"),
    Row("decision-document", (W("imported.slug"),), everyone(200), "imported"),
    Row("decision-pdf", (W("imported.slug"),), everyone(200), "imported"),
    Row("decision-pdf", (W("imported_bare.slug"),), everyone(404), "imported without a PDF"),
    Row("decision-agreement", (W("imported.slug"),), everyone(404), "imported"),
    # A decision whose every revision is withdrawn: its page says so; its files are gone.
    Row("decision", (W("withdrawn.slug"),), everyone(200), "withdrawn"),
    Row("decision-document", (W("withdrawn.slug"),), everyone(410), "withdrawn"),
    Row("decision-pdf", (W("withdrawn.slug"),), everyone(410), "withdrawn"),
    Row("decision-agreement", (W("withdrawn.slug"),), everyone(410), "withdrawn"),
    # Signing in and out.
    Row("login", (), {**everyone(SIGNED_IN_ELSEWHERE), "anonymous": 200}),
    Row("logout", (), everyone(405)),
    # Multi-factor sign-in; MFA_REQUIRED is off in tests, so nobody has set it up yet.
    Row("mfa-setup", (), staff(200)),
    Row("mfa-verify", (), staff(MFA_SETUP)),
    Row("mfa-recovery-codes", (), staff(MFA_SETUP)),
    # Setting a password through an emailed link.
    Row("password_reset", (), everyone(200)),
    Row("password_reset_done", (), everyone(200)),
    Row("password_reset_confirm", ("MQ", "not-a-token"), everyone(200), "a broken link"),
    Row("password_reset_complete", (), everyone(200)),
    Row("mfa-replace-authenticator", (), staff(MFA_SETUP)),
    # One's own password.
    Row("password_change", (), staff(200)),
    Row("password_change_done", (), staff(200)),
    Row("staff-home", (), staff(200)),
    # Staff accounts.
    Row("approvals:people", (), administrators()),
    Row("approvals:person-add", (), administrators()),
    Row("approvals:person", (W("people.manager.pk"),), administrators()),
    Row("approvals:person", (99999,), administrators(404), "unknown"),
    Row("approvals:person-roles", (W("people.manager.pk"),), administrators()),
    Row("approvals:person-deactivate", (W("people.manager.pk"),), administrators()),
    Row("approvals:person-reactivate", (W("people.manager.pk"),), administrators(405)),
    Row("approvals:person-reset-authenticator", (W("people.manager.pk"),), administrators()),
    Row("admin", (), {**everyone(ADMIN_LOGIN), "admin": 200}),
    # The rate card.
    Row("rate_card:list", (), administrators()),
    Row("rate_card:add", (), administrators()),
    Row("rate_card:change", (W("rate.pk"),), administrators()),
    Row("rate_card:change", (99999,), administrators(404), "unknown"),
    Row("rate_card:remove", (W("rate.pk"),), administrators()),
    Row("rate_card:remove", (99999,), administrators(404), "unknown"),
    # Cases and the editor.
    Row("grants:case-list", (), staff(200)),
    Row("grants:case-create", (), staff(403, owner=200, other_manager=200)),
    Row("grants:case-import", (), staff(403, owner=200, other_manager=200)),
    # With no report imported yet, those who may import are sent to import one.
    Row(
        "grants:case-import-review",
        (),
        staff(
            403,
            owner=Redirect("/staff/cases/import/"),
            other_manager=Redirect("/staff/cases/import/"),
        ),
    ),
    Row("grants:case-import-create", (), staff(403, owner=405, other_manager=405)),
    Row("grants:start-from-earlier", (), staff(403, owner=200, other_manager=200)),
    Row(
        "grants:compared-with-earlier",
        (W("rolled.pk"),),
        under_review(200),
        "at IAM, extending a decision",
    ),
    Row(
        "grants:compared-with-earlier",
        (W("rolled_draft.pk"),),
        staff(404, owner=200, admin=200),
        "a draft extending a decision",
    ),
    Row("grants:compared-with-earlier", (W("draft.pk"),), staff(404), "extending none"),
    Row("grants:report", (W("draft.pk"),), staff(404, owner=200, admin=200), "draft"),
    Row(
        "grants:report",
        (W("other_draft.pk"),),
        staff(404, other_manager=200, admin=200),
        "another manager's draft",
    ),
    Row("grants:report", (W("ready.pk"),), under_review(200), "ready"),
    Row("grants:report", (W("published.pk"),), under_review(200), "published"),
    Row("grants:task-list", (W("draft.pk"),), owners_draft(), "draft"),
    Row("grants:task-list", (W("at_iam.pk"),), under_review(403), "at IAM"),
    Row(
        "grants:task-list",
        (W("other_draft.pk"),),
        staff(404, other_manager=200, admin=403),
        "another manager's draft",
    ),
    Row("grants:edit-details", (W("draft.pk"),), owners_draft(), "draft"),
    Row("grants:edit-details", (W("published.pk"),), under_review(403), "published"),
    Row("grants:edit-offers", (W("draft.pk"),), owners_draft(), "draft"),
    Row(
        "grants:upload-offer-letter",
        (W("draft.pk"), W("draft_offer.pk")),
        owners_draft(),
        "draft",
    ),
    Row(
        "grants:upload-offer-letter",
        (W("ready.pk"), W("ready_offer.pk")),
        under_review(403),
        "ready",
    ),
    Row(
        "grants:upload-offer-letter",
        (W("draft.pk"), W("ready_offer.pk")),
        owners_draft(owner=404),
        "another case's offer",
    ),
    Row(
        "grants:remove-offer-letter",
        (W("draft.pk"), W("draft_offer.pk")),
        owners_draft(),
        "draft",
    ),
    Row(
        "grants:remove-offer-letter",
        (W("ready.pk"), W("ready_offer.pk")),
        under_review(403),
        "ready",
    ),
    # An offer letter: anyone who may see the case, never the public.
    Row("grants:offer-letter", (W("ready.pk"), W("ready_offer.pk")), under_review(200), "ready"),
    Row(
        "grants:offer-letter",
        (W("draft.pk"), W("draft_offer.pk")),
        staff(404, owner=200, admin=200),
        "draft",
    ),
    Row(
        "grants:offer-letter",
        (W("ready.pk"), W("draft_offer.pk")),
        staff(404),
        "another case's offer",
    ),
    Row(
        "grants:offer-letter",
        (W("published.pk"), W("published_offer.pk")),
        staff(404),
        "an offer without a letter",
    ),
    Row("grants:edit-units", (W("draft.pk"),), owners_draft(), "draft"),
    Row("grants:edit-unit", (W("draft.pk"), W("unit.pk")), owners_draft(), "draft"),
    Row(
        "grants:edit-unit",
        (W("draft.pk"), W("other_unit.pk")),
        owners_draft(owner=404),
        "another case's unit",
    ),
    Row("grants:edit-budget-years", (W("draft.pk"),), owners_draft(), "draft"),
    Row("grants:edit-recommendations", (W("draft.pk"),), owners_draft(), "draft"),
    Row("grants:edit-recommendations", (W("at_iam.pk"),), under_review(403), "at IAM"),
    Row("grants:edit-time-sensitivity", (W("draft.pk"),), owners_draft(), "draft"),
    Row("grants:edit-section", (W("draft.pk"), "executive-summary"), owners_draft(), "draft"),
    Row("grants:edit-section", (W("draft.pk"), "no-such-section"), staff(404), "unknown section"),
    Row("grants:edit-part2", (W("draft.pk"),), owners_draft(), "draft"),
    Row("grants:edit-part2", (W("ready.pk"),), under_review(403), "ready"),
    # The workflow's actions.
    Row("approvals:submit", (W("draft.pk"),), owners_draft(), "draft"),
    Row("approvals:submit", (W("other_draft.pk"),), staff(404, other_manager=200, admin=403)),
    Row("approvals:withdraw", (W("draft.pk"),), owners_draft(), "draft"),
    Row(
        "approvals:withdraw",
        (W("at_iam.pk"),),
        under_review(403, owner=200, dmpc_office=200),
        "at IAM",
    ),
    Row("approvals:decide", (W("ready.pk"),), under_review(403, dmpc=200), "ready"),
    Row(
        "approvals:decide",
        (W("at_iam.pk"),),
        under_review(403, dmpc=Redirect("/staff/cases/{at_iam.pk}/")),
        "at IAM",
    ),
    Row("approvals:decide", (W("draft.pk"),), staff(404, owner=403, admin=403), "draft"),
    Row("approvals:clearance", (W("clearing.pk"),), under_review(200), "in clearance"),
    Row("approvals:clearance", (W("draft.pk"),), staff(404, owner=200, admin=200), "draft"),
    Row(
        "approvals:sign-off",
        (W("clearing.pk"), "finance"),
        under_review(403, finance=200),
        "finance, in clearance",
    ),
    Row(
        "approvals:sign-off",
        (W("clearing.pk"), "legal"),
        under_review(403, legal=200),
        "legal, in clearance",
    ),
    Row(
        "approvals:sign-off",
        (W("ready.pk"), "legal"),
        under_review(403, legal=Redirect("/staff/cases/{ready.pk}/clearance/")),
        "legal, already signed",
    ),
    Row("approvals:sign-off", (W("clearing.pk"), "nonsense"), staff(404), "unknown area"),
    Row(
        "approvals:sign-off", (W("draft.pk"), "finance"), staff(404, owner=403, admin=403), "draft"
    ),
    Row("approvals:mark-ready", (W("clearing.pk"),), staff(405)),
    Row("approvals:office-return", (W("clearing.pk"),), under_review(403, dmpc_office=200)),
    # Questions and comments: anyone who can see the case.
    Row("approvals:questions", (W("ready.pk"),), under_review(200), "ready"),
    Row("approvals:questions", (W("draft.pk"),), staff(404, owner=200, admin=200), "draft"),
    Row("approvals:answer", (W("ready.pk"), W("question.pk")), staff(405)),
    Row("approvals:resolve", (W("ready.pk"), W("question.pk")), staff(405)),
    # Versions and history.
    Row("approvals:versions", (W("ready.pk"),), under_review(200), "ready"),
    Row("approvals:versions", (W("draft.pk"),), staff(404, owner=200, admin=200), "draft"),
    Row("approvals:version", (W("ready.pk"), 1), under_review(200), "ready"),
    Row("approvals:version", (W("ready.pk"), 99), staff(404), "no such version"),
    Row("approvals:compare", (W("ready.pk"),), under_review(200), "ready"),
    Row(
        "approvals:current-decision-form",
        (W("ready.pk"),),
        under_review(Redirect("/staff/cases/{ready.pk}/versions/1/decision-form/")),
        "ready",
    ),
    Row(
        "approvals:current-decision-form",
        (W("draft.pk"),),
        staff(404, owner=200, admin=200),
        "draft",
    ),
    Row("approvals:decision-form", (W("ready.pk"), 1), under_review(200), "ready"),
    Row("approvals:decision-form", (W("ready.pk"), 99), staff(404), "no such version"),
    Row("approvals:decision-form", (W("published.pk"), 1), under_review(200), "signed"),
    Row("approvals:decision-form-pdf", (W("ready.pk"), 1), under_review(200), "draft"),
    Row("approvals:decision-form-pdf", (W("published.pk"), 1), under_review(200), "signed"),
    Row("approvals:decision-form-pdf", (W("draft.pk"), 1), staff(404), "not submitted"),
    Row("approvals:history", (W("ready.pk"),), under_review(200), "ready"),
    Row("approvals:history", (W("other_draft.pk"),), staff(404, other_manager=200, admin=200)),
    # Agreements, standing authorities and related decisions.
    Row(
        "approvals:upload-agreement",
        (W("published.pk"),),
        under_review(403, owner=200, publisher=200),
        "approved",
    ),
    Row("approvals:upload-agreement", (W("ready.pk"),), under_review(403), "not yet approved"),
    Row(
        "approvals:review-agreement",
        (W("standing.case_id"),),
        under_review(403, publisher=200),
        "waiting for review",
    ),
    Row(
        "approvals:review-agreement",
        (W("published.pk"),),
        under_review(403, publisher=Redirect("/staff/cases/{published.pk}/agreement/")),
        "already reviewed",
    ),
    Row("approvals:review-agreement", (W("ready.pk"),), under_review(403), "not yet approved"),
    Row(
        "approvals:staff-agreement",
        (W("published.pk"), W("agreement.pk")),
        under_review(200),
        "its own agreement",
    ),
    Row(
        "approvals:staff-agreement",
        (W("ready.pk"), W("agreement.pk")),
        staff(404),
        "another case's",
    ),
    Row("approvals:related-decisions", (W("draft.pk"),), owners_draft(), "draft"),
    Row("approvals:related-decisions", (W("at_iam.pk"),), under_review(403), "at IAM"),
    Row(
        "approvals:standing-authority",
        (W("standing.pk"),),
        under_review(403, owner=200, dmpc_office=200),
        "with a standing authority",
    ),
    Row("approvals:standing-authority", (W("decision.pk"),), staff(404), "without one"),
    # Publication.
    Row("approvals:publications", (), publisher_only()),
    Row("approvals:compliance", (), publisher_only()),
    # The DMPC office's pipeline.
    Row("approvals:pipeline", (), staff(403, dmpc_office=200, dmpc=200)),
    Row(
        "approvals:money",
        (),
        staff(403, owner=200, other_manager=200, iam=200, finance=200, dmpc_office=200, dmpc=200),
    ),
    Row("approvals:pipeline-csv", (), staff(403, dmpc_office=200, dmpc=200)),
    Row("approvals:publication", (W("publication.pk"),), publisher_only(), "published"),
    Row("approvals:publication", (W("deferred.pk"),), publisher_only(), "deferred"),
    Row("approvals:publication", (99999,), publisher_only(404), "unknown"),
    Row("approvals:publication", (W("imported.pk"),), publisher_only(404), "imported"),
    Row("approvals:publish-now", (W("deferred.pk"),), publisher_only(405)),
    Row("approvals:defer", (W("deferred.pk"),), publisher_only(), "deferred"),
    Row(
        "approvals:defer",
        (W("publication.pk"),),
        publisher_only(Redirect("/staff/publications/{publication.pk}/")),
        "already published",
    ),
    Row("approvals:correct", (W("publication.pk"),), publisher_only(), "published"),
    # Withdrawing from the register: publishers only; ids from another decision are unknown.
    Row("approvals:withdraw-revision", (W("publication.pk"), 1), publisher_only(), "published"),
    Row("approvals:withdraw-revision", (W("publication.pk"), 99), publisher_only(404), "unknown"),
    Row("approvals:withdraw-revision", (W("deferred.pk"), 1), publisher_only(404), "unpublished"),
    Row("approvals:withdraw-revision", (W("imported.pk"), 1), publisher_only(404), "imported"),
    Row("approvals:withdraw-revision", (99999, 1), publisher_only(404), "unknown publication"),
    Row(
        "approvals:withdraw-agreement",
        (W("publication.pk"), W("agreement.pk")),
        publisher_only(),
        "published",
    ),
    Row(
        "approvals:withdraw-agreement",
        (W("deferred.pk"), W("agreement.pk")),
        publisher_only(404),
        "another decision's agreement",
    ),
    Row(
        "approvals:withdraw-agreement",
        (W("publication.pk"), 99999),
        publisher_only(404),
        "unknown",
    ),
    Row(
        "approvals:confirm-withdrawal",
        (W("publication.pk"), W("withdrawal.pk")),
        publisher_only(405),
    ),
    Row(
        "approvals:confirm-withdrawal",
        (W("deferred.pk"), W("withdrawal.pk")),
        publisher_only(405),
        "another decision's request",
    ),
    Row(
        "approvals:cancel-withdrawal",
        (W("publication.pk"), W("withdrawal.pk")),
        publisher_only(405),
    ),
    Row("approvals:correct", (W("imported.pk"),), publisher_only(404), "imported"),
    Row("approvals:defer", (W("imported.pk"),), publisher_only(404), "imported"),
    Row(
        "approvals:correct",
        (W("deferred.pk"),),
        publisher_only(Redirect("/staff/publications/{deferred.pk}/")),
        "not yet published",
    ),
    # The DMPC office's forward plan.
    Row("approvals:plan", (), staff(403, dmpc_office=200)),
    Row("approvals:plan-entry", (W("clearing.pk"),), staff(403, dmpc_office=200), "planned"),
    Row("approvals:plan-entry", (W("at_iam.pk"),), staff(403, dmpc_office=200), "not planned"),
    Row("approvals:plan-entry", (W("published.pk"),), staff(403, dmpc_office=200), "decided"),
    Row("approvals:plan-entry", (W("draft.pk"),), staff(403, dmpc_office=404), "a draft"),
    Row("approvals:plan-entry", (99999,), staff(403, dmpc_office=404), "unknown"),
    Row("approvals:plan-remove", (W("clearing.pk"),), staff(403, dmpc_office=200), "planned"),
    Row("approvals:plan-remove", (W("at_iam.pk"),), staff(403, dmpc_office=200), "not planned"),
    Row("approvals:plan-remove", (99999,), staff(403, dmpc_office=404), "unknown"),
    # IAM meetings.
    Row("approvals:meetings", (), iam_only()),
    Row("approvals:meeting-create", (), iam_only()),
    Row("approvals:meeting", (W("meeting.pk"),), iam_only()),
    Row("approvals:meeting", (99999,), iam_only(404), "unknown"),
    Row("approvals:add-to-agenda", (W("meeting.pk"),), iam_only(405)),
    Row("approvals:meeting-pack", (W("meeting.pk"),), iam_only()),
    Row("approvals:meeting-pack", (99999,), iam_only(404), "unknown"),
    Row("approvals:record-outcome", (W("meeting.pk"), W("item.pk")), iam_only(), "pending"),
    Row(
        "approvals:record-outcome",
        (W("ready_item.meeting_id"), W("ready_item.pk")),
        iam_only(Redirect("/staff/iam/{ready_item.meeting_id}/")),
        "already recorded",
    ),
    Row(
        "approvals:record-outcome",
        (W("meeting.pk"), W("ready_item.pk")),
        iam_only(404),
        "elsewhere",
    ),
]

PUBLIC_ROWS = [row for row in MATRIX if row.expect["anonymous"] not in (LOGIN, ADMIN_LOGIN)]


def url_patterns() -> set[str]:
    """The name of every URL pattern of the project, with its namespace ("admin" for the
    whole of the admin site, whose own pages are Django's)."""

    def walk(patterns, namespace):
        for entry in patterns:
            if isinstance(entry, URLResolver):
                if entry.namespace == "admin":
                    yield "admin"
                    continue
                inner = ":".join(filter(None, [namespace, entry.namespace]))
                yield from walk(entry.url_patterns, inner)
            elif isinstance(entry, URLPattern):
                name = entry.name or str(entry.pattern)
                yield f"{namespace}:{name}" if namespace else name

    return set(walk(get_resolver().url_patterns, ""))


def observed(response):
    if response.status_code in (301, 302, 303, 307, 308):
        return Redirect(response["Location"].split("?")[0])
    return response.status_code


def expected(row: Row, role: str, world):
    value = row.expect[role]
    return value.resolve(world) if isinstance(value, Redirect) else value


# The matrix -------------------------------------------------------------------------------


def test_every_url_pattern_has_a_row_in_the_matrix():
    in_matrix = {row.pattern for row in MATRIX}
    found = url_patterns()
    assert found - in_matrix == set(), "URL patterns without a row in MATRIX"
    assert in_matrix - found == set(), "rows in MATRIX for URL patterns that do not exist"


def test_every_row_says_what_each_role_gets():
    for row in MATRIX:
        assert set(row.expect) == set(ROLES), row.id


NEVER_STORED = "private, no-store"
STAFF_PATHS = ("/staff/", "/accounts/", "/admin/")


def stored_wrongly(role: str, url: str, response) -> str | None:
    """Every staff page, and every response to someone signed in, is never stored by a
    browser or a shared cache; public pages for anonymous visitors keep their own
    caching (approvals.publication.cache)."""
    sent = response.get("Cache-Control", "")
    if role != "anonymous" or url.startswith(STAFF_PATHS):
        return None if sent == NEVER_STORED else f"Cache-Control {sent!r}"
    return None  # test_public_pages_keep_their_public_caching_for_anonymous_visitors


@pytest.mark.parametrize("role", ROLES)
def test_each_role_gets_the_expected_status_from_every_url(world, role):
    """...and the caching it should: never stored, on every staff URL and for every
    signed-in role."""
    client = client_for(world.users[role])
    wrong = []
    for row in MATRIX:
        url = row.url(world)
        response = client.get(url)
        got, want = observed(response), expected(row, role, world)
        if got != want:
            wrong.append(f"{row.id} {url}: expected {want}, got {got}")
        if problem := stored_wrongly(role, url, response):
            wrong.append(f"{row.id} {url}: {problem}")
    assert not wrong, "\n".join(["", *wrong])


def test_public_pages_keep_their_public_caching_for_anonymous_visitors(world):
    """The register, its decisions, the audit anchors and the sitemap are cached publicly
    (robots.txt for a day); the other public pages send no Cache-Control, as before (and
    /healthz is never cached)."""
    for row in PUBLIC_ROWS:
        url = row.url(world)
        response = Client().get(url)
        if response.status_code != 200 or row.pattern == "healthz" or url.startswith(STAFF_PATHS):
            continue
        sent = response.get("Cache-Control")
        if row.pattern.startswith(
            (
                "register",
                "decision",
                "audit-anchors",
                "grants-accepted",
                "sitemap",
                "forward-plan",
            )
        ):
            assert sent == "public, max-age=300", row.id
        elif row.pattern == "robots":
            assert sent == "public, max-age=86400", row.id
        else:
            assert sent is None, row.id


def test_the_anonymous_visitor_is_sent_to_sign_in_and_back(world):
    for row in MATRIX:
        if row.expect["anonymous"] == LOGIN:
            url = row.url(world)
            response = Client().get(url)
            assert response["Location"] == f"/accounts/login/?next={url}", row.id


def test_the_case_list_shows_each_role_only_the_cases_it_may_see(world):
    mine = {case.pk for case in GrantCase.objects.filter(owner=world.users["owner"])}
    drafts = {world.draft.pk, world.other_draft.pk, world.rolled_draft.pk}
    everything = set(GrantCase.objects.values_list("pk", flat=True))
    expected = {
        **dict.fromkeys(STAFF, everything - drafts),
        "owner": mine,
        "other_manager": {world.other_draft.pk},
        "admin": everything,
    }
    for role in STAFF:
        html = client_for(world.users[role]).get(reverse("grants:case-list")).content.decode()
        listed = {int(pk) for pk in re.findall(r'href="/staff/cases/(\d+)/"', html)}
        assert listed == expected[role], role


# Actions posted by the wrong people -------------------------------------------------------


@dataclass(frozen=True)
class Attempt:
    pattern: str
    args: tuple
    role: str
    status: int
    data: dict

    @property
    def id(self) -> str:
        return f"{self.pattern} as {self.role}"


DECISION = {
    "outcome": "approve",
    "reasons": "Good value.",
    "recommendation_1": "yes",
    "alternatives": "no",
    "interests_declared": "no",
    "password": PASSWORD,
    "seen_version": 1,
}
SIGN_OFF = {"outcome": "cleared_with_advice", "advice": "Content.", "seen_version": 1}
WITHDRAW = {"reasons": "No longer needed."}
REVIEW = {
    "checks": ["signed", "right_agreement", "redacted"],
    "outcome": "fit",
    "agreement": W("waiting_agreement.pk"),
}
PLAN = {
    "title": "Let me in",
    "funders": ["Home Office"],
    "needed_by_month": "1",
    "needed_by_year": "2099",
}

ATTEMPTS = [
    Attempt("approvals:submit", (W("draft.pk"),), "other_manager", 404, {}),
    Attempt("approvals:submit", (W("draft.pk"),), "iam", 404, {}),
    Attempt("approvals:submit", (W("draft.pk"),), "admin", 403, {}),
    Attempt("approvals:withdraw", (W("at_iam.pk"),), "finance", 403, WITHDRAW),
    Attempt("approvals:withdraw", (W("at_iam.pk"),), "other_manager", 404, WITHDRAW),
    Attempt("approvals:plan-entry", (W("at_iam.pk"),), "owner", 403, PLAN),
    Attempt("approvals:plan-entry", (W("at_iam.pk"),), "publisher", 403, PLAN),
    Attempt("approvals:plan-entry", (W("draft.pk"),), "dmpc_office", 404, PLAN),
    Attempt("approvals:plan-remove", (W("clearing.pk"),), "iam", 403, {}),
    Attempt("approvals:plan-remove", (W("clearing.pk"),), "admin", 403, {}),
    Attempt("approvals:decide", (W("ready.pk"),), "owner", 403, DECISION),
    Attempt("approvals:decide", (W("ready.pk"),), "dmpc_office", 403, DECISION),
    Attempt("approvals:decide", (W("ready.pk"),), "admin", 403, DECISION),
    Attempt("approvals:decide", (W("ready.pk"),), "other_manager", 404, DECISION),
    Attempt("approvals:sign-off", (W("clearing.pk"), "finance"), "legal", 403, SIGN_OFF),
    Attempt("approvals:sign-off", (W("clearing.pk"), "finance"), "owner", 403, SIGN_OFF),
    Attempt("approvals:sign-off", (W("clearing.pk"), "finance"), "dmpc", 403, SIGN_OFF),
    Attempt("approvals:sign-off", (W("clearing.pk"), "finance"), "other_manager", 404, SIGN_OFF),
    Attempt("approvals:mark-ready", (W("clearing.pk"),), "finance", 403, {"seen_version": 1}),
    Attempt(
        "approvals:office-return",
        (W("clearing.pk"),),
        "dmpc",
        403,
        {"reasons": "R.", "seen_version": 1},
    ),
    Attempt("approvals:resolve", (W("ready.pk"), W("question.pk")), "legal", 403, {}),
    Attempt("approvals:resolve", (W("ready.pk"), W("question.pk")), "other_manager", 404, {}),
    Attempt("approvals:resolve", (W("draft.pk"), W("question.pk")), "owner", 404, {}),
    Attempt(
        "approvals:answer",
        (W("ready.pk"), W("question.pk")),
        "other_manager",
        404,
        {"text": "Let me in."},
    ),
    Attempt(
        "approvals:questions",
        (W("draft.pk"),),
        "finance",
        404,
        {"kind": "question", "text": "Let me in.", "seen_version": 0},
    ),
    Attempt("approvals:publish-now", (W("deferred.pk"),), "owner", 403, {}),
    *(
        Attempt("approvals:review-agreement", (W("standing.case_id"),), role, status, REVIEW)
        for role, status in (
            ("owner", 403),
            ("dmpc", 403),
            ("admin", 403),
            ("other_manager", 404),
        )
    ),
    Attempt("approvals:publish-now", (W("deferred.pk"),), "dmpc", 403, {}),
    Attempt("approvals:publish-now", (W("deferred.pk"),), "admin", 403, {}),
    Attempt("approvals:defer", (W("publication.pk"),), "dmpc_office", 403, {"reason": "No."}),
    Attempt("approvals:correct", (W("publication.pk"),), "owner", 403, {"note": "No."}),
    Attempt("approvals:correct", (W("imported.pk"),), "publisher", 404, {"note": "No."}),
    Attempt("approvals:publish-now", (W("imported.pk"),), "publisher", 404, {}),
    Attempt("approvals:add-to-agenda", (W("meeting.pk"),), "owner", 403, {"case": W("draft.pk")}),
    Attempt("approvals:record-outcome", (W("meeting.pk"), W("item.pk")), "dmpc", 403, {}),
    Attempt(
        "approvals:meeting-create",
        (),
        "owner",
        403,
        {
            "date_0": "1",
            "date_1": "2",
            "date_2": "2026",
            "time": "10:00",
            "place": "Here",
            "invitees": "Us",
        },
    ),
    Attempt(
        "approvals:standing-authority",
        (W("standing.pk"),),
        "publisher",
        403,
        {
            "recommendation": 2,
            "funder": "Home Office",
            "financial_year": "2024/25",
            "amount": "1000",
            "offer_date_0": "1",
            "offer_date_1": "6",
            "offer_date_2": "2024",
        },
    ),
    Attempt(
        "approvals:person-add",
        (),
        "iam",
        403,
        {"full_name": "X", "email": "x@example.org", "username": "x", "roles": ["administrator"]},
    ),
    Attempt(
        "approvals:person-roles",
        (W("people.manager.pk"),),
        "owner",
        403,
        {"roles": ["administrator"]},
    ),
    Attempt("approvals:person-deactivate", (W("people.dmpc.pk"),), "dmpc_office", 403, {}),
    Attempt("approvals:person-reactivate", (W("people.dmpc.pk"),), "finance", 403, {}),
    Attempt("approvals:person-reset-authenticator", (W("people.dmpc.pk"),), "publisher", 403, {}),
    Attempt(
        "rate_card:add",
        (),
        "owner",
        403,
        {"grade": "Band X", "financial_year": "2025/26", "annual_cost": "1"},
    ),
    Attempt(
        "rate_card:change",
        (W("rate.pk"),),
        "finance",
        403,
        {
            "grade": "Band D",
            "financial_year": "2025/26",
            "annual_cost": "1",
            "seen": W("rate_seen"),
        },
    ),
    Attempt("rate_card:remove", (W("rate.pk"),), "dmpc", 403, {"seen": W("rate_seen")}),
    Attempt(
        "grants:remove-offer-letter", (W("draft.pk"), W("draft_offer.pk")), "other_manager", 404, {}
    ),
    Attempt("grants:remove-offer-letter", (W("draft.pk"), W("draft_offer.pk")), "admin", 403, {}),
    Attempt("grants:remove-offer-letter", (W("ready.pk"), W("ready_offer.pk")), "owner", 403, {}),
    Attempt("grants:edit-section", (W("at_iam.pk"), "introduction"), "owner", 403, {"text": "x"}),
    Attempt("grants:case-import", (), "dmpc", 403, {"text": SEED_TEXT}),
    Attempt("grants:case-import-create", (), "iam", 403, {"token": "x"}),
    Attempt("grants:case-import-create", (), "admin", 403, {"token": "x"}),
    # A grants manager with no review open is sent back to import a report: nothing made.
    Attempt("grants:case-import-create", (), "owner", 302, {"token": "x"}),
    Attempt("grants:start-from-earlier", (), "iam", 403, {"case": W("standing.case_id")}),
    Attempt("grants:start-from-earlier", (), "admin", 403, {"case": W("standing.case_id")}),
    Attempt("grants:start-from-earlier", (), "dmpc", 403, {"case": W("standing.case_id")}),
    Attempt("grants:start-from-earlier", (), "other_manager", 404, {"case": W("standing.case_id")}),
    Attempt("grants:start-from-earlier", (), "owner", 409, {"case": W("published.pk")}),
    Attempt("grants:start-from-earlier", (), "owner", 409, {"case": W("draft.pk")}),
    Attempt("grants:edit-section", (W("draft.pk"), "introduction"), "other_manager", 404, {}),
]
UPLOADERS = [("iam", 403), ("finance", 403), ("dmpc", 403), ("admin", 403)]
UPLOADERS += [("other_manager", 404)]


@pytest.mark.parametrize("attempt", ATTEMPTS, ids=lambda attempt: attempt.id)
def test_an_action_posted_by_the_wrong_role_is_refused_and_changes_nothing(world, attempt):
    url = reverse(attempt.pattern, args=[_arg(world, arg) for arg in attempt.args])
    data = {key: _arg(world, value) for key, value in attempt.data.items()}
    before = snapshot()
    response = client_for(world.users[attempt.role]).post(url, data)
    assert response.status_code == attempt.status
    assert snapshot() == before


def stored_files() -> list[str]:
    return sorted(str(path) for path in Path(settings.MEDIA_ROOT).rglob("*") if path.is_file())


@pytest.mark.parametrize(("role", "status"), UPLOADERS)
def test_only_the_cases_grants_managers_and_publishers_upload_its_agreement(world, role, status):
    url = reverse("approvals:upload-agreement", args=[world.published.pk])
    files, before = stored_files(), snapshot()
    upload = SimpleUploadedFile("signed.pdf", tiny_pdf("Forged"), content_type="application/pdf")
    response = client_for(world.users[role]).post(url, {"file": upload})
    assert response.status_code == status
    assert snapshot() == before
    assert stored_files() == files


LETTER_UPLOADERS = [("other_manager", 404), ("iam", 404), ("admin", 403), ("administrator", 404)]


@pytest.mark.parametrize(("role", "status"), LETTER_UPLOADERS)
def test_only_the_cases_grants_managers_upload_an_offer_letter(world, role, status):
    url = reverse("grants:upload-offer-letter", args=[world.draft.pk, world.draft_offer.pk])
    files, before = stored_files(), snapshot()
    upload = SimpleUploadedFile("forged.pdf", tiny_pdf("Forged"), content_type="application/pdf")
    response = client_for(world.users[role]).post(url, {"file": upload})
    assert response.status_code == status
    assert snapshot() == before
    assert stored_files() == files


def test_the_right_role_can_take_the_actions_the_wrong_ones_were_refused(world):
    """The refusals above are about the role, not a broken request: the same posts
    succeed for the people allowed to make them."""
    people = world.users
    finance = client_for(people["finance"]).post(
        reverse("approvals:sign-off", args=[world.clearing.pk, "finance"]), SIGN_OFF
    )
    assert finance.status_code == 302
    assert world.clearing.versions.get().sign_offs.filter(area="finance").exists()
    decided = client_for(people["dmpc"]).post(
        reverse("approvals:decide", args=[world.ready.pk]), DECISION
    )
    assert decided.status_code == 302
    assert Decision.objects.filter(case=world.ready).exists()
    published = client_for(people["publisher"]).post(
        reverse("approvals:publish-now", args=[world.deferred.pk])
    )
    assert published.status_code == 302
    assert Publication.objects.get(pk=world.deferred.pk).published_at is not None
    upload = SimpleUploadedFile("v2.pdf", tiny_pdf("Second"), content_type="application/pdf")
    uploaded = client_for(people["owner"]).post(
        reverse("approvals:upload-agreement", args=[world.published.pk]), {"file": upload}
    )
    assert uploaded.status_code == 302
    assert world.decision.agreements.count() == 2
    review = {key: _arg(world, value) for key, value in REVIEW.items()}
    reviewed = client_for(people["publisher"]).post(
        reverse("approvals:review-agreement", args=[world.standing.case_id]), review
    )
    assert reviewed.status_code == 302
    world.waiting_agreement.refresh_from_db()
    assert world.waiting_agreement.is_reviewed
    letter = SimpleUploadedFile("letter.pdf", tiny_pdf("Letter"), content_type="application/pdf")
    replaced = client_for(people["owner"]).post(
        reverse("grants:upload-offer-letter", args=[world.draft.pk, world.draft_offer.pk]),
        {"file": letter},
    )
    assert replaced.status_code == 302
    assert OfferLetter.objects.get(offer=world.draft_offer).original_name == "letter.pdf"
    removed = client_for(people["administrator"]).post(
        reverse("rate_card:remove", args=[world.rate.pk]), {"seen": world.rate_seen}
    )
    assert removed.status_code == 302
    assert not RateCardEntry.objects.exists()


# Part 2 -----------------------------------------------------------------------------------


def test_part_2_is_shown_on_the_staff_pages_that_review_it(world):
    dmpc = client_for(world.users["dmpc"])
    for url in (
        reverse("grants:report", args=[world.ready.pk]),
        reverse("approvals:version", args=[world.ready.pk, 1]),
        reverse("approvals:decide", args=[world.ready.pk]),
        reverse("grants:report", args=[world.published.pk]),
    ):
        response = dmpc.get(url)
        assert response.status_code == 200, url
        assert PART2 in response.content.decode(), url


def _public_text(response) -> str:
    body = b"".join(response.streaming_content) if response.streaming else response.content
    if body.startswith(b"%PDF-"):
        return "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(body)).pages)
    return body.decode()


@pytest.mark.parametrize("role", ["anonymous", "owner", "dmpc", "admin"])
def test_part_2_never_reaches_a_public_url(world, role):
    client = client_for(world.users[role])
    shown = 0
    for row in PUBLIC_ROWS:
        response = client.get(row.url(world))
        shown += response.status_code == 200
        assert PART2 not in _public_text(response), row.id
    # Among them, the published decision's page, document, PDF and agreement.
    assert shown == sum(row.expect[role] == 200 for row in PUBLIC_ROWS)


def test_searching_the_register_for_part_2_finds_nothing(world):
    client = Client()
    page = client.get("/decisions/", {"q": PART2})
    assert "0 decisions" in page.content.decode()
    assert client.get("/decisions/", {"q": "published decision"}).content.count(b"PCD 1") > 0
    csv = _public_text(client.get("/decisions.csv", {"q": PART2}))
    assert csv.strip().count("\n") == 0  # the header only
    assert json.loads(_public_text(client.get("/decisions.json", {"q": PART2})))["decisions"] == []
