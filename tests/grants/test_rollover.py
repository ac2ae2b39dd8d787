"""Starting from an earlier case: the seed's 2023/24 decision rolled forward into a
2024/25 draft, what it copies and what it refuses."""

import datetime
from decimal import Decimal

import pytest
from django.db.models import DateField
from django.urls import reverse

from approvals import audit, services
from approvals.models import AuditAction, AuditEvent, RelatedDecision, RelatedDecisionKind
from approvals.workflow import CaseChanged, WorkflowError, can
from grants import rollover
from grants.models import CaseState, CostLine, FundedUnit, GrantCase, GrantOffer, Post
from grants.money import as_millions
from grants.reconciliation import reconcile_case
from grants.seed import create_seed_case
from grants.services import RowEdit, save_offers
from tests.factories import make_case, make_user
from tests.html import page_text, table_starting
from tests.workflow import approve, to_iam, to_ready

pytestmark = pytest.mark.django_db

START = reverse("grants:start-from-earlier")


@pytest.fixture
def seed_decision(people):
    seed = create_seed_case(people.manager)
    to_ready(seed, people)
    return approve(seed, people)


@pytest.fixture
def rolled(seed_decision, people):
    return rollover.start_from_earlier(seed_decision.case, by=people.manager)


def loaded(case) -> GrantCase:
    return GrantCase.objects.with_contents().get(pk=case.pk)


def posts_of(case) -> list[tuple]:
    return [
        (unit.name, post.group, post.grade, post.annual_cost, post.grant_fte, post.match_fte)
        for unit in loaded(case).units.all()
        for post in unit.posts.all()
    ]


def test_rolling_the_seed_forward_gives_a_2024_25_draft_with_the_same_units_and_posts(
    rolled, seed_decision, people
):
    earlier = seed_decision.case
    assert (rolled.state, rolled.financial_year, rolled.owner) == (
        CaseState.DRAFT,
        2024,
        people.manager,
    )
    assert rolled.financial_year_label == "2024/25"
    assert [u.name for u in loaded(rolled).units.all()] == [
        "ACE",
        "ROCU",
        "ROCTA",
        "Drugs Strategy",
        "Digital Forensics",
    ]
    assert posts_of(rolled) == posts_of(earlier)
    assert len(posts_of(rolled)) == 21
    assert [(u.name, u.grant_allocation) for u in loaded(rolled).units.all()] == [
        (u.name, u.grant_allocation) for u in loaded(earlier).units.all()
    ]
    assert list(
        CostLine.objects.filter(unit__case=rolled).values_list(
            "unit__name", "description", "amount"
        )
    ) == list(
        CostLine.objects.filter(unit__case=earlier).values_list(
            "unit__name", "description", "amount"
        )
    )
    assert list(rolled.budget_years.values_list("financial_year", flat=True)) == [
        2024,
        2025,
        2026,
        2027,
        2028,
    ]


def test_the_offers_move_on_a_year_and_keep_last_years_amounts_to_be_confirmed(rolled):
    offers = list(
        rolled.offers.values_list(
            "funder__name",
            "amount",
            "financial_year",
            "period_start",
            "period_end",
            "offer_date",
            "amount_to_be_confirmed",
        )
    )
    assert offers == [
        (
            "Home Office",
            Decimal("1201000.00"),
            2024,
            datetime.date(2024, 4, 1),
            datetime.date(2025, 3, 31),
            None,
            True,
        ),
        (
            "East Midlands Special Operations Unit",
            Decimal("500000.00"),
            2024,
            datetime.date(2024, 4, 1),
            datetime.date(2025, 3, 31),
            None,
            True,
        ),
    ]
    assert rolled.offers.get(position=1).scheme.name == "Organised Crime Specific Grant"


def test_the_sections_recommendations_and_time_sensitivity_are_copied(rolled, seed_decision):
    earlier = seed_decision.case
    for name in ("title", "executive_summary", "introduction", "legal_comments", "report_by"):
        assert getattr(rolled, name) == getattr(earlier, name)
    assert rolled.needed_by == datetime.date(2025, 3, 31)
    assert rolled.time_sensitivity == earlier.time_sensitivity
    assert list(
        rolled.recommendations.values_list(
            "position", "text", "is_standing_authority", "annual_cap", "ends_on"
        )
    ) == list(
        earlier.recommendations.values_list(
            "position", "text", "is_standing_authority", "annual_cap", "ends_on"
        )
    )


