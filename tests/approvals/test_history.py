"""Versions, version comparison and case history: what staff read, who may read it, and
that bad input never breaks a page."""

import re
from html import unescape

import pytest
from django.db import transaction
from django.utils import timezone

from approvals import audit, services
from approvals.accounts.roles import Role
from approvals.history import FieldChange, Shown, humanise_path, shown
from approvals.models import AuditAction, AuditEvent, CaseVersion, IamOutcome
from approvals.views.history import PER_PAGE
from grants.document import document_changes
from grants.models import CostLine, GrantCase
from tests.factories import PASSWORD, make_case, make_user
from tests.html import table_starting
from tests.workflow import approve, to_iam, to_ready

pytestmark = pytest.mark.django_db

NEW_SUMMARY = "A clearer summary.\n\nIt now has two paragraphs."
REVIEWERS = ["iam", "finance", "legal", "equalities", "privacy", "dmpc_office", "dmpc", "publisher"]


@pytest.fixture
def case(people):
    return make_case(people.manager)


def versions_url(case):
    return f"/staff/cases/{case.pk}/versions/"


def version_url(case, number):
    return f"/staff/cases/{case.pk}/versions/{number}/"


def compare_url(case, query=""):
    return f"/staff/cases/{case.pk}/versions/compare/{query}"


def history_url(case):
    return f"/staff/cases/{case.pk}/history/"


def page_urls(case):
    return [
        versions_url(case),
        version_url(case, 1),
        compare_url(case, "?from=1&to=2"),
        history_url(case),
    ]


def return_from_iam(case, people):
    """Submit the case, and have IAM send it back to draft."""
    to_iam(case, people)
    services.record_iam_outcome(
        case,
        by=people.iam,
        attendees="IAM members",
        outcome=IamOutcome.RETURNED,
        note="Make the summary clearer.",
    )


def edit_and_return(case, people):
    """Version 1 goes back to draft; the manager changes the summary and a cost line."""
    return_from_iam(case, people)
    GrantCase.objects.filter(pk=case.pk).update(executive_summary=NEW_SUMMARY)
    CostLine.objects.filter(unit__case=case).update(amount=2500)


@pytest.fixture
def two_versions(case, people):
    """Version 1 returned by IAM; version 2, edited, waiting for IAM."""
    edit_and_return(case, people)
    services.submit(case, by=people.manager)
    return case


@pytest.fixture
def approved(case, people):
    """Version 1 returned by IAM; version 2 endorsed, signed off and approved."""
    edit_and_return(case, people)
    to_ready(case, people)
    approve(case, people, alternatives_considered="Declining the grant.")
    return case


def get(client, user, url):
    client.force_login(user)
    return client.get(url)


def html_of(response) -> str:
    return response.content.decode()


def text_of(html: str) -> str:
    """The page's words, without markup, as a reader meets them."""
    return " ".join(unescape(re.sub(r"<[^>]+>", " ", html)).split())


# Readable values -------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("path", "words"),
    [
        (["units", "ROCU", "cost_lines", "2", "amount"], "Units › ROCU › Cost lines › 2 › Amount"),
        (["units", "totals", "groups", "1", "totals", "grant_fte"],
         "Units › totals › Groups › 1 › Totals › Grant FTE"),
        (["revenue_impact_summary", "1", "planned_spend", "2", "amount"],
         "Revenue impact summary › 1 › Planned spend › 2 › Amount"),
        (["totals", "mps_funding"], "Totals › MPS funding"),
        (["part2", "exemption_reason"], "Part 2 › Exemption reason"),
    ],
)  # fmt: skip
def test_field_paths_read_as_words_and_keep_row_names(path, words):
    assert humanise_path(path) == words


