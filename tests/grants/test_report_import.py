"""Importing a report: the seed report, pasted or as a Word document, makes the seed's
case; a second report in the same template imports as well; what is not a report is
refused with a clear message and makes nothing."""

import datetime
from decimal import Decimal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from approvals.models import AuditAction, AuditEvent
from grants.importing import NotAReport, Plan, plan_from_text, plan_from_word
from grants.importing.building import AlreadyImported, create_draft
from grants.importing.parsing import needed_by_in
from grants.models import GrantCase, GrantScheme
from grants.money import as_millions
from grants.reconciliation import reconcile_case
from tests.grants.report_documents import (
    SECOND_TEXT,
    SECOND_TITLE,
    SEED_TEXT,
    any_word_document,
    pdf_bytes,
    word_document,
    zip_bomb,
)
from tests.grants.test_seed_oracle import (
    BUDGET_YEARS,
    GRANT_FTE,
    PLANNED_SPEND,
    ROCU_COST_LINES,
    ROCU_POSTS,
    WARNINGS,
    group,
    post_rows,
    unit,
)

pytestmark = pytest.mark.django_db

M = Decimal
TODAY = datetime.date(2026, 11, 26)
WORD = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"


def imported(plan: Plan, owner, token="review-1"):
    case = create_draft(plan, by=owner, token=token, source="the seed")
    return reconcile_case(GrantCase.objects.with_contents().get(pk=case.pk), today=TODAY)


@pytest.fixture(params=["text", "word"])
def seed(request, manager):
    if request.param == "text":
        plan = plan_from_text(SEED_TEXT)
    else:
        plan = plan_from_word(word_document(SEED_TEXT))
    return imported(plan, manager)


# The seed report reproduces the seed oracle (tests/grants/test_seed_oracle.py) ----------


def test_the_seed_imports_with_its_offers_and_allocations(seed):
    case = GrantCase.objects.get()
    assert case.title == "Home Office Grant Organised Crime Specific Grant Agreement 2023 - 2027"
    assert case.state == "draft" and case.financial_year == 2023
    assert sorted((o.funder.name, as_millions(o.amount)) for o in case.offers.all()) == [
        ("East Midlands Special Operations Unit", M("0.500")),
        ("Home Office", M("1.201")),
    ]
    assert as_millions(seed.offers_total) == M("1.701")
    assert as_millions(seed.allocations_total) == M("1.701")
    assert [(u.unit.name, as_millions(u.grant_allocation)) for u in seed.units] == [
        ("ACE", M("0.220")),
        ("ROCU", M("1.000")),
        ("ROCTA", M("0.231")),
        ("Drugs Strategy", M("0.150")),
        ("Digital Forensics", M("0.100")),
    ]


def test_the_seed_imports_with_its_planned_spend_match_funding_and_variance(seed):
    assert {u.unit.name: as_millions(u.planned_spend) for u in seed.units} == PLANNED_SPEND
    assert as_millions(seed.planned_spend) == M("3.748")
    assert as_millions(seed.mps_funding) == M("2.047")
    assert as_millions(seed.total_budget) == M("3.748")
    assert seed.variance == 0


def test_the_seed_imports_with_its_rocu_groups_and_every_post_row(seed):
    rart = group(seed, "ROCU", "RART (Frontline Officers)")
    assert rart.grant_fte == 12
    assert [as_millions(v) for v in (rart.grant_cost, rart.match_cost, rart.total_cost)] == [
        M("0.839"),
        M("0.839"),
        M("1.678"),
    ]
    prison = group(seed, "ROCU", "Regional Prison Intelligence (Met Ops Officers)")
    assert prison.grant_fte == 8
    assert [as_millions(v) for v in (prison.grant_cost, prison.match_cost, prison.total_cost)] == [
        M("0.572"),
        M("0.349"),
        M("0.921"),
    ]
    assert as_millions(unit(seed, "ROCU").staff_cost) == M("2.599")
    assert post_rows(unit(seed, "ROCU")) == ROCU_POSTS