def test_every_field_of_every_copied_row_is_carried_forward(rolled, seed_decision):
    """Whatever fields the models gain: dates move on a year, financial years by one,
    and everything else is copied as it is."""

    def shifted(field, value):
        if value is None or field.name == "offer_date":
            return None
        if isinstance(field, DateField):
            return rollover.next_year(value)
        return value + 1 if field.name.endswith("financial_year") else value

    pairs = [
        (FundedUnit, "case", FundedUnit.objects.filter(case__in=[seed_decision.case, rolled])),
        (GrantOffer, "case", GrantOffer.objects.filter(case__in=[seed_decision.case, rolled])),
        (Post, "unit", Post.objects.filter(unit__case__in=[seed_decision.case, rolled])),
        (CostLine, "unit", CostLine.objects.filter(unit__case__in=[seed_decision.case, rolled])),
    ]
    for model, parent, rows in pairs:
        old = [r for r in rows.order_by("pk") if _case_of(r) == seed_decision.case.pk]
        new = [r for r in rows.order_by("pk") if _case_of(r) == rolled.pk]
        assert len(old) == len(new) > 0, model
        for before, after in zip(old, new, strict=True):
            for field in model._meta.concrete_fields:
                if field.primary_key or field.name in (parent, "amount_to_be_confirmed"):
                    continue
                expected = shifted(field, getattr(before, field.attname))
                assert getattr(after, field.attname) == expected, (model, field.name)


def _case_of(row) -> int:
    return row.case_id if hasattr(row, "case_id") else row.unit.case_id


def test_next_year_keeps_the_day_or_takes_the_end_of_february():
    assert rollover.next_year(datetime.date(2023, 4, 1)) == datetime.date(2024, 4, 1)
    assert rollover.next_year(datetime.date(2024, 2, 29)) == datetime.date(2025, 2, 28)


def test_the_new_case_extends_the_earlier_decision_audited_with_the_copy(
    rolled, seed_decision, people
):
    link = RelatedDecision.objects.get(case=rolled)
    assert (link.decision, link.kind, link.added_by) == (
        seed_decision,
        RelatedDecisionKind.EXTENDS,
        people.manager,
    )
    event = AuditEvent.objects.get(case=rolled)
    assert event.action == AuditAction.CASE_CREATED
    assert event.actor == people.manager
    assert (event.details["extends"], event.details["copied_from_case"]) == (
        seed_decision.reference,
        seed_decision.case.pk,
    )
    changed = {tuple(change["field"]) for change in event.details["changes"]}
    # The earlier decision is not yet published: the link is a staff note, audited as one.
    assert ("related_decision_notes", "1", "kind") in changed
    assert ("offers", "1", "amount_to_be_confirmed") in changed
    assert audit.verify_chain().intact


def test_the_new_cases_history_says_what_it_extends(rolled, seed_decision, manager_client):
    html = manager_client.get(reverse("approvals:history", args=[rolled.pk])).content.decode()
    text = page_text(html)
    assert "Case created" in text
    assert f"Extends {seed_decision.reference}" in text
    assert f"Copied from case {seed_decision.case.pk}" in text


def test_nothing_is_kept_when_the_audit_event_cannot_be_written(seed_decision, people, monkeypatch):
    cases = GrantCase.objects.count()

    def failing(*args, **kwargs):
        raise RuntimeError("The audit trail is unavailable")

    monkeypatch.setattr(rollover.audit, "record", failing)
    with pytest.raises(RuntimeError):
        rollover.start_from_earlier(seed_decision.case, by=people.manager)
    assert GrantCase.objects.count() == cases
    assert not RelatedDecision.objects.exists()
    assert not Post.objects.filter(unit__case__state=CaseState.DRAFT).exists()


def test_the_copy_reconciles_but_for_an_error_naming_each_offer_to_confirm(rolled):
    figures = reconcile_case(loaded(rolled))
    assert as_millions(figures.planned_spend) == Decimal("3.748")
    assert as_millions(figures.offers_total) == Decimal("1.701")
    assert figures.variance == 0
    errors = [(f.code, f.section) for f in figures.errors]
    assert errors == [("amount-to-be-confirmed", "Grant offers")] * 2
    messages = [f.message for f in figures.errors]
    assert "Home Office offer for 2024/25" in messages[0]
    assert "£1,201,000.00" in messages[0]
    assert "East Midlands Special Operations Unit offer for 2024/25" in messages[1]


