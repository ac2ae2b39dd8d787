"""Standing authorities and related decisions."""

import datetime
import re
from decimal import Decimal

import pytest

from approvals.models import (
    AuditAction,
    AuditEvent,
    Publication,
    RelatedDecision,
    StandingAuthorityAcceptance,
)
from approvals.standing import (
    StandingAuthorityError,
    accept_under_standing_authority,
    link_decision,
    unlink_decision,
)
from grants.models import GrantCase
from grants.seed import create_seed_case
from tests.factories import make_case
from tests.workflow import approve, to_ready

pytestmark = pytest.mark.django_db


@pytest.fixture
def seed_decision(people):
    case = create_seed_case(people.manager)
    to_ready(case, people)
    return approve(case, people)


def offer(decision, people, **changes):
    values = {
        "recommendation": 2,
        "funder": "Home Office",
        "financial_year": 2024,
        "amount": Decimal("1750000"),
        "offer_date": datetime.date(2024, 6, 1),
    }
    return accept_under_standing_authority(decision, by=people.manager, **{**values, **changes})


def test_the_seed_approves_a_standing_authority_of_two_million_a_year_until_2027(seed_decision):
    (authority,) = seed_decision.standing_authorities()
    assert authority.position == 2
    assert authority.annual_cap == Decimal("2000000.00")
    assert authority.ends_on == datetime.date(2027, 3, 31)


def test_an_offer_within_the_cap_and_before_the_end_is_accepted_and_audited(seed_decision, people):
    acceptance = offer(seed_decision, people)
    assert acceptance.amount == Decimal("1750000")
    event = AuditEvent.objects.get(action=AuditAction.STANDING_ACCEPTANCE)
    assert event.details["financial_year"] == "2024/25"
    assert event.details["reference"] == seed_decision.reference


def test_an_offer_above_the_cap_needs_a_new_case(seed_decision, people):
    with pytest.raises(
        StandingAuthorityError,
        match=re.escape("above the standing authority's cap of £2.000m a year. A new grant case"),
    ):
        offer(seed_decision, people, amount=Decimal("2000000.01"))
    assert not StandingAuthorityAcceptance.objects.exists()


def test_the_cap_is_per_year_across_every_offer_accepted(seed_decision, people):
    offer(seed_decision, people, amount=Decimal("1500000"))
    with pytest.raises(StandingAuthorityError, match=re.escape("to £2.100m")):
        offer(seed_decision, people, amount=Decimal("600000"), funder="EMSOU")
    offer(seed_decision, people, amount=Decimal("500000"), funder="EMSOU")
    offer(seed_decision, people, amount=Decimal("2000000"), financial_year=2025)
    assert StandingAuthorityAcceptance.objects.count() == 3


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"offer_date": datetime.date(2027, 4, 1)}, "ended on 31 March 2027"),
        ({"financial_year": 2027}, "before 2027/28 begins"),
        ({"financial_year": 2023}, "covers later years"),
        ({"recommendation": 1}, "approved no standing authority as recommendation 1"),
        ({"amount": Decimal("0")}, "more than £0"),
    ],
)
def test_offers_outside_the_authority_are_refused(seed_decision, people, changes, message):
    with pytest.raises(StandingAuthorityError, match=message):
        offer(seed_decision, people, **changes)


def test_only_grants_managers_and_the_dmpc_office_record_acceptances(seed_decision, people):
    with pytest.raises(StandingAuthorityError, match="Only grants managers"):
        accept_under_standing_authority(
            seed_decision,
            by=people.publisher,
            recommendation=2,
            funder="Home Office",
            financial_year=2024,
            amount=Decimal("1"),
            offer_date=datetime.date(2024, 6, 1),
        )


def test_the_acceptance_page_records_an_offer_and_refuses_one_above_the_cap(
    client, seed_decision, people
):
    client.force_login(people.manager)
    url = f"/staff/decisions/{seed_decision.pk}/standing-authority/"
    page = client.get(url).content.decode()
    assert "Up to £2.000m a year until 31 March 2027." in page
    data = {
        "recommendation": "2",
        "funder": "Home Office",
        "financial_year": "2024/25",
        "amount": "£2.5m",
        "offer_date_0": "1",
        "offer_date_1": "6",
        "offer_date_2": "2024",
    }
    refused = client.post(url, data)
    assert refused.status_code == 400
    assert "A new grant case is needed." in refused.content.decode()
    client.post(url, {**data, "amount": "£1.9m"})
    assert StandingAuthorityAcceptance.objects.get().amount == Decimal("1900000.00")


def test_a_case_links_to_an_earlier_decision_and_the_version_keeps_it(seed_decision, people):
    from approvals.publication import services as publication

    publication.publish_now(seed_decision.publication, by=people.publisher)
    later = make_case(people.manager, title="Later grant")
    link_decision(
        later,
        by=people.manager,
        reference=" pcd  1 ",
        kind="extends",
        lock_version=GrantCase.objects.get(pk=later.pk).lock_version,
    )
    assert RelatedDecision.objects.get().decision == seed_decision
    to_ready(later, people)
    assert later.versions.get().document["related_decisions"] == [
        {"kind": "extends", "reference": "PCD 1"}
    ]


