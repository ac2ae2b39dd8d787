"""The forward plan: the DMPC office puts live cases on it with a public title, the
funders and the month the decision is needed by; the public page and its feed show only
that, and an entry leaves both the moment its decision is published or its case is
withdrawn."""

import datetime

import feedparser
import pytest
from django.urls import reverse
from django.utils import timezone

from approvals import forward_plan as plan
from approvals import services
from approvals.models import AuditAction, AuditEvent, ForwardPlanEntry, IamOutcome
from approvals.publication import services as publishing
from approvals.workflow import CaseChanged, NotAllowed, WorkflowError, can
from grants.models import Funder, GrantOffer
from tests.factories import PASSWORD, make_case
from tests.workflow import approve, sign_all, to_dmpc_review, to_iam, to_ready

pytestmark = pytest.mark.django_db

NEXT_YEAR = timezone.localdate().year + 1
PLAN_URL = "/forward-plan/"
FEED_URL = "/forward-plan/feed/"


def month(number: int, year: int = NEXT_YEAR) -> datetime.date:
    return datetime.date(year, number, 1)


def at_iam(people, title="Violence reduction grant", **fields):
    case = make_case(people.manager, title=title, **fields)
    to_iam(case, people)
    return case


def planned(people, case, *, title="Grant to reduce violence", needed_by=None, funders=None):
    return plan.plan_decision(
        case,
        by=people.dmpc_office,
        title=title,
        funders=["Home Office"] if funders is None else funders,
        needed_by=needed_by or month(3),
    )


def form_data(title="Grant to reduce violence", funders=("Home Office",), m="3", y=NEXT_YEAR):
    return {"title": title, "funders": list(funders), "needed_by_month": m, "needed_by_year": y}


@pytest.fixture
def office(client, people):
    client.force_login(people.dmpc_office)
    return client


# Adding, changing and taking off ------------------------------------------------------


def test_the_office_puts_a_case_on_the_plan_with_what_the_public_reads(people, office):
    case = at_iam(people, title="Internal working title")
    response = office.post(reverse("approvals:plan-entry", args=[case.pk]), form_data(m="March"))
    assert response.status_code == 302
    entry = ForwardPlanEntry.objects.get(case=case)
    assert (entry.title, entry.funders, entry.needed_by) == (
        "Grant to reduce violence",
        ["Home Office"],
        month(3),
    )
    assert entry.decision_maker == "Deputy Mayor for Policing and Crime"
    assert entry.added_by == people.dmpc_office
    event = AuditEvent.objects.get(action=AuditAction.PLANNED)
    assert event.case == case and event.actor == people.dmpc_office
    assert event.details["title"] == "Grant to reduce violence"
    assert event.details["needed_by"] == f"{NEXT_YEAR}-03"

    page = office.get(PLAN_URL).content.decode()
    assert "Grant to reduce violence" in page
    assert f"March {NEXT_YEAR}" in page
    assert "Home Office" in page
    assert "Deputy Mayor for Policing and Crime" in page
    assert "Internal working title" not in page


def test_the_form_is_filled_in_from_the_case(people, office):
    funder = Funder.objects.create(name="Youth Endowment Fund")
    case = at_iam(people, title="Knife crime grant", needed_by=datetime.date(NEXT_YEAR, 7, 19))
    GrantOffer.objects.create(case=case, funder=funder, amount=10, financial_year=2026)
    page = office.get(reverse("approvals:plan-entry", args=[case.pk])).content.decode()
    assert ">Knife crime grant</textarea>" in page
    assert 'value="Home Office" checked' in page
    assert 'value="Youth Endowment Fund" checked' in page
    assert 'name="needed_by_month" type="text" inputmode="numeric" value="7"' in page
    assert f'name="needed_by_year" type="text" inputmode="numeric" value="{NEXT_YEAR}"' in page
    assert "Deputy Mayor for Policing and Crime" in page


def test_an_unticked_funder_is_not_shown(people, office):
    funder = Funder.objects.create(name="Youth Endowment Fund")
    case = at_iam(people)
    GrantOffer.objects.create(case=case, funder=funder, amount=10, financial_year=2026)
    office.post(reverse("approvals:plan-entry", args=[case.pk]), form_data())
    assert ForwardPlanEntry.objects.get().funders == ["Home Office"]
    assert "Youth Endowment Fund" not in office.get(PLAN_URL).content.decode()