def test_it_cannot_go_to_iam_until_each_amount_is_confirmed(rolled, people, manager_client):
    assert "2 errors" in can(people.manager, "submit", rolled)
    with pytest.raises(WorkflowError):
        services.submit(rolled, by=people.manager)

    page = manager_client.get(reverse("grants:task-list", args=[rolled.pk])).content.decode()
    assert "Confirm the Home Office offer for 2024/25" in page
    assert "Confirm the East Midlands Special Operations Unit offer for 2024/25" in page

    # The Home Office has confirmed a different amount; EMSOU's is ticked as confirmed.
    offers = list(loaded(rolled).offers.all())
    response = manager_client.post(
        reverse("grants:edit-offers", args=[rolled.pk]),
        {
            "lock_version": rolled.lock_version,
            **_offer_rows(offers, amounts={offers[0].pk: "1250000"}, confirmed=[]),
        },
    )
    assert response.status_code == 302
    assert list(rolled.offers.values_list("amount", "amount_to_be_confirmed")) == [
        (Decimal("1250000.00"), False),
        (Decimal("500000.00"), True),
    ]
    rolled.refresh_from_db()
    response = manager_client.post(
        reverse("grants:edit-offers", args=[rolled.pk]),
        {"lock_version": rolled.lock_version, **_offer_rows(offers, confirmed=[offers[1].pk])},
    )
    assert response.status_code == 302
    assert not rolled.offers.filter(amount_to_be_confirmed=True).exists()
    findings = {f.code for f in reconcile_case(loaded(rolled)).errors}
    assert "amount-to-be-confirmed" not in findings


def _offer_rows(offers, *, amounts=None, confirmed=()) -> dict:
    amounts = amounts or {}
    data = {"offers-TOTAL_FORMS": len(offers), "offers-INITIAL_FORMS": len(offers)}
    for index, offer in enumerate(offers):
        row = f"offers-{index}-"
        data |= {
            f"{row}id": offer.pk,
            f"{row}funder": offer.funder_id,
            f"{row}amount": amounts.get(offer.pk, str(offer.amount)),
            f"{row}financial_year": "2024/25",
        }
        if offer.pk in confirmed:
            data[f"{row}amount_confirmed"] = "on"
    return data


def test_the_draft_report_marks_each_amount_to_be_confirmed(rolled, manager_client):
    text = page_text(
        manager_client.get(reverse("grants:report", args=[rolled.pk])).content.decode()
    )
    assert text.count("To be confirmed") == 2
    assert "Amount £1.201m To be confirmed" in text


def test_an_offer_saved_unchanged_stays_to_be_confirmed(rolled, people):
    offers = list(loaded(rolled).offers.all())
    edits = [
        RowEdit(
            o.pk,
            {
                "funder": o.funder,
                "new_funder": "",
                "scheme": o.scheme,
                "amount": o.amount,
                "financial_year": o.financial_year,
                "period_start": o.period_start,
                "period_end": o.period_end,
                "offer_date": None,
                "conditions": "Changed.",
                "amount_to_be_confirmed": True,
            },
        )
        for o in offers
    ]
    save_offers(rolled, edits, by=people.manager, lock_version=rolled.lock_version)
    assert rolled.offers.filter(amount_to_be_confirmed=True).count() == 2


# Only an approved decision ----------------------------------------------------------------


def test_a_draft_a_case_under_review_and_a_rejected_case_cannot_be_started_from(people):
    draft = make_case(people.manager, title="A draft")
    at_iam = make_case(people.manager, title="At IAM")
    to_iam(at_iam, people)
    rejected = make_case(people.manager, title="Rejected")
    to_ready(rejected, people)
    services.decide(
        rejected,
        by=people.dmpc,
        outcome="reject",
        password="correct-horse-battery-staple",
        reasons="Poor value.",
        no_alternatives=True,
    )
    rejected.refresh_from_db()
    cases = GrantCase.objects.count()
    for case in (draft, at_iam, rejected):
        with pytest.raises(CaseChanged, match="only be started from a decided case"):
            rollover.start_from_earlier(case, by=people.manager)
    assert GrantCase.objects.count() == cases


def test_only_the_cases_grants_managers_may_start_from_it(seed_decision, people):
    other = make_user("other-manager", *people.manager.groups.values_list("name", flat=True))
    for user in (other, people.dmpc, people.iam):
        with pytest.raises(WorkflowError):
            rollover.start_from_earlier(seed_decision.case, by=user)
    assert not RelatedDecision.objects.exists()


def test_a_decision_is_extended_once_until_that_case_is_withdrawn(rolled, seed_decision, people):
    with pytest.raises(CaseChanged, match="already extended by the case"):
        rollover.start_from_earlier(seed_decision.case, by=people.manager)
    services.withdraw(rolled, by=people.manager, reasons="Started by mistake.")
    again = rollover.start_from_earlier(seed_decision.case, by=people.manager)
    assert again.pk != rolled.pk


# The start page -----------------------------------------------------------------------------


def test_the_start_page_lists_the_approved_decisions_the_manager_may_extend(
    seed_decision, people, manager_client
):
    make_case(people.manager, title="A draft of mine")
    page = manager_client.get(START)
    html = page.content.decode()
    assert page.status_code == 200
    assert seed_decision.reference in html
    assert "Start the 2024/25 case" in html
    assert "A draft of mine" not in html


