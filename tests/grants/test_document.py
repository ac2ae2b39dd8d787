import hashlib
import io
import json

import pytest
from django.core.management import CommandError, call_command

from approvals.models import AuditAction, AuditEvent
from grants.demo import COUNTY_LINES_TITLE, DRAFT_TITLE, TOEX_TITLE, VICTIMS_TITLE
from grants.document import SCHEMA, case_document, document_json
from grants.models import GrantCase
from grants.seed import SEED_TITLE, create_seed_case

pytestmark = pytest.mark.django_db


@pytest.fixture
def seed_case(manager):
    return GrantCase.objects.with_contents().get(pk=create_seed_case(manager).pk)


def test_the_document_holds_every_input_and_computed_total(seed_case):
    document = case_document(seed_case)
    assert document["schema"] == SCHEMA
    assert document["case"]["financial_year"] == "2023/24"
    assert [o["amount"] for o in document["offers"]] == ["1201000.00", "500000.00"]
    assert document["totals"] == {
        "offers": "1701000.00",
        "allocations": "1701000.00",
        "planned_spend": "3747650.00",
        "mps_funding": "2046650.00",
        "total_budget": "3747650.00",
        "variance": "0.00",
        "grant_fte": "33.00",
    }
    rocu = next(u for u in document["units"] if u["name"] == "ROCU")
    assert [g["name"] for g in rocu["groups"]] == [
        "RART (Frontline Officers)",
        "Regional Prison Intelligence (Met Ops Officers)",
    ]
    prison = rocu["groups"][1]
    assert len(prison["posts"]) == 4
    assert prison["totals"] == {
        "grant_fte": "8.00",
        "match_fte": "5.00",
        "grant_cost": "571690.00",
        "match_cost": "349120.00",
        "total_cost": "920810.00",
    }
    assert prison["posts"][2] == {
        "grade": "Detective Constable",
        "annual_cost": "66230.00",
        "grant_fte": "3.00",
        "match_fte": "4.00",
        "grant_cost": "198690.00",
        "match_cost": "264920.00",
        "total_cost": "463610.00",
    }
    assert rocu["totals"]["planned_spend"] == "2850590.00"
    assert document["recommendations"][1]["standing_authority"] == {
        "annual_cap": "2000000.00",
        "ends_on": "2027-03-31",
    }
    assert document["revenue_impact_summary"][0]["variance"] == "0.00"
    assert set(document["sections"]) >= {"executive_summary", "legal_comments"}
    assert set(document["part2"]) == {"content", "exemption_reason"}


def test_the_document_is_plain_json_and_stable(seed_case):
    text = document_json(case_document(seed_case))
    assert json.loads(text) == case_document(seed_case)
    again = GrantCase.objects.with_contents().get(pk=seed_case.pk)
    assert document_json(case_document(again)) == text
    assert (
        hashlib.sha256(text.encode()).hexdigest()
        == hashlib.sha256(document_json(case_document(again)).encode()).hexdigest()
    )


def test_a_change_to_one_post_changes_the_document(seed_case):
    before = document_json(case_document(seed_case))
    post = seed_case.units.get(name="ACE").posts.first()
    post.annual_cost += 1
    post.save()
    after = document_json(case_document(GrantCase.objects.with_contents().get(pk=seed_case.pk)))
    assert after != before


def test_export_case_prints_the_document(seed_case):
    out = io.StringIO()
    call_command("export_case", str(seed_case.pk), stdout=out)
    assert json.loads(out.getvalue()) == case_document(seed_case)


def test_export_case_names_a_missing_case():
    with pytest.raises(CommandError, match="There is no grant case with id 999"):
        call_command("export_case", "999")


def test_load_demo_puts_cases_in_several_states_once_with_an_intact_trail(monkeypatch):
    monkeypatch.setenv("DEMO_PASSWORD", "demo-password-for-tests")
    call_command("load_demo", stdout=io.StringIO())
    events = AuditEvent.objects.count()
    call_command("load_demo", stdout=io.StringIO())
    assert AuditEvent.objects.count() == events
    states = dict(GrantCase.objects.values_list("title", "state"))
    assert states == {
        SEED_TITLE: "published",
        COUNTY_LINES_TITLE: "approved",
        TOEX_TITLE: "dmpc_review",
        VICTIMS_TITLE: "iam_review",
        DRAFT_TITLE: "draft",
    }
    seed = GrantCase.objects.get(title=SEED_TITLE)
    decision = seed.decisions.get()
    assert decision.reference == "PCD 1"
    revision = decision.publication.revisions.get()
    assert revision.agreement is not None and revision.agreement.size > 0
    deferred = GrantCase.objects.get(title=COUNTY_LINES_TITLE).decisions.get().publication
    assert deferred.published_at is None
    assert deferred.deferred_until > deferred.due_at and deferred.deferral_reason
    actions = list(seed.audit_events.values_list("action", flat=True))
    assert actions[0] == AuditAction.CASE_CREATED
    assert actions[-4:] == [
        AuditAction.APPROVED,
        AuditAction.UPLOADED,
        AuditAction.AGREEMENT_REVIEWED,
        AuditAction.PUBLISHED,
    ]
    assert len(actions) == 13
    out = io.StringIO()
    call_command("verify_audit", stdout=out)
    assert f"Audit trail intact: {events} events." in out.getvalue()
