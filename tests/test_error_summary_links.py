"""Every error summary's links lead somewhere: on every page with a form, sent without
its answers, each link of the GOV.UK error summary points at an element of the page (a
radio group's first radio, a date's box, a text input), never at an id nothing has.

Each page is sent what its form holds hidden (the lock, a formset's counts) and, in each
box to type in, a null character, which every text field refuses; choices are left
unmade. So every question on the page is refused. A page whose template shows an
error summary but which is missing here fails test_every_page_with_an_error_summary_is_here.
"""

from html.parser import HTMLParser
from pathlib import Path

import pytest
from django.conf import settings
from django.contrib.auth.tokens import default_token_generator
from django.test import Client
from django.urls import reverse
from django.utils.encoding import force_bytes
from django.utils.http import urlsafe_base64_encode
from django_otp import DEVICE_ID_SESSION_KEY
from django_otp.plugins.otp_totp.models import TOTPDevice

from approvals import services
from approvals.models import IamOutcome
from grants import letters
from tests.factories import PASSWORD, make_case
from tests.matrix import W, build_world, client_for
from tests.workflow import to_iam

pytestmark = pytest.mark.django_db

TEMPLATES = Path(settings.BASE_DIR) / "templates"
# Templates that draw the summary for others, rather than pages with a form.
SUMMARY_ITSELF = {
    "includes/error_summary.html",
    "gds/layout/error_summary.html",
    "approvals/history/_layout.html",
}

# (who, URL name, arguments): pages whose forms are sent back refused.
SENT_FORMS = [
    ("anonymous", "login", ()),
    ("owner", "grants:case-create", ()),
    ("owner", "grants:case-import", ()),
    ("owner", "grants:edit-details", (W.pk_of("draft"),)),
    ("owner", "grants:edit-offers", (W.pk_of("draft"),)),
    ("owner", "grants:edit-units", (W.pk_of("draft"),)),
    ("owner", "grants:edit-unit", (W.pk_of("draft"), W.pk_of("unit"))),
    ("owner", "grants:edit-budget-years", (W.pk_of("draft"),)),
    ("owner", "grants:edit-recommendations", (W.pk_of("draft"),)),
    ("owner", "grants:edit-time-sensitivity", (W.pk_of("draft"),)),
    ("owner", "grants:edit-section", (W.pk_of("draft"), "executive-summary")),
    ("owner", "grants:edit-part2", (W.pk_of("draft"),)),
    ("owner", "grants:upload-offer-letter", (W.pk_of("draft"), W.pk_of("draft_offer"))),
    ("owner", "approvals:withdraw", (W.pk_of("draft"),)),
    ("owner", "approvals:related-decisions", (W.pk_of("draft"),)),
    ("owner", "approvals:upload-agreement", (W.pk_of("published"),)),
    ("publisher", "approvals:review-agreement", (W("standing.case_id"),)),
    ("owner", "approvals:standing-authority", (W.pk_of("standing"),)),
    ("legal", "approvals:sign-off", (W.pk_of("clearing"), "legal")),
    ("dmpc_office", "approvals:office-return", (W.pk_of("clearing"),)),
    ("dmpc_office", "approvals:plan-entry", (W.pk_of("at_iam"),)),
    ("legal", "approvals:questions", (W.pk_of("ready"),)),
    ("dmpc", "approvals:decide", (W.pk_of("ready"),)),
    ("iam", "approvals:meeting-create", ()),
    ("iam", "approvals:meeting", (W.pk_of("meeting"),)),
    ("iam", "approvals:record-outcome", (W.pk_of("meeting"), W.pk_of("item"))),
    ("publisher", "approvals:defer", (W.pk_of("deferred"),)),
    ("publisher", "approvals:correct", (W.pk_of("publication"),)),
    ("publisher", "approvals:withdraw-revision", (W.pk_of("publication"), 1)),
    ("publisher", "approvals:withdraw-agreement", (W.pk_of("publication"), W.pk_of("agreement"))),
    ("owner", "mfa-setup", ()),
    ("owner", "password_change", ()),
    ("anonymous", "password_reset", ()),
    ("administrator", "approvals:person-add", ()),
    ("administrator", "rate_card:add", ()),
    ("administrator", "rate_card:change", (W.pk_of("rate"),)),
    # An administrator's own account: taking away their own role or sign-in is refused.
    ("administrator", "approvals:person-roles", (W("users.administrator.pk"),)),
]
# Confirmation pages whose summary says why the action was refused: there is no field to
# link to.
REFUSED_ACTIONS = [
    ("administrator", "approvals:person-deactivate", (W("users.administrator.pk"),)),
    ("administrator", "approvals:person-reset-authenticator", (W("users.administrator.pk"),)),
    # Another manager has no decision to start from, so nothing is chosen.
    ("other_manager", "grants:start-from-earlier", ()),
    # A case that is not on the forward plan cannot be taken off it.
    ("dmpc_office", "approvals:plan-remove", (W.pk_of("at_iam"),)),
]
# (who, URL name, arguments, query): pages whose forms are sent by GET.
ASKED_FORMS = [
    ("anonymous", "register", (), {"outcome": "nonsense"}),
    ("owner", "approvals:compare", (W.pk_of("two_versions"),), {"from": "99", "to": "98"}),
]