def test_changing_an_entry_is_audited_with_what_changed(people, office):
    case = at_iam(people)
    planned(people, case)
    office.post(
        reverse("approvals:plan-entry", args=[case.pk]), form_data(title="A new title", m="5")
    )
    entry = ForwardPlanEntry.objects.get()
    assert (entry.title, entry.needed_by, entry.changed_by) == (
        "A new title",
        month(5),
        people.dmpc_office,
    )
    event = AuditEvent.objects.get(action=AuditAction.PLAN_CHANGED)
    assert event.details["changes"] == [
        {"field": "title", "before": "Grant to reduce violence", "after": "A new title"},
        {"field": "needed_by", "before": f"{NEXT_YEAR}-03", "after": f"{NEXT_YEAR}-05"},
    ]
    assert "A new title" in office.get(PLAN_URL).content.decode()
    history = office.get(reverse("approvals:history", args=[case.pk])).content.decode()
    assert "Added to the forward plan" in history
    assert "Forward plan entry changed" in history
    assert "A new title" in history


def test_saving_an_entry_unchanged_writes_no_event(people):
    case = at_iam(people)
    planned(people, case)
    planned(people, case)
    assert not AuditEvent.objects.filter(action=AuditAction.PLAN_CHANGED).exists()
    assert ForwardPlanEntry.objects.count() == 1


def test_an_entry_taken_off_leaves_the_public_plan_at_once(people, office, client):
    case = at_iam(people)
    planned(people, case)
    assert "Grant to reduce violence" in client.get(PLAN_URL).content.decode()
    assert "Grant to reduce violence" in client.get(FEED_URL).content.decode()
    response = office.post(reverse("approvals:plan-remove", args=[case.pk]))
    assert response.status_code == 302
    assert not ForwardPlanEntry.objects.exists()
    event = AuditEvent.objects.get(action=AuditAction.UNPLANNED)
    assert event.details["title"] == "Grant to reduce violence"
    office.logout()
    assert "Grant to reduce violence" not in client.get(PLAN_URL).content.decode()
    assert "Grant to reduce violence" not in client.get(FEED_URL).content.decode()


def test_a_withdrawn_case_leaves_the_plan_at_once(people, client):
    case = at_iam(people)
    planned(people, case)
    first = client.get(PLAN_URL)
    assert "Grant to reduce violence" in first.content.decode()
    services.withdraw(case, by=people.manager, reasons="The funder withdrew its offer.")
    again = client.get(PLAN_URL, headers={"if-none-match": first["ETag"]})
    assert again.status_code == 200
    assert "Grant to reduce violence" not in again.content.decode()
    assert "No decisions are on the forward plan" in again.content.decode()
    assert "Grant to reduce violence" not in client.get(FEED_URL).content.decode()


def test_a_decision_stays_on_the_plan_until_it_is_published(people, client):
    case = make_case(people.manager)
    to_dmpc_review(case, people)
    planned(people, case)
    case.refresh_from_db()
    sign_all(case, people)
    services.mark_ready(case, by=people.dmpc_office)
    decision = approve(case, people)
    assert "Grant to reduce violence" in client.get(PLAN_URL).content.decode()
    publishing.publish_now(decision.publication, by=people.publisher)
    assert "Grant to reduce violence" not in client.get(PLAN_URL).content.decode()
    assert "Grant to reduce violence" not in client.get(FEED_URL).content.decode()
    # Its entry is kept, with its audit event, but shown nowhere.
    assert ForwardPlanEntry.objects.filter(case=case).exists()
    assert not ForwardPlanEntry.objects.on_plan().exists()


def test_a_rejected_decision_leaves_the_plan_once_published(people, client):
    case = make_case(people.manager)
    to_dmpc_review(case, people)
    planned(people, case)
    sign_all(case, people)
    services.mark_ready(case, by=people.dmpc_office)
    decision = services.decide(
        case, by=people.dmpc, outcome="reject", password=PASSWORD, reasons="No.",
        no_alternatives=True,
    )  # fmt: skip
    assert ForwardPlanEntry.objects.on_plan().exists()
    publishing.publish_now(decision.publication, by=people.publisher)
    assert not ForwardPlanEntry.objects.on_plan().exists()
    assert "Grant to reduce violence" not in client.get(PLAN_URL).content.decode()


def test_the_plan_is_ordered_by_the_month_needed(people, client):
    for title, needed in (("Later", month(9)), ("Sooner", month(2)), ("Middle", month(5))):
        planned(people, at_iam(people, title=f"Case {title}"), title=title, needed_by=needed)
    page = client.get(PLAN_URL).content.decode()
    assert page.index("Sooner") < page.index("Middle") < page.index("Later")


def test_the_empty_plan_says_so_and_links_its_feed(client):
    page = client.get(PLAN_URL).content.decode()
    assert "No decisions are on the forward plan at the moment." in page
    assert 'href="/forward-plan/feed/"' in page
    assert '<meta name="description"' in page