def test_linking_an_unknown_reference_or_with_a_stale_page_is_refused(seed_decision, people):
    from grants.services import CaseChanged, EditRefused

    later = make_case(people.manager, title="Later grant")
    current = GrantCase.objects.get(pk=later.pk).lock_version
    with pytest.raises(EditRefused, match="There is no published decision PCD 999"):
        link_decision(later, by=people.manager, reference="PCD 999", kind="varies",
                      lock_version=current)  # fmt: skip
    with pytest.raises(CaseChanged):
        link_decision(later, by=people.manager, reference="PCD 1", kind="varies",
                      lock_version=current + 5)  # fmt: skip
    assert not RelatedDecision.objects.exists()


def test_the_related_decisions_page_adds_and_removes_links(client, seed_decision, people):
    from approvals.publication import services as publication

    publication.publish_now(seed_decision.publication, by=people.publisher)
    later = make_case(people.manager, title="Later grant")
    client.force_login(people.manager)
    url = f"/staff/cases/{later.pk}/related/"
    lock = GrantCase.objects.get(pk=later.pk).lock_version
    response = client.post(
        url, {"action": "add", "reference": "PCD 1", "kind": "supersedes", "lock_version": lock}
    )
    assert response.status_code == 302
    link = RelatedDecision.objects.get()
    assert link.kind == "supersedes"
    report = client.get(f"/staff/cases/{later.pk}/").content.decode()
    assert "This decision supersedes PCD 1." in report
    duplicate = client.post(
        url, {"action": "add", "reference": "PCD 1", "kind": "varies", "lock_version": lock + 1}
    )
    assert "already refers to PCD 1" in duplicate.content.decode()
    client.post(url, {"action": "remove", "link": link.pk, "lock_version": lock + 1})
    assert not RelatedDecision.objects.exists()
    garbage = client.post(url, {"action": "remove", "link": "x", "lock_version": "y"}, follow=True)
    assert garbage.status_code == 200


def test_both_decision_pages_show_the_link_and_the_acceptances_once_published(
    client, seed_decision, people, django_assert_max_num_queries
):
    from approvals.publication import services as publication

    publication.publish_now(seed_decision.publication, by=people.publisher)
    offer(seed_decision, people, amount=Decimal("1800000"))
    later = make_case(people.manager, title="Later grant")
    link_decision(
        later, by=people.manager, reference="PCD 1", kind="varies",
        lock_version=GrantCase.objects.get(pk=later.pk).lock_version,
    )  # fmt: skip
    to_ready(later, people)
    later_decision = approve(later, people)

    original = client.get("/decisions/pcd-1/").content.decode()
    assert "£1,800,000.00" in original and "2024/25" in original
    assert "PCD 2" not in original  # the later decision is not published yet

    publication.publish_now(later_decision.publication, by=people.publisher)
    with django_assert_max_num_queries(8):
        original = client.get("/decisions/pcd-1/").content.decode()
    assert 'href="/decisions/pcd-2/">PCD 2: Later grant</a> varies this decision.' in original
    assert "This decision varies PCD 1." in client.get("/decisions/pcd-2/").content.decode()


def test_a_new_acceptance_changes_the_decision_pages_etag(client, seed_decision, people):
    from approvals.publication import services as publication

    publication.publish_now(seed_decision.publication, by=people.publisher)
    etag = client.get("/decisions/pcd-1/")["ETag"]
    assert client.get("/decisions/pcd-1/", HTTP_IF_NONE_MATCH=etag).status_code == 304
    page = client.get("/decisions/pcd-1/").content.decode()
    assert "Offers accepted under its standing authority" not in page
    offer(seed_decision, people, amount=Decimal("1234567"))
    changed = client.get("/decisions/pcd-1/", HTTP_IF_NONE_MATCH=etag)
    assert changed.status_code == 200
    # Nor is the page kept from before served.
    assert "£1,234,567.00" in changed.content.decode()


def test_a_correction_to_a_citing_decision_redraws_the_cited_decisions_page(
    client, seed_decision, people
):
    from approvals.publication import services as publication

    publication.publish_now(seed_decision.publication, by=people.publisher)
    later = make_case(people.manager, title="Later grant")
    link_decision(
        later, by=people.manager, reference="PCD 1", kind="varies",
        lock_version=GrantCase.objects.get(pk=later.pk).lock_version,
    )  # fmt: skip
    to_ready(later, people)
    later_publication = approve(later, people).publication
    publication.publish_now(later_publication, by=people.publisher)
    assert "PCD 2: Later grant</a> varies" in client.get("/decisions/pcd-1/").content.decode()

    publication.publish_correction(
        later_publication, by=people.publisher, note="Retitled.", changes={"title": "Renamed"}
    )
    assert "PCD 2: Renamed</a> varies" in client.get("/decisions/pcd-1/").content.decode()


def test_linking_and_unlinking_count_as_later_events_of_the_earlier_decision(seed_decision, people):
    def later_events():
        return Publication.objects.get(decision=seed_decision).later_events

    later = make_case(people.manager, title="Later grant")
    before = later_events()
    link = link_decision(
        later, by=people.manager, reference="PCD 1", kind="varies",
        lock_version=GrantCase.objects.get(pk=later.pk).lock_version,
    )  # fmt: skip
    assert later_events() == before + 1
    unlink_decision(
        later, link.pk, by=people.manager,
        lock_version=GrantCase.objects.get(pk=later.pk).lock_version,
    )  # fmt: skip
    assert later_events() == before + 2
    offer(seed_decision, people)
    assert later_events() == before + 3
