"""The comparison page: a case's figures beside the earlier decision's it extends, unit by
unit and in total, with the differences signed on screen and spelled out for screen
readers."""

from decimal import Decimal

import pytest
from django.urls import reverse

from approvals.models import AgendaItem, RelatedDecision, RelatedDecisionKind
from grants import rollover
from grants.models import FundedUnit, Post
from grants.seed import BAND_C, BAND_D, create_seed_case
from tests.factories import make_case
from tests.html import tables
from tests.workflow import approve, to_dmpc_review, to_iam, to_ready

pytestmark = pytest.mark.django_db

HEADER = ["Figure", "PCD 1 (2023/24)", "This case (2024/25)", "Difference"]


@pytest.fixture
def rolled(people):
    seed = create_seed_case(people.manager)
    to_ready(seed, people)
    decision = approve(seed, people)
    return rollover.start_from_earlier(decision.case, by=people.manager)


@pytest.fixture
def changed(rolled):
    """Next year: ROCU gets £50,000 more, ACE a Band D post, Digital Forensics is gone and
    a new Economic Crime unit has a Band C post."""
    units = {unit.name: unit for unit in rolled.units.all()}
    units["ROCU"].grant_allocation += Decimal("50000")
    units["ROCU"].save()
    Post.objects.create(
        unit=units["ACE"], grade="Band D", annual_cost=BAND_D, grant_fte=1, position=3
    )
    units["Digital Forensics"].delete()
    economic = FundedUnit.objects.create(case=rolled, name="Economic Crime", position=6)
    Post.objects.create(unit=economic, grade="Band C", annual_cost=BAND_C, grant_fte=1)
    return rolled


def comparison_tables(client, case) -> dict[str, list[list[str]]]:
    response = client.get(reverse("grants:compared-with-earlier", args=[case.pk]))
    assert response.status_code == 200
    return tables(response.content.decode())


def up(size):
    return f"+{size}up by {size}"


def down(size):
    return f"\u2212{size}down by {size}"


def test_an_unchanged_copy_differs_in_nothing(rolled, manager_client):
    found = comparison_tables(manager_client, rolled)
    assert list(found) == [
        "Total of all units",
        "ACE",
        "ROCU",
        "ROCTA",
        "Drugs Strategy",
        "Digital Forensics",
    ]
    assert found["Total of all units"] == [
        HEADER,
        ["Grant allocation", "£1.701m", "£1.701m", "No change"],
        ["Posts", "21", "21", "No change"],
        ["Grant-funded FTE", "33", "33", "No change"],
        ["Match-funded FTE", "17", "17", "No change"],
        ["Planned cost", "£3.748m", "£3.748m", "No change"],
    ]


def test_the_differences_unit_by_unit_and_in_total(changed, manager_client):
    found = comparison_tables(manager_client, changed)
    assert list(found) == [
        "Total of all units",
        "ACE",
        "ROCU",
        "ROCTA",
        "Drugs Strategy",
        "Economic Crime (not in PCD 1)",
        "Digital Forensics (not in this case)",
    ]
    assert found["ACE"] == [
        HEADER,
        ["Grant allocation", "£0.220m", "£0.220m", "No change"],
        ["Posts", "2", "3", up("1")],
        ["Grant-funded FTE", "3", "4", up("1")],
        ["Match-funded FTE", "0", "0", "No change"],
        ["Planned cost", "£0.247m", "£0.300m", up("£0.053m")],
    ]
    assert found["ROCU"][1] == ["Grant allocation", "£1.000m", "£1.050m", up("£0.050m")]
    assert [row[3] for row in found["ROCU"][2:]] == ["No change"] * 4
    assert found["Digital Forensics (not in this case)"][1:] == [
        ["Grant allocation", "£0.100m", "£0.000m", down("£0.100m")],
        ["Posts", "1", "0", down("1")],
        ["Grant-funded FTE", "1", "0", down("1")],
        ["Match-funded FTE", "0", "0", "No change"],
        ["Planned cost", "£0.101m", "£0.000m", down("£0.101m")],
    ]
    assert found["Economic Crime (not in PCD 1)"][5] == [
        "Planned cost",
        "£0.000m",
        "£0.071m",
        up("£0.071m"),
    ]
    # +50,000 for ROCU and -100,000 for Digital Forensics; +52,600 + 70,800 - 101,000.
    assert found["Total of all units"][1:] == [
        ["Grant allocation", "£1.701m", "£1.651m", down("£0.050m")],
        ["Posts", "21", "22", up("1")],
        ["Grant-funded FTE", "33", "34", up("1")],
        ["Match-funded FTE", "17", "17", "No change"],
        ["Planned cost", "£3.748m", "£3.770m", up("£0.022m")],
    ]


def test_the_sign_is_hidden_from_screen_readers_and_the_change_spelled_out(changed, manager_client):
    html = manager_client.get(reverse("grants:compared-with-earlier", args=[changed.pk]))
    assert (
        '<span aria-hidden="true">+£0.050m</span>'
        '<span class="govuk-visually-hidden">up by £0.050m</span>'
    ) in html.content.decode()


def test_reviewers_see_the_comparison_from_the_case_pages(rolled, people, client):
    rolled.offers.update(amount_to_be_confirmed=False)
    to_dmpc_review(rolled, people)
    url = reverse("grants:compared-with-earlier", args=[rolled.pk])
    pages = {
        people.iam: [reverse("grants:report", args=[rolled.pk])],
        people.finance: [
            reverse("approvals:clearance", args=[rolled.pk]),
            reverse("approvals:sign-off", args=[rolled.pk, "finance"]),
        ],
        people.dmpc_office: [reverse("approvals:questions", args=[rolled.pk])],
        people.dmpc: [reverse("approvals:decide", args=[rolled.pk])],
    }
    for user, urls in pages.items():
        client.force_login(user)
        assert client.get(url).status_code == 200
        for page in urls:
            html = client.get(page).content.decode()
            assert f'href="{url}"' in html, (user, page)


def test_iam_sees_the_comparison_from_the_outcome_page(rolled, people, client):
    rolled.offers.update(amount_to_be_confirmed=False)
    to_iam(rolled, people)
    item = AgendaItem.objects.get(case=rolled)
    client.force_login(people.iam)
    html = client.get(reverse("approvals:record-outcome", args=[item.meeting_id, item.pk]))
    assert "Compare this case’s figures with PCD 1’s" in html.content.decode()


def test_a_case_that_extends_no_decision_has_no_comparison(people, manager_client):
    case = make_case(people.manager)
    assert (
        manager_client.get(reverse("grants:compared-with-earlier", args=[case.pk])).status_code
        == 404
    )
    html = manager_client.get(reverse("grants:report", args=[case.pk])).content.decode()
    assert "Compared with" not in html


def test_a_case_that_varies_a_decision_is_not_compared_with_it(rolled, manager_client):
    RelatedDecision.objects.filter(case=rolled).update(kind=RelatedDecisionKind.VARIES)
    url = reverse("grants:compared-with-earlier", args=[rolled.pk])
    assert manager_client.get(url).status_code == 404


def test_someone_who_cannot_see_the_case_cannot_see_its_comparison(rolled, people, client):
    client.force_login(people.iam)  # the new case is a draft
    assert client.get(reverse("grants:compared-with-earlier", args=[rolled.pk])).status_code == 404