@pytest.mark.parametrize(
    ("key", "value", "expected"),
    [
        ("amount", "1701000.00", Shown("£1,701,000.00")),
        ("match_cost", "-20.5", Shown("-£20.50")),
        ("grant_cost", "33000.005", Shown("£33,000.005")),  # fractions of a penny kept
        ("amount", "1e40", Shown("1e40")),  # too large to show to the penny
        ("amount", "NaN", Shown("NaN")),
        ("amount", "lots", Shown("lots")),
        ("grant_fte", "1.50", Shown("1.50")),  # not money
        ("needed_by", "2099-03-31", Shown("31 March 2099")),
        ("needed_by", "soon", Shown("soon")),
        ("interests_declared", True, Shown("Yes")),
        ("title", None, Shown(missing=True)),
        ("title", "", Shown(missing=True)),
        ("title", 0, Shown("0")),
    ],
)
def test_values_read_as_words(key, value, expected):
    assert shown(key, value) == expected


# Who may see these pages ----------------------------------------------------------------


@pytest.mark.parametrize("role", ["manager", *REVIEWERS])
def test_every_role_reads_the_pages_of_a_submitted_case(client, people, two_versions, role):
    client.force_login(getattr(people, role))
    for url in page_urls(two_versions):
        assert client.get(url).status_code == 200, url


def test_a_draft_case_is_hidden_from_reviewers(client, people, case):
    client.force_login(people.finance)
    for url in page_urls(case):
        assert client.get(url).status_code == 404, url


def test_an_outsider_gets_404(client, outsider, two_versions):
    client.force_login(outsider)
    for url in page_urls(two_versions):
        assert client.get(url).status_code == 404, url


def test_another_grants_manager_cannot_see_a_draft_case(client, people):
    case = make_case(people.manager)
    return_from_iam(case, people)  # back in draft, with a version
    other = make_user("other-manager", Role.GRANTS_MANAGER)
    client.force_login(other)
    for url in page_urls(case):
        assert client.get(url).status_code == 404, url


def test_anonymous_visitors_are_sent_to_sign_in(client, two_versions):
    for url in page_urls(two_versions):
        response = client.get(url)
        assert response.status_code == 302, url
        assert response["Location"].startswith("/accounts/login/?next="), url


def test_an_unknown_case_is_404(client, people):
    client.force_login(people.manager)
    for pk in (999, 10**20):
        for url in page_urls(GrantCase(pk=pk)):
            assert client.get(url).status_code == 404, url


def test_the_pages_only_answer_get(client, people, two_versions):
    client.force_login(people.manager)
    for url in page_urls(two_versions):
        assert client.post(url).status_code == 405, url


# Versions ---------------------------------------------------------------------------------


def test_the_version_list_says_what_happened_to_each_version(client, people, case):
    return_from_iam(case, people)
    to_ready(case, people)
    services.decide(
        case, by=people.dmpc, outcome="return", password=PASSWORD, reasons="Add the risks."
    )
    to_ready(case, people)
    approve(case, people)
    versions = list(CaseVersion.objects.filter(case=case).order_by("number"))

    rows = table_starting(html_of(get(client, people.finance, versions_url(case))), "Versions")
    assert rows[0] == ["Version", "Frozen", "Frozen by", "SHA-256", "What happened to it"]
    assert [row[0] for row in rows[1:]] == ["Version 1", "Version 2", "Version 3 Latest"]
    assert [row[2] for row in rows[1:]] == ["Manager"] * 3
    # The full hash is in the page for screen readers and copying; CSS shortens it.
    assert [row[3] for row in rows[1:]] == [version.sha256 for version in versions]
    frozen = timezone.localtime(versions[0].created_at)
    assert rows[1][1] == f"{frozen:%-d %B %Y} at {frozen:%H:%M}"
    endorsed = "IAM meeting, 20 November 2026: Endorsed"
    signed = "Signed off: Finance, Legal, Equalities, Privacy"
    assert [row[4] for row in rows[1:]] == [
        "IAM meeting, 20 November 2026: Returned for changes",
        f"{endorsed} {signed} Returned to draft by the DMPC",
        f"{endorsed} {signed} Approved: PCD 1",
    ]