def test_the_home_page_and_the_register_link_the_plan(client):
    assert 'href="/forward-plan/"' in client.get("/").content.decode()
    assert 'href="/forward-plan/"' in client.get("/decisions/").content.decode()


# Refusals ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("data", "field", "message"),
    [
        (form_data(title="   "), "title", "Enter the title the forward plan shows"),
        (form_data(title="x" * 301), "title", "The title must be 300 characters or fewer"),
        (form_data(m="", y=""), "needed_by_month", "Enter the month the decision is needed by"),
        (form_data(m="13"), "needed_by_month", "must be a real month"),
        (form_data(m="Smarch"), "needed_by_month", "must be a real month"),
        (form_data(m="-1"), "needed_by_month", "must be a real month"),
        (form_data(y="27"), "needed_by_year", "The year must have 4 numbers"),
        (form_data(y="２０２７"), "needed_by_year", "The year must have 4 numbers"),
        (form_data(y=""), "needed_by_year", "must include a year"),
        (form_data(m="1", y="2020"), "needed_by_month", "must be this month or later"),
        (form_data(y=NEXT_YEAR + 10), "needed_by_year", "within the next 5 years"),
        (form_data(funders=["Evil Corp"]), "funders", "Select a valid choice"),
    ],
)
def test_bad_input_is_refused_and_what_was_typed_is_kept(people, office, data, field, message):
    case = at_iam(people)
    response = office.post(reverse("approvals:plan-entry", args=[case.pk]), data)
    assert response.status_code == 400
    page = response.content.decode()
    assert message in page
    anchor = "id_funders_1" if field == "funders" else f"id_{field}"
    assert f'href="#{anchor}"' in page  # linked from the error summary
    if data["title"].strip():
        assert f">{data['title']}</textarea>" in page
    assert not ForwardPlanEntry.objects.exists()
    assert not AuditEvent.objects.filter(action=AuditAction.PLANNED).exists()


def test_this_month_is_accepted(people):
    today = timezone.localdate()
    entry = planned(people, at_iam(people), needed_by=today)
    assert entry.needed_by == today.replace(day=1)


def test_the_service_refuses_a_month_in_the_past_and_funders_not_offered(people):
    case = at_iam(people)
    with pytest.raises(WorkflowError, match="this month or later"):
        planned(people, case, needed_by=datetime.date(2020, 1, 1))
    with pytest.raises(WorkflowError, match="only funders that offer"):
        planned(people, case, funders=["Evil Corp"])
    with pytest.raises(WorkflowError, match="Enter the title"):
        planned(people, case, title=" ")
    assert not ForwardPlanEntry.objects.exists()


def test_a_decided_case_cannot_be_put_on_the_plan(people, office):
    case = make_case(people.manager)
    to_ready(case, people)
    approve(case, people)
    case.refresh_from_db()
    with pytest.raises(CaseChanged, match="still on its way to a decision"):
        planned(people, case)
    response = office.post(reverse("approvals:plan-entry", args=[case.pk]), form_data())
    assert response.status_code == 302
    assert not ForwardPlanEntry.objects.exists()
    page = office.get(reverse("approvals:plan-entry", args=[case.pk])).content.decode()
    assert "still on its way to a decision" in page


def test_a_withdrawn_case_cannot_be_put_on_the_plan_or_taken_off_it(people):
    case = at_iam(people)
    planned(people, case)
    services.withdraw(case, by=people.manager, reasons="No longer needed.")
    case.refresh_from_db()
    with pytest.raises(CaseChanged):
        planned(people, case, title="Again")
    with pytest.raises(CaseChanged, match="withdrawn"):
        plan.take_off_plan(case, by=people.dmpc_office)


def test_taking_off_an_entry_twice_says_it_is_gone(people, office):
    case = at_iam(people)
    planned(people, case)
    plan.take_off_plan(case, by=people.dmpc_office)
    with pytest.raises(CaseChanged, match="not on the forward plan"):
        plan.take_off_plan(case, by=people.dmpc_office)
    response = office.post(reverse("approvals:plan-remove", args=[case.pk]))
    assert response.status_code == 400
    assert "not on the forward plan" in response.content.decode()
    assert AuditEvent.objects.filter(action=AuditAction.UNPLANNED).count() == 1


@pytest.mark.parametrize("who", ["manager", "iam", "dmpc", "publisher", "finance"])
def test_only_the_dmpc_office_keeps_the_plan(people, client, who):
    case = at_iam(people)
    client.force_login(getattr(people, who))
    assert (
        client.post(reverse("approvals:plan-entry", args=[case.pk]), form_data()).status_code == 403
    )
    with pytest.raises(NotAllowed, match="Only the DMPC office"):
        plan.plan_decision(case, by=getattr(people, who), title="T", funders=[], needed_by=month(3))
    planned(people, case)
    assert client.post(reverse("approvals:plan-remove", args=[case.pk])).status_code == 403
    with pytest.raises(NotAllowed):
        plan.take_off_plan(case, by=getattr(people, who))
    assert ForwardPlanEntry.objects.get().title == "Grant to reduce violence"