def test_the_seed_imports_with_its_fte_cost_lines_and_years(seed):
    assert {u.unit.name: u.grant_fte for u in seed.units} == GRANT_FTE
    assert as_millions(unit(seed, "ACE").non_staff_cost) == M("0.031")
    assert {
        line.description: as_millions(line.amount) for line in unit(seed, "ROCU").cost_lines
    } == ROCU_COST_LINES
    assert [y.label for y in seed.years] == BUDGET_YEARS
    first = seed.years[0]
    assert as_millions(first.grant_funding) == M("1.701")
    assert as_millions(first.planned_spend) == M("3.748")


def test_the_seed_imports_with_its_two_slips_flagged(seed):
    assert seed.errors == []
    found = {(f.code, f.unit, f.post) for f in seed.warnings}
    assert found == WARNINGS


def test_the_seed_imports_with_its_recommendations_time_sensitivity_and_sections(seed):
    case = GrantCase.objects.get()
    recommendations = list(case.recommendations.all())
    assert [r.text for r in recommendations] == [
        "Approve the acceptance of OCS Grant totalling £1.701m in 2023/24.",
        "Approve the acceptance of future OCS Grant offers of up to £2.000m annually until 2027.",
    ]
    standing = recommendations[1]
    assert standing.is_standing_authority
    assert (standing.annual_cap, standing.ends_on) == (M("2000000"), datetime.date(2027, 3, 31))
    assert case.needed_by == datetime.date(2024, 3, 31)
    assert case.time_sensitivity.startswith("A decision is required from the Deputy Mayor")
    assert case.report_by.startswith("Detective Superintendent Nathan Munson")
    assert case.report_author.startswith("Nathan Munson, Detective Superintendent")
    assert case.executive_summary.startswith("Organised Crime Specific Grant (OCS Grant)")
    assert "**Drugs Strategy**" in case.introduction
    assert "reveal the identities of specific adversaries" in case.introduction
    assert case.legal_comments.startswith("These legal comments apply equally")
    assert "Section 149 Equality Act 2010" in case.equality_comments
    assert case.environmental_implications == (
        "11. There are no additional environment implications to consider."
    )
    assert case.revenue_impact_note.startswith("The total OCS grant awarded in 2023/24")
    assert "Table 1:" not in case.financial_comments
    assert case.part2_content == ""


def test_a_known_grant_scheme_named_in_the_report_is_the_case_s(manager):
    scheme = GrantScheme.objects.create(name="Organised Crime Specific Grant", short_name="OCS")
    GrantScheme.objects.create(name="Safer Streets Fund")
    imported(plan_from_text(SEED_TEXT), manager)
    assert GrantCase.objects.get().scheme == scheme


def test_the_draft_is_created_with_one_audit_event_saying_it_was_imported(seed):
    case = GrantCase.objects.get()
    event = AuditEvent.objects.get(case=case)
    assert event.action == AuditAction.CASE_CREATED
    assert event.details["note"] == "from an imported report"
    assert event.details["changes"]


def test_the_review_says_what_was_not_recognised_and_where():
    plan = plan_from_text(SEED_TEXT)
    assert [(note.text, note.where) for note in plan.not_recognised] == [
        (
            "The match-funded column of Detective Sergeant holds “1”, not the £0.084m its "
            "grand total implies; read as 1 match-funded FTE",
            "table 3, row 12",
        ),
        (
            "The match-funded column of Detective Constable holds “4”, not the £0.265m its "
            "grand total implies; read as 4 match-funded FTE",
            "table 3, row 13",
        ),
    ]
    found = {note.text: note.where for note in plan.recognised}
    assert (
        found[
            "Funded unit ROCU: grant allocation £1.000m, 10 posts (20 grant-funded FTE), "
            "4 cost lines, planned spend £2.851m"
        ]
        == "table 3"
    )
    assert found["Revenue impact summary, 2023/24 to 2027/28"] == "table 1"


def test_a_total_that_does_not_match_its_rows_is_reported_where_it_is():
    changed = SEED_TEXT.replace(
        "<b>TOTAL</b>\t\t<b>12</b>\t<b>0.839</b>", "<b>TOTAL</b>\t\t<b>12</b>\t<b>0.901</b>"
    )
    plan = plan_from_text(changed)
    assert ("table 3, row 9") in {note.where for note in plan.not_recognised}


