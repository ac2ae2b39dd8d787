import io
from html.parser import HTMLParser

import pytest
from django.core.management import call_command

from approvals.accounts.roles import Role
from grants.models import CaseState, GrantCase
from grants.seed import SEED_TITLE
from tests.factories import make_case, make_user
from tests.html import table_starting

pytestmark = pytest.mark.django_db


@pytest.fixture
def seed_report(client, monkeypatch):
    monkeypatch.setenv("DEMO_PASSWORD", "demo-password-for-tests")
    call_command("load_demo", stdout=io.StringIO())
    case = GrantCase.objects.get(title=SEED_TITLE)
    client.login(username="manager", password="demo-password-for-tests")
    response = client.get(f"/staff/cases/{case.pk}/")
    assert response.status_code == 200
    return response.content.decode()


def test_the_revenue_impact_summary_shows_the_seed_figures(seed_report):
    rows = table_starting(seed_report, "BAU revenue")
    assert rows[0] == [
        "BAU revenue",
        "2023/24",
        "2024/25",
        "2025/26",
        "2026/27",
        "2027/28",
        "Total",
    ]
    zeros = ["0.000"] * 4
    assert rows[1:] == [
        ["Grant funding", "1.701", *zeros, "1.701"],
        ["MPS funding", "2.047", *zeros, "2.047"],
        ["Total budget", "3.748", *zeros, "3.748"],
        ["Planned spend", ""],
        ["ACE", "0.247", *zeros, "0.247"],
        ["ROCU", "2.851", *zeros, "2.851"],
        ["ROCTA", "0.398", *zeros, "0.398"],
        ["Drugs Strategy", "0.151", *zeros, "0.151"],
        ["Digital Forensics", "0.101", *zeros, "0.101"],
        ["Planned spend total", "3.748", *zeros, "3.748"],
        ["Variance to budget (-ve saving)", "0.000", *zeros, "0.000"],
    ]


def test_the_rocu_breakdown_matches_the_seed_table(seed_report):
    rows = table_starting(seed_report, "ROCU (grant amount £1.000m)")
    assert rows[1:] == [
        ["RART (Frontline Officers)", ""],
        ["Detective Inspector", "0.102", "1", "0.102", "1", "0.102", "0.205"],
        ["Detective Sergeant", "0.084", "1", "0.084", "1", "0.084", "0.168"],
        ["Detective Constable", "0.066", "3", "0.199", "3", "0.199", "0.397"],
        ["Band C", "0.071", "5", "0.354", "5", "0.354", "0.708"],
        ["Band D", "0.053", "1", "0.053", "1", "0.053", "0.105"],
        ["Band E", "0.047", "1", "0.047", "1", "0.047", "0.094"],
        ["Total", "", "12", "0.839", "12", "0.839", "1.678"],
        ["Regional Prison Intelligence (Met Ops Officers)", ""],
        ["Detective Superintendent", "0.131", "1", "0.131", "", "", "0.131"],
        ["Detective Sergeant", "0.084", "1", "0.084", "1", "0.084", "0.168"],
        ["Detective Constable", "0.066", "3", "0.199", "4", "0.265", "0.464"],
        ["Band D", "0.053", "3", "0.158", "", "", "0.158"],
        ["Total", "", "8", "0.572", "5", "0.349", "0.921"],
        ["Total police officer and police staff costs", "", "2.599"],
        ["Support Costs", "", "0.210"],
        ["Overtime", "", "0.008"],
        ["Transport", "", "0.010"],
        ["Supplies and Services", "", "0.024"],
        ["Grand total expenditure against £1.000m", "", "20", "", "2.851"],
    ]


@pytest.mark.parametrize(
    ("caption", "rows"),
    [
        (
            "ACE (grant amount £0.220m)",
            [
                ["Detective Constable", "0.066", "2", "0.132"],
                ["Detective Sergeant", "0.084", "1", "0.084"],
                ["Support Costs", "", "0.031"],
                ["Grand total expenditure against £0.220m", "", "3", "0.247"],
            ],
        ),
        (
            "ROCTA (grant amount £0.231m)",
            [
                ["Detective Inspector", "0.102", "1", "0.102"],
                ["Police Constable", "0.072", "1", "0.072"],
                ["Band E", "0.047", "1", "0.047"],
                ["Band D", "0.053", "1", "0.053"],
                ["Band D (CoLP)", "0.053", "1", "0.053"],
                ["Band C (CoLP)", "0.071", "1", "0.071"],
                ["Grand total expenditure against £0.231m", "", "6", "0.398"],
            ],
        ),
        (
            "Drugs Strategy (grant amount £0.150m)",
            [
                ["Band E", "0.047", "2", "0.094"],
                ["Band D", "0.057", "1", "0.057"],
                ["Grand total expenditure against £0.150m", "", "3", "0.151"],
            ],
        ),
        (
            "Digital Forensics (grant amount £0.100m)",
            [
                ["Band B", "0.101", "1", "0.101"],
                ["Grand total expenditure against £0.100m", "", "1", "0.101"],
            ],
        ),
    ],
)
def test_the_other_unit_tables_match_the_seed(seed_report, caption, rows):
    assert table_starting(seed_report, caption)[1:] == rows


class HeaderCells(HTMLParser):
    """Each table's header cells: (scope, colspan, text, whether it opens its tbody)."""

    def __init__(self):
        super().__init__()
        self.cells, self._cell, self._tbody_opened = [], None, False

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "tbody":
            self._tbody_opened = True
        elif tag == "th":
            self._cell = [attrs.get("scope"), attrs.get("colspan"), "", self._tbody_opened]
        elif tag == "td":
            self._tbody_opened = False

    def handle_endtag(self, tag):
        if tag == "th" and self._cell:
            self._cell[2] = " ".join(self._cell[2].split())
            self.cells.append(tuple(self._cell))
            self._cell, self._tbody_opened = None, False

    def handle_data(self, data):
        if self._cell:
            self._cell[2] += data