def test_the_start_page_searches_by_reference_or_title(seed_decision, people, manager_client):
    other = make_case(people.manager, title="Violence Reduction Unit grant")
    to_ready(other, people)
    second = approve(other, people)

    def listed(q):
        html = manager_client.get(START, {"q": q}).content.decode()
        return [
            " ".join(row[0].split()[:2]) for row in table_starting(html, "Approved decisions")[1:]
        ]

    assert listed(seed_decision.reference.lower()) == [seed_decision.reference]
    assert listed("  violence   reduction ") == [second.reference]
    assert listed("") == [second.reference, seed_decision.reference]
    nothing = manager_client.get(START, {"q": "<script>x</script>"}).content.decode()
    assert "No approved decision you can see matches" in nothing
    assert "<script>x</script>" not in nothing


def test_the_start_page_says_why_an_extended_decision_cannot_be_started_from(
    rolled, seed_decision, manager_client
):
    html = manager_client.get(START).content.decode()
    assert f"{seed_decision.reference} is already extended by the case" in html
    assert "Start the 2024/25 case" not in html


def test_the_start_page_reads_many_decisions_in_a_fixed_number_of_queries(
    people, manager_client, django_assert_max_num_queries
):
    def decided(number):
        case = make_case(people.manager, title=f"Case {number}")
        to_ready(case, people)
        approve(case, people)

    decided(0)
    with django_assert_max_num_queries(20) as one:
        assert manager_client.get(START).status_code == 200
    for number in range(1, 5):
        decided(number)
    with django_assert_max_num_queries(len(one.captured_queries)):
        assert "Case 4" in manager_client.get(START).content.decode()


def test_starting_from_the_page_opens_the_new_drafts_task_list(
    seed_decision, people, manager_client
):
    response = manager_client.post(START, {"case": seed_decision.case.pk})
    new = GrantCase.objects.get(state=CaseState.DRAFT, related_decisions__decision=seed_decision)
    assert response.status_code == 302
    assert response["Location"] == reverse("grants:task-list", args=[new.pk])
    assert new.owner == people.manager


def test_a_double_submit_starts_one_case_and_says_why_the_second_was_refused(
    seed_decision, manager_client
):
    first = manager_client.post(START, {"case": seed_decision.case.pk})
    second = manager_client.post(START, {"case": seed_decision.case.pk})
    assert first.status_code == 302
    assert second.status_code == 409
    assert "is already extended by the case" in second.content.decode()
    assert GrantCase.objects.filter(state=CaseState.DRAFT).count() == 1


@pytest.mark.parametrize("value", ["", "abc", "-1", "0", "1e309", "99999999999999", "\x00"])
def test_a_case_id_that_is_not_one_is_refused(seed_decision, manager_client, value):
    cases = GrantCase.objects.count()
    response = manager_client.post(START, {"case": value})
    assert response.status_code == 400
    assert "Choose a decision from the list" in response.content.decode()
    assert GrantCase.objects.count() == cases


def test_a_case_that_does_not_exist_or_is_someone_elses_is_not_found(seed_decision, client):
    someone = make_user("someone", *seed_decision.case.owner.groups.values_list("name", flat=True))
    client.force_login(someone)
    cases = GrantCase.objects.count()
    assert client.post(START, {"case": seed_decision.case.pk}).status_code == 404
    assert client.post(START, {"case": 987654}).status_code == 404
    assert GrantCase.objects.count() == cases


def test_a_draft_posted_to_the_start_page_is_refused(people, manager_client):
    draft = make_case(people.manager, title="A draft")
    response = manager_client.post(START, {"case": draft.pk})
    assert response.status_code == 409
    assert "only be started from a decided case" in response.content.decode()
    assert GrantCase.objects.count() == 1


def test_only_grants_managers_may_open_the_start_page(seed_decision, client, people):
    for user in (people.dmpc, people.iam):
        client.force_login(user)
        assert client.get(START).status_code == 403
        assert client.post(START, {"case": seed_decision.case.pk}).status_code == 403
    assert not RelatedDecision.objects.exists()


def test_the_case_list_and_a_decided_cases_page_link_to_starting_from_it(
    seed_decision, manager_client
):
    listing = manager_client.get(reverse("grants:case-list")).content.decode()
    assert f'href="{START}"' in listing
    report = manager_client.get(reverse("grants:report", args=[seed_decision.case.pk]))
    assert "Start the next case from this one" in report.content.decode()
    assert f"{START}?q=PCD+" in report.content.decode()