def test_confirming_the_same_review_twice_makes_one_case(manager):
    plan = plan_from_text(SEED_TEXT)
    first = create_draft(plan, by=manager, token="one-review", source="seed")
    with pytest.raises(AlreadyImported) as again:
        create_draft(plan, by=manager, token="one-review", source="seed")
    assert again.value.case == first
    assert GrantCase.objects.count() == 1


def test_the_plan_survives_its_trip_through_the_session_unchanged():
    plan = plan_from_word(word_document(SEED_TEXT))
    assert Plan.from_data(plan.to_data()) == plan


# A second report in the same template -----------------------------------------------------


@pytest.fixture(params=["text", "word"])
def second(request, manager):
    if request.param == "text":
        plan = plan_from_text(SECOND_TEXT)
    else:
        plan = plan_from_word(word_document(SECOND_TEXT))
    return imported(plan, manager)


def test_a_second_report_imports_with_its_own_units_and_figures(second):
    case = GrantCase.objects.get()
    assert case.title == SECOND_TITLE and case.financial_year == 2024
    assert sorted((o.funder.name, o.funder.short_name, o.amount) for o in case.offers.all()) == [
        ("Violence Reduction Unit", "VRU", M("120000")),
        ("Youth Endowment Fund", "", M("450000")),
    ]
    assert {u.unit.name: as_millions(u.planned_spend) for u in second.units} == {
        "Custody Navigators": M("0.277"),
        "Safer Schools": M("0.453"),
    }
    officers = group(second, "Safer Schools", "Schools Officers")
    assert (officers.grant_fte, officers.match_fte) == (5, 2)
    assert [as_millions(v) for v in (officers.grant_cost, officers.match_cost)] == [
        M("0.319"),
        M("0.122"),
    ]
    assert {line.description for line in unit(second, "Custody Navigators").cost_lines} == {
        "Navigator contract",
        "Training",
    }
    assert as_millions(second.mps_funding) == M("0.160")
    assert second.variance == 0
    assert [y.label for y in second.years] == ["2024/25", "2025/26"]
    assert second.errors == []
    assert {f.code for f in second.warnings} == {"needed-by-passed"}


def test_a_second_report_imports_its_sections_recommendations_and_part_2(second):
    case = GrantCase.objects.get()
    assert case.needed_by == datetime.date(2025, 1, 15)
    assert case.report_by.startswith("Chief Superintendent Asha Verma")
    assert case.risk_comments.startswith("1. Officers may be abstracted")
    assert case.privacy_comments == "1. No personal data is shared with the funder."
    assert case.legal_comments.startswith("1. MOPAC may accept the grant")
    assert case.part2_exemption_reason == "Law enforcement."
    assert "head teachers" in case.part2_content
    assert "head teachers" not in case.real_estate_implications
    standing = case.recommendations.get(is_standing_authority=True)
    assert (standing.annual_cap, standing.ends_on) == (M("600000"), datetime.date(2026, 3, 31))


# What is not a report ---------------------------------------------------------------------

NOT_REPORTS = {
    "a Word document that is not a report": (any_word_document(), "IAM report template"),
    "an empty file": (b"", "The file is empty"),
    "a PDF renamed .docx": (pdf_bytes(), "not a Word document"),
    "a zip that opens too large": (zip_bomb(), "too large once opened"),
    "binary junk": (bytes(range(256)) * 64, "not a Word document"),
    "a file too large to upload": (b"PK" + b"\0" * (6 * 1024 * 1024), "too large"),
}


@pytest.mark.parametrize(("data", "message"), NOT_REPORTS.values(), ids=NOT_REPORTS.keys())
def test_a_file_that_is_not_a_report_is_refused_with_a_clear_message(data, message):
    with pytest.raises(NotAReport, match=message):
        plan_from_word(data)


@pytest.mark.parametrize(
    "text", ["", "   \n\n", "Shopping: eggs, milk.\tbread\n", "# Minutes\n\nWe met."]
)
def test_text_that_is_not_a_report_is_refused(text):
    with pytest.raises(NotAReport):
        plan_from_text(text)