TYPED = {"text", "password", "email", "number", "search", "tel", "url"}


class Page(HTMLParser):
    """A page's element ids, its error summary's links, and the fields of the first form
    in its main content that is sent by POST: hidden ones with their values, and the
    names of those typed in."""

    def __init__(self):
        super().__init__()
        self.ids: set[str] = set()
        self.links: list[str] = []
        self.hidden: dict[str, str] = {}
        self.typed: list[str] = []
        self.action = ""
        self._in_main = self._in_form = self._form_done = False
        self._summary_depth = 0

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if "id" in attrs:
            self.ids.add(attrs["id"])
        if tag == "main":
            self._in_main = True
        if self._summary_depth and tag == "div":
            self._summary_depth += 1
        elif tag == "div" and "govuk-error-summary" in (attrs.get("class") or "").split():
            self._summary_depth = 1
        if self._summary_depth and tag == "a":
            self.links.append(attrs.get("href") or "")
        if tag == "form" and self._in_main and not self._form_done:
            self._in_form = (attrs.get("method") or "").lower() == "post"
            self.action = attrs.get("action") or "" if self._in_form else ""
        if self._in_form and tag == "input" and attrs.get("type") == "hidden":
            self.hidden[attrs["name"]] = attrs.get("value") or ""
        elif self._in_form and (
            tag == "textarea" or (tag == "input" and attrs.get("type", "text") in TYPED)
        ):
            self.typed.append(attrs["name"])

    def handle_endtag(self, tag):
        if tag == "div" and self._summary_depth:
            self._summary_depth -= 1
        if tag == "form" and self._in_form:
            self._in_form, self._form_done = False, True
        if tag == "main":
            self._in_main = False


def read(response) -> Page:
    # A refused form is shown again with 400 Bad Request on some pages, 200 on others.
    assert response.status_code in (200, 400), response
    page = Page()
    page.feed(response.content.decode())
    return page


def assert_links_lead_somewhere(response):
    page = read(response)
    assert page.links, "the page shows no error summary"
    targets = [link.removeprefix("#") for link in page.links]
    assert all(link.startswith("#") for link in page.links), page.links
    assert [target for target in targets if target not in page.ids] == []


def summary_templates(response) -> set[str]:
    return {t.name for t in response.templates if t.name and t.name.endswith(".html")}