def test_the_version_list_links_each_version_and_offers_to_compare_the_last_two(
    client, people, approved
):
    html = html_of(get(client, people.dmpc, versions_url(approved)))
    assert f'href="{version_url(approved, 1)}"' in html
    assert f'href="{version_url(approved, 2)}"' in html
    assert f'action="{compare_url(approved)}"' in html
    form = re.search(r'<form method="get".*?</form>', html, re.S)[0]
    assert "csrfmiddlewaretoken" not in form  # a GET form must not put the token in URLs
    assert re.search(r'<label for="id_from"[^>]*>\s*Compare version', form)
    assert re.search(r'<label for="id_to"[^>]*>\s*with version', form)
    assert re.search(r'name="from"[^>]*>\s*<option value="1" selected>', form)
    assert re.search(
        r'name="to"[^>]*>\s*<option value="1">[^<]*</option>\s*<option value="2" selected>', form
    )


def test_a_case_with_no_versions_says_so(client, people, case):
    html = html_of(get(client, people.manager, versions_url(case)))
    assert "This case has no versions yet." in html
    assert "<table" not in html
    assert 'name="from"' not in html


def test_one_version_has_no_compare_form(client, people, case):
    services.submit(case, by=people.manager)
    html = html_of(get(client, people.iam, versions_url(case)))
    assert "Version 1" in html
    assert 'name="from"' not in html


def test_a_version_shows_its_frozen_text_after_the_case_changes(client, people, two_versions):
    client.force_login(people.iam)
    first = html_of(client.get(version_url(two_versions, 1)))
    second = html_of(client.get(version_url(two_versions, 2)))

    assert "Summary." in first
    assert "A clearer summary." not in first
    assert "A clearer summary." in second and "It now has two paragraphs." in second
    # Version 1 says a later one exists; the latest does not.
    assert "This is not the latest version of the case." in first
    assert "This is not the latest version of the case." not in second


def test_a_version_page_shows_who_froze_it_its_hash_and_both_parts(client, people, two_versions):
    GrantCase.objects.filter(pk=two_versions.pk).update(part2_content="Changed after freezing.")
    version = CaseVersion.objects.get(case=two_versions, number=2)
    html = html_of(get(client, people.iam, version_url(two_versions, 2)))
    text = text_of(html)

    assert '<span class="govuk-caption-l">Version 2</span>' in html
    assert f"Frozen by Manager SHA-256 {version.sha256}" in text
    assert "Part 1" in text and "Part 2 – exempt information" in text
    assert "Changed after freezing." not in text  # Part 2 comes from the version too
    assert "content no longer matches" not in text
    assert f'href="{compare_url(two_versions)}?from=1&amp;to=2"' in html


def test_a_version_page_shows_figures_in_pounds_when_asked(client, people, two_versions):
    client.force_login(people.iam)
    in_millions = html_of(client.get(version_url(two_versions, 2)))
    in_pounds = html_of(client.get(version_url(two_versions, 2) + "?figures=pounds"))
    assert "BAU revenue by financial year (£m)" in in_millions
    assert "BAU revenue by financial year (£)" in in_pounds


def test_a_version_whose_content_no_longer_matches_its_hash_is_flagged(
    client, people, two_versions
):
    version = CaseVersion.objects.get(case=two_versions, number=1)
    tampered = {**version.document, "case": {**version.document["case"], "title": "Tampered"}}
    CaseVersion.objects.filter(pk=version.pk).update(document=tampered)
    html = html_of(get(client, people.iam, version_url(two_versions, 1)))
    assert "content no longer matches the SHA-256 it was frozen with" in html


@pytest.mark.parametrize("number", [0, 3, 999, 10**20])
def test_an_unknown_version_number_is_404(client, people, two_versions, number):
    assert get(client, people.iam, version_url(two_versions, number)).status_code == 404


# Comparing versions ---------------------------------------------------------------------


