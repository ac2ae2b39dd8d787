"""The header a printed page starts with (templates/base.html, shown only in print): the
service and the page's title, or for a case's pages which case and which version."""

import re

import pytest

from approvals import services
from approvals.models import CaseVersion, IamOutcome
from grants.formatting import long_date
from grants.models import GrantCase
from tests.factories import make_case
from tests.html import page_text
from tests.workflow import approve, to_iam, to_ready

PRINT_HEADER = re.compile(r'<div class="app-print-header">(.*?)</div>', re.DOTALL)


def print_header(client, path: str) -> str:
    response = client.get(path)
    assert response.status_code == 200
    headers = PRINT_HEADER.findall(response.content.decode())
    assert len(headers) == 1
    return page_text(headers[0])


def submitted(version: CaseVersion) -> str:
    return long_date(version.created_at)


@pytest.fixture
def case(people):
    return make_case(people.manager, title="Knife crime <prevention> & outreach")


def test_a_page_of_no_case_is_named_by_its_title(client, people):
    client.force_login(people.manager)
    assert print_header(client, "/staff/") == "Grant decisions – MOPAC Staff home"


def test_a_draft_never_submitted_says_so_and_its_title_is_escaped_once(client, people, case):
    client.force_login(people.manager)
    what = f"Case {case.pk}: Knife crime <prevention> & outreach — current draft, never submitted"
    assert print_header(client, f"/staff/cases/{case.pk}/") == f"Grant decisions – MOPAC {what}"
    assert print_header(client, f"/staff/cases/{case.pk}/edit/").endswith(what)
    html = client.get(f"/staff/cases/{case.pk}/").content.decode()
    assert f"Case {case.pk}: Knife crime &lt;prevention&gt; &amp; outreach" in html
    assert "&amp;lt;" not in html


def test_a_submitted_report_names_its_version(client, people, case):
    to_iam(case, people)
    version = case.current_version()
    client.force_login(people.manager)
    assert print_header(client, f"/staff/cases/{case.pk}/").endswith(
        f"— version 1 (submitted {submitted(version)})"
    )


def test_a_returned_draft_is_the_current_draft_not_the_version_it_was(client, people, case):
    to_iam(case, people)
    services.record_iam_outcome(
        case, by=people.iam, attendees="IAM members", outcome=IamOutcome.RETURNED, note="No."
    )
    version = case.current_version()
    client.force_login(people.manager)
    assert print_header(client, f"/staff/cases/{case.pk}/").endswith(
        f"— current draft, last submitted as version 1 on {submitted(version)}"
    )


def test_a_decided_version_carries_its_reference(client, people, case):
    to_ready(case, people)
    decision = approve(case, people)
    client.force_login(people.dmpc)
    what = f"{decision.reference} / Case {case.pk}: {case.title} — version 1"
    assert what in print_header(client, f"/staff/cases/{case.pk}/")
    assert what in print_header(client, f"/staff/cases/{case.pk}/versions/1/")


def test_pages_about_every_version_name_the_case_only(client, people, case):
    to_iam(case, people)
    client.force_login(people.manager)
    for path in ("history/", "versions/", "questions/"):
        header = print_header(client, f"/staff/cases/{case.pk}/{path}")
        assert header == f"Grant decisions – MOPAC Case {case.pk}: {case.title}", path


def test_the_clearance_and_decision_pages_name_the_version_acted_on(client, people, case):
    to_ready(case, people)
    version = GrantCase.objects.get(pk=case.pk).current_version()
    what = f"Case {case.pk}: {case.title} — version 1 (submitted {submitted(version)})"
    client.force_login(people.dmpc)
    assert print_header(client, f"/staff/cases/{case.pk}/clearance/").endswith(what)
    assert print_header(client, f"/staff/cases/{case.pk}/decide/").endswith(what)
