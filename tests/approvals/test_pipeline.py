import csv
import datetime
import io
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from approvals import questions, services
from approvals.models import ClearanceArea
from approvals.pipeline import pipeline_rows
from approvals.publication.services import working_days_between
from approvals.queues import queues_for
from grants.models import CaseState, Funder, GrantCase, GrantOffer
from tests.factories import make_case
from tests.workflow import ADVISERS, to_dmpc_review, to_iam

pytestmark = pytest.mark.django_db


def test_working_days_between_skips_weekends_and_bank_holidays():
    friday = datetime.date(2026, 12, 18)
    assert working_days_between(friday, friday) == 0
    assert working_days_between(friday, datetime.date(2026, 12, 21)) == 1
    # Christmas Day and Boxing Day (moved to Monday 28th) are not working days.
    assert working_days_between(datetime.date(2026, 12, 24), datetime.date(2026, 12, 29)) == 1


@pytest.fixture
def in_flight(people):
    waiting = make_case(people.manager, title="Waiting in IAM", needed_by=datetime.date(2020, 1, 2))
    to_iam(waiting, people)
    reviewed = make_case(people.manager, title="Under DMPC review")
    to_dmpc_review(reviewed, people)
    services.sign_off(
        reviewed, by=people.finance, area=ClearanceArea.FINANCE, advice="Finance content."
    )
    draft = make_case(people.manager, title="Still a draft")
    return waiting, reviewed, draft


def test_rows_say_stage_days_amount_needed_by_outcome_advisers_and_questions(people, in_flight):
    reviewed = in_flight[1]
    questions.ask(reviewed, by=people.dmpc_office, text="Is the cost right?")
    rows = {row.case.title: row for row in pipeline_rows(people.dmpc_office)}
    assert set(rows) == {"Waiting in IAM", "Under DMPC review"}
    iam_row, review = rows["Waiting in IAM"], rows["Under DMPC review"]
    assert iam_row.stage == "IAM review"
    assert review.stage == "DMPC review"
    assert iam_row.working_days == 0
    assert iam_row.needed_by == datetime.date(2020, 1, 2)
    assert iam_row.overdue
    assert not review.overdue
    total = sum(o.amount for o in GrantOffer.objects.filter(case=reviewed))
    assert review.amount == total > 0
    assert review.iam_outcome == "Endorsed"
    assert iam_row.iam_outcome == ""
    assert review.outstanding == [
        area.label for area in ClearanceArea if area not in (ClearanceArea.FINANCE,)
    ]
    assert iam_row.outstanding == []
    assert review.open_questions == 1
    assert iam_row.open_questions == 0


def test_pipeline_page_sorts_and_filters(client, people, in_flight):
    client.force_login(people.dmpc_office)
    url = reverse("approvals:pipeline")
    page = client.get(url, {"sort": "case", "order": "asc"}).content.decode()
    assert page.index("Under DMPC review") < page.index("Waiting in IAM")
    assert 'aria-sort="ascending"' in page
    page = client.get(url, {"sort": "case", "order": "desc"}).content.decode()
    assert page.index("Waiting in IAM") < page.index("Under DMPC review")
    page = client.get(url, {"stage": CaseState.IAM_REVIEW}).content.decode()
    assert "Waiting in IAM" in page and "Under DMPC review" not in page
    page = client.get(url, {"overdue": "1"}).content.decode()
    assert "Waiting in IAM" in page and "Under DMPC review" not in page
    page = client.get(url, {"q": "dmpc"}).content.decode()
    assert "Waiting in IAM" not in page and "Under DMPC review" in page
    page = client.get(url, {"funder": "nobody"}).content.decode()
    assert "No case in flight matches" in page
    assert "Still a draft" not in client.get(url).content.decode()


def test_csv_has_headers_and_the_same_filters(client, people, in_flight):
    client.force_login(people.dmpc_office)
    response = client.get(reverse("approvals:pipeline-csv"), {"stage": CaseState.DMPC_REVIEW})
    assert response["Content-Type"].startswith("text/csv")
    assert "attachment" in response["Content-Disposition"]
    rows = list(csv.reader(io.StringIO(response.content.decode())))
    assert rows[0][:5] == ["Case", "Stage", "Working days in stage", "Needed by", "Amount"]
    assert len(rows) == 2
    assert rows[1][0] == "Under DMPC review"
    assert rows[1][1] == "DMPC review"
    assert rows[1][6] == "Endorsed"
    assert "Legal" in rows[1][7]