def test_compare_shows_each_changed_field_with_both_values(client, people, two_versions):
    before, after = CaseVersion.objects.filter(case=two_versions).order_by("number")
    expected = len(document_changes(before.document, after.document))
    response = get(client, people.iam, compare_url(two_versions, "?from=1&to=2"))
    assert response.status_code == 200
    html = html_of(response)

    assert f"{expected} fields differ" in html
    rows = table_starting(html, "Fields that differ")
    assert rows[0] == ["Field", "Version 1", "Version 2"]
    by_field = {row[0]: row[1:] for row in rows[1:]}
    assert len(by_field) == expected
    # A text of more than one line is compared word by word, its line breaks kept.
    assert by_field["Sections › Executive summary"] == [
        "[removed: Summary.][added: A clearer summary. It now has two paragraphs.]"
    ]
    assert (
        '<ins class="app-diff__added"><span class="govuk-visually-hidden">[added: </span>'
        "A clearer summary.\n\nIt now has two paragraphs."
    ) in html
    assert by_field["Units › Unit 1 › Cost lines › 1 › Amount"] == ["£1,000.00", "£2,500.00"]
    assert by_field["Units › Unit 1 › Totals › Match funding"][1].startswith("£")


def test_compare_works_either_way_round(client, people, two_versions):
    html = html_of(get(client, people.iam, compare_url(two_versions, "?from=2&to=1")))
    rows = table_starting(html, "Fields that differ")
    assert rows[0] == ["Field", "Version 2", "Version 1"]
    assert ["Units › Unit 1 › Cost lines › 1 › Amount", "£2,500.00", "£1,000.00"] in rows


def test_compare_of_two_identical_versions_says_they_are_the_same(client, people, case):
    return_from_iam(case, people)
    services.submit(case, by=people.manager)  # resubmitted unchanged
    html = html_of(get(client, people.iam, compare_url(case, "?from=1&to=2")))
    assert "The two versions are the same" in html
    assert "Both have the same SHA-256." in html
    assert "Fields that differ" not in html


def test_one_changed_field_is_counted_in_the_singular(client, people, case):
    return_from_iam(case, people)
    GrantCase.objects.filter(pk=case.pk).update(legal_comments="Reviewed by counsel.")
    services.submit(case, by=people.manager)
    html = html_of(get(client, people.iam, compare_url(case, "?from=1&to=2")))
    assert "1 field differs" in html
    assert ["Sections › Legal comments", "Legal.", "Reviewed by counsel."] in table_starting(
        html, "Fields that differ"
    )


@pytest.mark.parametrize(
    ("query", "messages"),
    [
        ("", ["Choose the version to compare", "Choose the version to compare it with"]),
        ("?to=2", ["Choose the version to compare"]),
        ("?from=1", ["Choose the version to compare it with"]),
        ("?from=abc&to=2", ["Choose a version of this case to compare"]),
        ("?from=99&to=2", ["Choose a version of this case to compare"]),
        ("?from=-1&to=2", ["Choose a version of this case to compare"]),
        ("?from=1.0&to=2", ["Choose a version of this case to compare"]),
        ("?from=1&to=%00", ["Choose a version of this case to compare it with"]),
        ("?from=1&to=" + "9" * 40, ["Choose a version of this case to compare it with"]),
        ("?from=2&to=2", ["Choose two different versions to compare"]),
    ],
)
def test_bad_compare_choices_show_what_to_choose(client, people, two_versions, query, messages):
    response = get(client, people.iam, compare_url(two_versions, query))
    assert response.status_code == 400
    html = html_of(response)
    assert "<title>Error: Compare versions" in html
    start = html.index('class="govuk-error-summary"')
    summary = html[start : html.index("</ul>", start)]
    links = re.findall(r'<li><a href="#id_(?:from|to)">([^<]+)</a></li>', summary)
    assert links == messages
    assert 'class="govuk-error-message"' in html
    assert "Fields that differ" not in html