# The pages --------------------------------------------------------------------------------


def upload(client, data: bytes, name="report.docx", content_type=WORD):
    return client.post(
        reverse("grants:case-import"),
        {"document": SimpleUploadedFile(name, data, content_type=content_type), "text": ""},
    )


def test_uploading_reviewing_and_confirming_makes_the_draft(manager_client):
    response = upload(manager_client, word_document(SEED_TEXT))
    assert response.status_code == 302
    assert response["Location"] == reverse("grants:case-import-review")
    assert GrantCase.objects.count() == 0
    review = manager_client.get(reverse("grants:case-import-review"))
    assert review.status_code == 200
    page = review.content.decode()
    assert "Check what was found in the report" in page
    assert "table 3, row 13" in page and "2.851" in page
    assert GrantCase.objects.count() == 0
    token = manager_client.session["report_import"]["token"]
    created = manager_client.post(reverse("grants:case-import-create"), {"token": token})
    case = GrantCase.objects.get()
    assert created["Location"] == reverse("grants:task-list", args=[case.pk])
    again = manager_client.post(reverse("grants:case-import-create"), {"token": token})
    assert again.status_code == 302 and GrantCase.objects.count() == 1


def test_pasted_text_is_kept_when_it_is_not_a_report(manager_client):
    response = manager_client.post(reverse("grants:case-import"), {"text": "Dear all, lunch."})
    assert response.status_code == 400
    page = response.content.decode()
    assert "There is a problem" in page and "Dear all, lunch." in page
    assert 'href="#id_text"' in page
    assert GrantCase.objects.count() == 0 and "report_import" not in manager_client.session


@pytest.mark.parametrize(
    ("name", "data", "message"),
    [
        ("report.pdf", pdf_bytes(), "The file must be a Word document (.docx)"),
        ("report.docx", pdf_bytes(), "The file is not a Word document (.docx)"),
        ("report.docx", zip_bomb(), "too large once opened"),
    ],
)
def test_a_bad_upload_is_refused_on_the_page_and_saves_nothing(manager_client, name, data, message):
    response = upload(manager_client, data, name=name)
    assert response.status_code == 400
    assert message in response.content.decode()
    assert GrantCase.objects.count() == 0
    assert not AuditEvent.objects.filter(action=AuditAction.CASE_CREATED).exists()


def test_neither_a_file_nor_text_asks_for_one(manager_client):
    response = manager_client.post(reverse("grants:case-import"), {"text": ""})
    assert response.status_code == 400
    assert "Upload the report as a Word document, or paste its text" in response.content.decode()


def test_the_case_list_links_to_importing_for_those_who_may_create_cases(manager_client):
    page = manager_client.get(reverse("grants:case-list")).content.decode()
    assert reverse("grants:case-import") in page


def test_only_those_who_may_create_cases_may_import(client, iam):
    client.force_login(iam)
    assert client.get(reverse("grants:case-import")).status_code == 403
    response = client.post(reverse("grants:case-import"), {"text": SEED_TEXT})
    assert response.status_code == 403 and GrantCase.objects.count() == 0


def test_offers_listed_in_a_table_are_found_by_its_header():
    with_table = SECOND_TEXT.replace(
        "2. Time sensitivity",
        "| Offered by | Financial year | Offer £m |\n"
        "| Home Office (HO) | 2024/25 | 0.200 |\n"
        "| Youth Endowment Fund | 2024/25 | 0.450 |\n\n2. Time sensitivity",
    )
    plan = plan_from_text(with_table)
    assert [(o.funder, o.short_name, o.amount, o.financial_year) for o in plan.offers] == [
        ("Home Office", "HO", M("200000"), 2024),
        ("Youth Endowment Fund", "", M("450000"), 2024),
        ("Violence Reduction Unit", "VRU", M("120000"), 2024),
    ]
    # The summary's offer from the Youth Endowment Fund is the table's, not a second one.
    assert not any("second offer" in note.text for note in plan.not_recognised)