@pytest.fixture
def world(people, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    world = build_world(people)
    # Versions are compared once there are two: IAM returns the first, the second is sent.
    world.two_versions = make_case(people.manager, title="A case sent twice")
    to_iam(world.two_versions, people)
    services.record_iam_outcome(
        world.two_versions,
        by=people.iam,
        attendees="IAM members",
        outcome=IamOutcome.RETURNED,
        note="Clearer, please.",
    )
    services.submit(world.two_versions, by=people.manager)
    return world


def send_refused(world, who, name, args):
    client = client_for(world.users[who])
    url = reverse(name, args=[arg.find(world) if isinstance(arg, W) else arg for arg in args])
    form = read(client.get(url))
    return client.post(form.action or url, {**form.hidden, **dict.fromkeys(form.typed, "\x00")})


@pytest.mark.parametrize(("who", "name", "args"), SENT_FORMS, ids=[n for _, n, _ in SENT_FORMS])
def test_a_refused_form_links_each_error_to_an_element_of_the_page(world, who, name, args):
    assert_links_lead_somewhere(send_refused(world, who, name, args))


@pytest.mark.parametrize(
    ("who", "name", "args", "query"), ASKED_FORMS, ids=[n for _, n, _, _ in ASKED_FORMS]
)
def test_a_refused_question_links_each_error_to_an_element_of_the_page(
    world, who, name, args, query
):
    client = client_for(world.users[who])
    url = reverse(name, args=[arg.find(world) if isinstance(arg, W) else arg for arg in args])
    assert_links_lead_somewhere(client.get(url, query))


def verify_refused(client, user, settings):
    """The second step of signing in, sent without a code."""
    settings.MFA_REQUIRED = True
    TOTPDevice.objects.create(user=user, name="Authenticator app", confirmed=True)
    response = client.post("/accounts/login/", {"username": user.username, "password": PASSWORD})
    assert response.status_code == 302
    page = read(client.get("/accounts/mfa/verify/"))
    return client.post("/accounts/mfa/verify/", {**page.hidden, **dict.fromkeys(page.typed, "")})


def test_the_second_step_of_signing_in_links_its_error_to_the_code(client, manager, settings):
    assert_links_lead_somewhere(verify_refused(client, manager, settings))


def reset_refused(client, user):
    """A new password chosen through an emailed link, sent with nothing typed."""
    link = reverse(
        "password_reset_confirm",
        args=[
            urlsafe_base64_encode(force_bytes(user.pk)),
            default_token_generator.make_token(user),
        ],
    )
    page = client.get(link, follow=True)
    form = read(page)
    return client.post(
        page.request["PATH_INFO"], {**form.hidden, **dict.fromkeys(form.typed, "\x00")}
    )


def replace_refused(user):
    """Replacing an authenticator app, from a session verified with the one set up."""
    client = Client()
    client.force_login(user)
    device = TOTPDevice.objects.create(user=user, name="Authenticator app", confirmed=True)
    session = client.session
    session[DEVICE_ID_SESSION_KEY] = device.persistent_id
    session.save()
    form = read(client.get(reverse("mfa-replace-authenticator")))
    return client.post(
        reverse("mfa-replace-authenticator"),
        {**form.hidden, **dict.fromkeys(form.typed, "\x00")},
    )


@pytest.mark.parametrize(
    ("who", "name", "args"), REFUSED_ACTIONS, ids=[n for _, n, _ in REFUSED_ACTIONS]
)
def test_a_refused_action_says_why_in_the_summary(world, who, name, args):
    response = send_refused(world, who, name, args)
    assert response.status_code == 400
    html = response.content.decode()
    assert "govuk-error-summary" in html
    assert read(response).links == []


def refused_removals(world, monkeypatch) -> list:
    """A rate card entry removed from a page someone else's change made stale, and an
    offer letter whose offer went while the page was open: each refused, saying why."""
    administrator = client_for(world.users["administrator"])
    stale = administrator.post(reverse("rate_card:remove", args=[world.rate.pk]), {"seen": "0"})

    def gone(offer, *, by):
        raise letters.LetterError(letters.OFFER_GONE)

    monkeypatch.setattr(letters, "remove_letter", gone)
    url = reverse("grants:remove-offer-letter", args=[world.draft.pk, world.draft_offer.pk])
    return [stale, client_for(world.users["owner"]).post(url)]


def test_a_refused_removal_says_why_in_the_summary(world, monkeypatch):
    for response in refused_removals(world, monkeypatch):
        assert response.status_code == 409
        assert "govuk-error-summary" in response.content.decode()
        assert read_any(response).links == []


def read_any(response) -> Page:
    page = Page()
    page.feed(response.content.decode())
    return page


def test_a_refused_new_password_links_its_errors_to_the_page(client, manager):
    assert_links_lead_somewhere(reset_refused(client, manager))


def test_a_refused_authenticator_replacement_links_its_errors_to_the_page(manager):
    assert_links_lead_somewhere(replace_refused(manager))


def test_every_page_with_an_error_summary_is_here(world, client, settings, monkeypatch):
    shown = set()
    for response in refused_removals(world, monkeypatch):
        shown |= summary_templates(response)
    for who, name, args in SENT_FORMS + REFUSED_ACTIONS:
        shown |= summary_templates(send_refused(world, who, name, args))
    for who, name, args, query in ASKED_FORMS:
        url = reverse(name, args=[arg.find(world) if isinstance(arg, W) else arg for arg in args])
        shown |= summary_templates(client_for(world.users[who]).get(url, query))
    shown |= summary_templates(reset_refused(Client(), world.people.dmpc))
    shown |= summary_templates(replace_refused(world.people.iam))
    shown |= summary_templates(verify_refused(client, world.people.manager, settings))
    with_summary = {
        str(path.relative_to(TEMPLATES))
        for path in TEMPLATES.rglob("*.html")
        if "error_summary" in path.read_text()
    }
    assert with_summary - SUMMARY_ITSELF - shown == set()