def test_compare_with_fewer_than_two_versions_explains_why(client, people, case):
    services.submit(case, by=people.manager)
    response = get(client, people.iam, compare_url(case, "?from=1&to=2"))
    assert response.status_code == 200
    assert "There is nothing to compare yet" in html_of(response)


# History ----------------------------------------------------------------------------------


def event_titles(html: str) -> list[str]:
    return re.findall(r'class="govuk-heading-s app-timeline__title">([^<]+)</h2>', html)


APPROVED_TITLES = [
    "Submitted for IAM review",
    "Added to an IAM agenda",
    "Returned to draft",
    "Submitted for IAM review",
    "Added to an IAM agenda",
    "IAM outcome recorded",
    "Signed off",
    "Signed off",
    "Signed off",
    "Signed off",
    "Marked ready for decision",
    "Approved",
]


def test_history_tells_the_story_of_an_approved_case_oldest_first(client, people, approved):
    response = get(client, people.publisher, history_url(approved))
    html = html_of(response)
    text = text_of(html)

    assert "oldest first" in text
    assert event_titles(html) == APPROVED_TITLES
    assert "Draft → to IAM review" in text  # the arrow is hidden from screen readers
    assert "IAM review → to DMPC review" in text
    assert "DMPC review → to Approved" in text
    assert "Outcome Returned for changes Note Make the summary clearer." in text
    assert "Area Finance Advice Finance content." in text
    assert "Decision reference PCD 1 Outcome Approved Reasons Good value." in text
    assert "Alternatives considered Declining the grant." in text
    assert "Interests declared No" in text
    assert "IAM meeting 20 November 2026" in text
    assert "python manage.py verify_audit" in text
    assert f'href="{version_url(approved, 2)}"' in html
    for event in AuditEvent.objects.filter(case=approved):
        assert f"Event {event.sequence} · hash {event.hash}" in text


def test_history_can_be_read_newest_first(client, people, approved):
    client.force_login(people.manager)
    html = html_of(client.get(history_url(approved) + "?order=newest"))
    assert "newest first" in text_of(html)
    assert event_titles(html) == APPROVED_TITLES[::-1]


def test_history_times_are_london_times(client, people, case):
    services.submit(case, by=people.manager)
    event = AuditEvent.objects.get(case=case)
    local = timezone.localtime(event.occurred_at)
    assert str(local.tzinfo) == "Europe/London"
    html = html_of(get(client, people.manager, history_url(case)))
    assert f"{local:%-d %B %Y} at {local:%H:%M} by Manager" in text_of(html)


def test_withdrawal_reasons_are_shown(client, people, case):
    services.submit(case, by=people.manager)
    services.withdraw(case, by=people.manager, reasons="The funder withdrew the offer.")
    text = text_of(html_of(get(client, people.manager, history_url(case))))
    assert "Withdrawn" in text
    assert "IAM review → to Withdrawn" in text
    assert "Reasons The funder withdrew the offer." in text


def test_a_case_edit_shows_its_changes_as_a_table(client, people, case):
    changes = [
        {"field": ["sections", "executive_summary"], "before": "Old.", "after": "New.\nMore."},
        {"field": ["units", "ROCU", "cost_lines", "2", "amount"], "before": "10", "after": "2.5"},
        {"field": ["offers", "1", "conditions"], "before": None, "after": "Quarterly returns."},
        {"field": ["time_sensitivity", "needed_by"], "before": "2099-03-31", "after": None},
    ]
    with transaction.atomic():
        audit.record(
            AuditAction.CASE_EDITED, actor=people.manager, case=case, details={"changes": changes}
        )
    html = html_of(get(client, people.manager, history_url(case)))

    assert event_titles(html) == ["Case edited"]
    assert table_starting(html, "Fields changed") == [
        ["Field", "Before", "After"],
        ["Sections › Executive summary", "[removed: Old.][added: New. More.]"],
        ["Units › ROCU › Cost lines › 2 › Amount", "£10.00", "£2.50"],
        ["Offers › 1 › Conditions", "Not set", "Quarterly returns."],
        ["Time sensitivity › Needed by", "31 March 2099", "Not set"],
    ]
    assert "New.\nMore." in html  # line breaks kept