def test_hostile_ids_find_nothing(people, office):
    assert office.get("/staff/cases/99999/forward-plan/").status_code == 404
    assert office.post("/staff/cases/99999/forward-plan/remove/").status_code == 404
    assert office.get("/staff/cases/-1/forward-plan/").status_code == 404
    assert office.get("/staff/cases/1%27%20or%201=1/forward-plan/").status_code == 404


def test_another_managers_draft_is_not_shown_to_the_office_until_it_is_planned(people, office):
    draft = make_case(people.manager, title="Private draft title")
    assert office.get(reverse("approvals:plan-entry", args=[draft.pk])).status_code == 404
    assert "Private draft title" not in office.get(reverse("approvals:plan")).content.decode()


def test_an_entry_whose_case_went_back_to_draft_stays_and_can_be_kept(people, office, client):
    case = at_iam(people, title="Case title the public must not read")
    planned(people, case)
    services.record_iam_outcome(
        case, by=people.iam, attendees="IAM", outcome=IamOutcome.RETURNED, note="Fix it."
    )
    case.refresh_from_db()
    assert case.state == "draft"
    listing = office.get(reverse("approvals:plan")).content.decode()
    assert "Grant to reduce violence" in listing
    assert "Back in draft with its grants managers" in listing
    assert "Case title the public must not read" not in listing
    response = office.post(reverse("approvals:plan-entry", args=[case.pk]), form_data(m="4"))
    assert response.status_code == 302
    assert ForwardPlanEntry.objects.get().needed_by == month(4)
    assert "Case title the public must not read" not in client.get(PLAN_URL).content.decode()


# Where the office finds it -------------------------------------------------------------


def test_the_office_finds_the_plan_from_its_home_and_the_case_page(people, office, client):
    case = at_iam(people)
    assert 'href="/staff/forward-plan/"' in office.get("/staff/").content.decode()
    report = office.get(case.get_absolute_url()).content.decode()
    assert f'href="/staff/cases/{case.pk}/forward-plan/"' in report
    listing = office.get(reverse("approvals:plan")).content.decode()
    assert f'href="/staff/cases/{case.pk}/forward-plan/"' in listing
    client.force_login(people.manager)
    assert 'href="/staff/forward-plan/"' not in client.get("/staff/").content.decode()
    assert "/forward-plan/" not in client.get(case.get_absolute_url()).content.decode()


def test_the_case_page_button_follows_the_workflow(people):
    case = at_iam(people)
    assert can(people.dmpc_office, "plan_decision", case) is None
    assert (
        can(people.manager, "plan_decision", case) == "Only the DMPC office keeps the forward plan."
    )


# The feed ------------------------------------------------------------------------------


def test_the_feed_is_valid_atom_with_an_entry_for_each_decision(people, client, settings):
    settings.SITE_URL = "https://decisions.example.org"
    planned(people, at_iam(people, title="A"), title="First decision", needed_by=month(2))
    planned(people, at_iam(people, title="B"), title="Second decision", needed_by=month(6))
    response = client.get(FEED_URL)
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/atom+xml")
    feed = feedparser.parse(response.content)
    assert feed.bozo == 0, feed.get("bozo_exception")
    assert feed.feed.link == "https://decisions.example.org/forward-plan/"
    assert [entry.title for entry in feed.entries] == ["First decision", "Second decision"]
    first = feed.entries[0]
    assert first.link.startswith("https://decisions.example.org/forward-plan/#entry-")
    assert f"Needed by: February {NEXT_YEAR}." in first.summary
    assert "Funders: Home Office." in first.summary
    assert "Decision maker: Deputy Mayor for Policing and Crime." in first.summary
    assert [tag.term for tag in first.tags] == ["Home Office"]
    assert all(link.href.startswith("https://") for link in feed.feed.links)


def test_the_empty_feed_is_valid_atom(client):
    feed = feedparser.parse(client.get(FEED_URL).content)
    assert feed.bozo == 0
    assert feed.entries == []


def test_the_page_answers_not_modified_until_the_plan_changes(people, client):
    case = at_iam(people)
    planned(people, case)
    first = client.get(PLAN_URL)
    assert client.get(PLAN_URL, headers={"if-none-match": first["ETag"]}).status_code == 304
    planned(people, case, title="Renamed")
    again = client.get(PLAN_URL, headers={"if-none-match": first["ETag"]})
    assert again.status_code == 200
    assert "Renamed" in again.content.decode()