def test_the_review_page_reads_the_plan_without_a_query_a_row(
    manager_client, django_assert_max_num_queries
):
    manager_client.post(reverse("grants:case-import"), {"text": SEED_TEXT})
    with django_assert_max_num_queries(8):
        response = manager_client.get(reverse("grants:case-import-review"))
    assert response.status_code == 200


def test_a_table_built_to_be_slow_to_reconcile_is_read_with_bounded_work():
    header = "Big unit (Grant Amount £1.000m)\tAnnual cost £m\tFTE\tTotal cost £m\n"
    rows = "".join(
        f"Grade {number}\t0.0{number % 90 + 10}\t1\t0.0{number % 90 + 10}\n"
        f"<b>GRAND TOTAL EXPENDITURE AGAINST £1.000m</b>\t\t\t0.{number:03d}\n"
        for number in range(500)
    )
    sections = "# A big report\n\n## Executive summary\n\nA grant.\n\n## Financial comments\n\n"
    text = f"{sections}{header}{rows}"
    plan = plan_from_text(text)
    assert len(plan.units) == 1 and len(plan.units[0].posts) == 500
    assert any("differs from the rows above it" in note.text for note in plan.not_recognised)


def test_a_title_typed_as_a_bold_paragraph_is_the_title():
    plain_title = SECOND_TEXT.replace(f"# {SECOND_TITLE}", f"**{SECOND_TITLE}**")
    assert plan_from_word(word_document(plain_title)).title == SECOND_TITLE


def _without_places(data):
    if isinstance(data, dict):
        return {key: _without_places(value) for key, value in data.items() if key != "where"}
    if isinstance(data, list):
        return [_without_places(item) for item in data]
    return data


@pytest.mark.parametrize("text", [SEED_TEXT, SECOND_TEXT], ids=["seed", "second"])
def test_the_word_document_and_the_pasted_text_make_the_same_plan(text):
    pasted = _without_places(plan_from_text(text).to_data())
    word = _without_places(plan_from_word(word_document(text)).to_data())
    assert word == pasted


def test_the_case_history_says_the_draft_was_imported_and_from_what(manager_client):
    upload(manager_client, word_document(SEED_TEXT), name="ocs-report.docx")
    token = manager_client.session["report_import"]["token"]
    manager_client.post(reverse("grants:case-import-create"), {"token": token})
    case = GrantCase.objects.get()
    page = manager_client.get(reverse("approvals:history", args=[case.pk])).content.decode()
    assert "from an imported report" in page
    assert "Imported from" in page and "ocs-report.docx" in page


@pytest.mark.parametrize(
    ("text", "needed_by"),
    [
        ("A decision is required by March 2024.", datetime.date(2024, 3, 31)),
        ("Needed by the end of February 2028 because", datetime.date(2028, 2, 29)),
        ("We need it by 3rd June 2025.", datetime.date(2025, 6, 3)),
        ("Decide by 14/02/2025 please.", datetime.date(2025, 2, 14)),
        ("Spent by officers by 31 February 2025.", None),
        ("No date at all.", None),
    ],
)
def test_the_date_a_decision_is_needed_by_is_read_as_people_write_it(text, needed_by):
    assert needed_by_in(text) == needed_by


def test_a_title_that_starts_like_a_section_is_still_the_title():
    title = "Financial Investigation Grant 2024 - 2026"
    plan = plan_from_text(SECOND_TEXT.replace(SECOND_TITLE, title))
    assert plan.title == title
    assert plan.sections["financial_comments"].startswith("1. The teams are costed")
    assert "executive_summary" in plan.sections


def test_a_table_in_part_2_stays_in_part_2():
    exempt = (
        "| Informant Handling (Grant Amount £0.100m) | Annual cost £m | FTE | Total cost £m |\n"
        "| Detective Constable | 0.066 | 1 | 0.066 |\n"
    )
    plan = plan_from_text(
        SECOND_TEXT.replace(
            "Exemption ground: Law enforcement.", f"Exemption ground: Law enforcement.\n\n{exempt}"
        )
    )
    assert [unit.name for unit in plan.units] == ["Custody Navigators", "Safer Schools"]
    assert "Informant Handling" in plan.part2_content
    assert all("Informant" not in text for text in plan.sections.values())