def test_unknown_and_malformed_details_are_shown_not_dropped(client, people, case):
    with transaction.atomic():
        audit.record(
            AuditAction.UPLOADED,
            actor=people.manager,
            case=case,
            details={"file_name": "agreement.pdf", "size_bytes": 2048, "virus_checked": True},
        )
        audit.record(
            AuditAction.CASE_EDITED,
            actor=people.manager,
            case=case,
            details={"changes": "not a list", "mps_reference": {"ref": "<b>X1</b>"}},
        )
        audit.record(
            AuditAction.IAM_OUTCOME,
            actor=people.iam,
            case=case,
            details={"outcome": ["endorsed"], "area": "nowhere", "meeting": 999},
        )
    response = get(client, people.manager, history_url(case))
    assert response.status_code == 200
    html = html_of(response)
    text = text_of(html)

    assert "File name agreement.pdf Size bytes 2048 Virus checked Yes" in text
    assert "Changes not a list" in text
    assert "MPS reference" in text and "&lt;b&gt;X1&lt;/b&gt;" in html  # escaped, not markup
    assert 'Outcome [ "endorsed" ] Area nowhere IAM meeting 999' in text


def test_a_case_with_no_events_says_so(client, people, case):
    html = html_of(get(client, people.manager, history_url(case)))
    assert "Nothing has been recorded for this case yet." in html


def test_history_shows_only_this_case(client, people, approved):
    other = make_case(people.manager, title="Another case")
    services.submit(other, by=people.manager)
    html = html_of(get(client, people.manager, history_url(other)))
    assert event_titles(html) == ["Submitted for IAM review"]


# However long the history: the session, the user, the user's roles, the case, its events
# (with their version numbers), the IAM meetings they name and the decision the case
# extends, if any (the case's pages link to the comparison with it).
# The session's sliding expiry saves it on each request: three queries in a test's
# transaction (a savepoint, the update, its release).
HISTORY_QUERIES = 11  # with the count the pagination needs


@pytest.mark.parametrize("count", [3, 60])
def test_history_runs_a_fixed_number_of_queries(
    client, people, case, count, django_assert_max_num_queries
):
    meeting = to_iam(case, people)
    version = CaseVersion.objects.get(case=case)
    kinds = [
        (AuditAction.IAM_OUTCOME, {"outcome": "endorsed", "note": "", "meeting": meeting.pk}),
        (AuditAction.SIGNED_OFF, {"area": "legal", "advice": "Fine."}),
        (AuditAction.CASE_EDITED, {"changes": [{"field": ["title"], "before": "A", "after": "B"}]}),
    ]
    with transaction.atomic():
        for index in range(count - AuditEvent.objects.filter(case=case).count()):
            action, details = kinds[index % len(kinds)]
            audit.record(action, actor=people.iam, case=case, version=version, details=details)
    assert AuditEvent.objects.filter(case=case).count() == count
    client.force_login(people.iam)

    with django_assert_max_num_queries(HISTORY_QUERIES):
        response = client.get(history_url(case))
    assert len(event_titles(html_of(response))) == min(count, PER_PAGE)


# Pages of history, and texts compared word by word ----------------------------------------


def add_events(case, people, count):
    with transaction.atomic():
        for index in range(count):
            audit.record(
                AuditAction.COMMENT_ADDED, actor=people.iam, case=case, details={"n": index}
            )


def sequences(html):
    return [int(n) for n in re.findall(r"Event (\d+) ·", text_of(html))]