def test_the_figures_tables_group_rows_without_header_cells_spanning_columns(seed_report):
    """Screen readers read each figure with its row, column and group; a header cell
    spanning columns would make the tables need headers attributes on every cell."""
    parser = HeaderCells()
    parser.feed(seed_report)
    assert [cell for cell in parser.cells if cell[1]] == []
    assert {scope for scope, _, _, _ in parser.cells} == {"col", "row", "rowgroup"}
    groups = [(text, opens) for scope, _, text, opens in parser.cells if scope == "rowgroup"]
    assert groups == [
        ("Planned spend", True),
        ("RART (Frontline Officers)", True),
        ("Regional Prison Intelligence (Met Ops Officers)", True),
    ]


def test_the_report_reads_in_the_seed_order_with_numbered_recommendations(seed_report):
    headings = [
        "Executive summary",
        "Recommendations",
        "Time sensitivity",
        "Grant offers",
        "Introduction and background",
        "Issues for consideration",
        "Contribution to the Police and Crime Plan",
        "Financial, commercial and procurement comments",
        "Revenue impact summary",
        "Breakdown of grant funded expenditure",
        "Legal comments",
        "Equality comments",
        "Privacy comments",
        "Real estate implications",
        "Environmental implications",
        "Background and supporting papers",
        "Part 2 – exempt information",
    ]
    positions = [seed_report.index(f">{heading}</h2>") for heading in headings]
    assert positions == sorted(positions)
    assert '<ol class="govuk-list govuk-list--number app-recommendations">' in seed_report
    assert "up to £2.000m a year until 31 March 2027" in seed_report
    assert '<ol class="govuk-list govuk-list--number" start="10">' in seed_report


def test_the_findings_panel_shows_the_seed_warnings(seed_report):
    assert "0 errors and 3 warnings" in seed_report
    assert "Band D costs £57,000.00 a year here but £52,600.00 elsewhere" in seed_report


def test_figures_are_available_in_exact_pounds(client, manager):
    case = make_case(manager, posts=3)
    client.force_login(manager)
    html = client.get(f"/staff/cases/{case.pk}/?figures=pounds").content.decode()
    rows = table_starting(html, "Unit 1")
    assert ["Grade 0", "£40,000.00", "1", "£40,000.00", "0.5", "£20,000.00", "£60,000.00"] in rows


def test_part_2_is_shown_apart_and_marked(client, manager):
    case = make_case(
        manager, part2_content="Covert source PLANTED-PART2", part2_exemption_reason="x"
    )
    client.force_login(manager)
    html = client.get(f"/staff/cases/{case.pk}/").content.decode()
    part2 = html[html.index('<section class="app-part-2"') :]
    assert "OFFICIAL-SENSITIVE" in part2
    assert "PLANTED-PART2" in part2
    assert "PLANTED-PART2" not in html[: html.index('<section class="app-part-2"')]


def test_a_script_in_a_section_is_never_rendered(client, manager):
    case = make_case(manager, introduction="<script>alert(1)</script> [x](javascript:alert(1))")
    client.force_login(manager)
    html = client.get(f"/staff/cases/{case.pk}/").content.decode()
    assert "<script>alert(1)" not in html
    assert "javascript:alert" not in html


@pytest.mark.parametrize("posts", [5, 200])
def test_the_report_runs_a_fixed_number_of_queries(
    client, manager, posts, django_assert_max_num_queries
):
    case = make_case(manager, posts=posts, units=2)
    client.force_login(manager)
    # Among them: the reasons the case was last returned for, its IAM agenda items, its
    # latest version, which the print header names, the rate card of its year and its
    # units' allocations for other years.
    with django_assert_max_num_queries(20) as captured:
        response = client.get(f"/staff/cases/{case.pk}/")
    assert response.status_code == 200
    assert response.content.decode().count("Grade 6") >= 2 * (posts // 7)
    # The same queries whatever the size of the case, one of them counting its open
    # questions, and three more to save the session, whose expiry slides with each request.
    assert len(captured) == 20


def test_a_draft_is_hidden_from_everyone_but_its_grants_managers(client, manager):
    case = make_case(manager)
    for user in (
        make_user("other-manager", Role.GRANTS_MANAGER),
        make_user("adviser", Role.FINANCE_ADVISER),
        make_user("nobody"),
    ):
        client.force_login(user)
        assert client.get(f"/staff/cases/{case.pk}/").status_code == 404
    collaborator = make_user("colleague", Role.GRANTS_MANAGER)
    case.collaborators.add(collaborator)
    client.force_login(collaborator)
    assert client.get(f"/staff/cases/{case.pk}/").status_code == 200


def test_reviewers_see_a_case_once_it_has_left_draft(client, manager):
    case = make_case(manager)
    GrantCase.objects.filter(pk=case.pk).update(state=CaseState.IAM_REVIEW)
    client.force_login(make_user("adviser", Role.FINANCE_ADVISER))
    html = client.get(f"/staff/cases/{case.pk}/").content.decode()
    assert "A test case" in html
    assert "Edit this case" not in html


def test_the_case_list_shows_only_visible_cases(client, manager):
    mine = make_case(manager, title="Mine")
    theirs = make_case(make_user("other", Role.GRANTS_MANAGER), title="Theirs")
    client.force_login(manager)
    html = client.get("/staff/cases/").content.decode()
    assert f'href="/staff/cases/{mine.pk}/"' in html
    assert f'href="/staff/cases/{theirs.pk}/"' not in html
    assert "Start a new grant case" in html