def test_csv_cells_cannot_run_as_formulas(client, people, in_flight):
    waiting = in_flight[0]
    GrantCase.objects.filter(pk=waiting.pk).update(title="=HYPERLINK(1)")
    client.force_login(people.dmpc_office)
    rows = list(
        csv.reader(io.StringIO(client.get(reverse("approvals:pipeline-csv")).content.decode()))
    )
    assert "'=HYPERLINK(1)" in [row[0] for row in rows]


def _copies(template: GrantCase, count: int, state=CaseState.IAM_REVIEW) -> None:
    """`count` more cases like `template`, made in a few queries."""
    funder = Funder.objects.get(name="Home Office")
    fields = {
        f.attname: getattr(template, f.attname)
        for f in GrantCase._meta.concrete_fields
        if f.attname != "id"
    }
    made = GrantCase.objects.bulk_create(
        GrantCase(**{**fields, "title": f"Copy {n}", "state": state}) for n in range(count)
    )
    GrantOffer.objects.bulk_create(
        GrantOffer(case=case, funder=funder, amount=Decimal("1000"), financial_year=2025)
        for case in made
    )


def test_the_page_reads_the_same_number_of_queries_for_20_and_200_cases(client, people):
    case = make_case(people.manager)
    to_dmpc_review(case, people)
    client.force_login(people.dmpc_office)
    url = reverse("approvals:pipeline")
    _copies(case, 19)
    with CaptureQueriesContext(connection) as twenty:
        assert client.get(url, {"page": 1}).status_code == 200
    _copies(case, 180)
    with CaptureQueriesContext(connection) as two_hundred:
        response = client.get(url)
        assert response.status_code == 200
    assert response.context["total"] == 200
    assert len(twenty) == len(two_hundred)


def test_queue_rows_carry_amount_needed_by_and_age(people):
    case = make_case(people.manager, needed_by=datetime.date(2099, 3, 31))
    to_iam(case, people)
    queues = {queue.title: queue for queue in queues_for(people.iam)}
    (row,) = queues["Waiting for IAM review"].cases
    assert row.amount == sum(o.amount for o in GrantOffer.objects.filter(case=case)) > 0
    assert row.needed_by == datetime.date(2099, 3, 31)
    assert row.age == 0


def test_queues_cost_the_same_queries_for_one_case_and_many(people):
    case = make_case(people.manager)
    to_dmpc_review(case, people)
    queues_for(people.dmpc_office)  # the person's roles, read once and kept on the user
    with CaptureQueriesContext(connection) as one:
        queues_for(people.dmpc_office)
    _copies(case, 30, CaseState.DMPC_REVIEW)
    with CaptureQueriesContext(connection) as many:
        queues = {queue.title: queue for queue in queues_for(people.dmpc_office)}
    assert len(queues["Waiting for advisers’ sign-off"].cases) == 31
    assert len(one) == len(many)


def test_the_dmpc_office_sees_cases_with_sign_offs_outstanding(client, people):
    case = make_case(people.manager, title="Half signed")
    to_dmpc_review(case, people)
    for area in (ClearanceArea.FINANCE, ClearanceArea.LEGAL):
        services.sign_off(
            case, by=getattr(people, ADVISERS[area]), area=area, advice=f"{area.label} content."
        )
    queues = {queue.title: queue for queue in queues_for(people.dmpc_office)}
    (row,) = queues["Waiting for advisers’ sign-off"].cases
    assert row.outstanding == [ClearanceArea.EQUALITIES.label, ClearanceArea.PRIVACY.label]
    client.force_login(people.dmpc_office)
    page = client.get(reverse("staff-home")).content.decode()
    assert "Waiting for advisers’ sign-off" in page
    assert "Half signed" in page
    assert reverse("approvals:pipeline") in page