def test_history_is_shown_fifty_steps_a_page_with_govuk_pagination(client, people, case):
    add_events(case, people, 2 * PER_PAGE + 10)
    events = list(AuditEvent.objects.filter(case=case).order_by("sequence"))
    client.force_login(people.manager)

    first = html_of(client.get(history_url(case)))
    assert sequences(first) == [event.sequence for event in events[:PER_PAGE]]
    assert '<nav class="govuk-pagination" aria-label="Pagination">' in first
    assert 'href="?page=2" rel="next"' in first
    assert f"steps 1 to {PER_PAGE} of {len(events)}" in text_of(first)

    last = html_of(client.get(history_url(case) + "?page=3"))
    assert sequences(last) == [event.sequence for event in events[2 * PER_PAGE :]]
    assert 'href="?page=2" rel="prev"' in last
    assert 'rel="next"' not in last

    newest = html_of(client.get(history_url(case) + "?order=newest&page=2"))
    assert sequences(newest) == [e.sequence for e in events[::-1][PER_PAGE : 2 * PER_PAGE]]
    assert 'href="?order=newest&amp;page=3" rel="next"' in newest


def test_a_short_history_has_no_pagination(client, people, case):
    add_events(case, people, 3)
    html = html_of(get(client, people.manager, history_url(case)))
    assert "govuk-pagination" not in html
    assert "steps 1 to" not in html


def test_versions_are_shown_fifty_a_page(client, people, two_versions):
    first = CaseVersion.objects.get(case=two_versions, number=1)
    CaseVersion.objects.bulk_create(
        CaseVersion(
            case=two_versions,
            number=number,
            document=first.document,
            sha256=first.sha256,
            created_by=first.created_by,
        )
        for number in range(3, PER_PAGE + 6)
    )
    client.force_login(people.iam)
    page1 = html_of(client.get(versions_url(two_versions)))
    numbers = [int(n) for n in re.findall(r">Version (\d+)</a>", page1)]
    assert numbers == list(range(1, PER_PAGE + 1))
    assert 'href="?page=2" rel="next"' in page1
    page2 = html_of(client.get(versions_url(two_versions) + "?page=2"))
    assert [int(n) for n in re.findall(r">Version (\d+)</a>", page2)] == list(
        range(PER_PAGE + 1, PER_PAGE + 6)
    )
    # The latest version is marked, and the compare form offers every version.
    assert "Latest" in text_of(page2)
    assert f'<option value="{PER_PAGE + 5}" selected>' in page2


LONG_BEFORE = "The grant pays for twelve officers in the regional team for one year from April."
LONG_AFTER = (
    "The grant pays for fourteen officers in the regional team for one year "
    "<script>alert(1)</script> from April."
)


def test_a_long_text_compared_shows_only_the_changed_words(client, people, case):
    GrantCase.objects.filter(pk=case.pk).update(executive_summary=LONG_BEFORE)
    return_from_iam(case, people)
    GrantCase.objects.filter(pk=case.pk).update(executive_summary=LONG_AFTER)
    services.submit(case, by=people.manager)
    html = html_of(get(client, people.iam, compare_url(case, "?from=1&to=2")))
    rows = table_starting(html, "Fields that differ")
    row = next(row for row in rows if row[0] == "Sections › Executive summary")
    assert row == [
        "Sections › Executive summary",
        "The grant pays for [removed: twelve][added: fourteen] officers in the regional team "
        "for one year [added: <script>alert(1)</script> ]from April.",
    ]
    assert (
        '<del class="app-diff__removed"><span class="govuk-visually-hidden">[removed: </span>'
        'twelve<span class="govuk-visually-hidden">]</span></del>'
    ) in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    assert "<script>alert" not in html
    # The whole text is not shown twice.
    assert html.count("regional team") == 1


def test_short_values_keep_the_before_and_after_columns():
    change = FieldChange("Title", Shown("A"), Shown("B"))
    assert change.words is None
    long = FieldChange("Text", Shown(LONG_BEFORE), Shown(LONG_AFTER))
    assert [run.kind for run in long.words] == ["same", "removed", "added", "same", "added", "same"]
