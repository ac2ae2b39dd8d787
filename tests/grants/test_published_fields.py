"""Everything Part 1 publishes is on every page that shows it: the staff report, the
frozen version, the page the DMPC decides on, and the public decision page."""

import pytest

from approvals.models import Publication, RelatedDecision, RelatedDecisionKind
from approvals.publication import services as publishing
from grants.document import DATE_KEYS, FTE_KEYS, MONEY_KEYS, case_document, part1_document
from grants.formatting import long_date, render_text
from grants.models import GrantCase
from grants.money import format_millions
from grants.seed import create_seed_case
from grants.templatetags.grant_tags import fte
from tests.html import page_text, table_starting
from tests.workflow import approve, publish, to_ready

pytestmark = pytest.mark.django_db

# Leaves of the document that are not its content: the file's format and the case's
# database key (the public page names the decision by its reference instead).
NOT_CONTENT = {("schema",), ("case", "id")}
PART2_NOTE = "The report also has a Part 2, which holds exempt information and is never published."


def _is_prose(path: tuple[str, ...]) -> bool:
    """Leaves written as lightly formatted text, which pages show as HTML."""
    return (
        path[0] == "sections"
        or path == ("time_sensitivity", "reason")
        or (path[0] == "offers" and path[-1] == "conditions")
    )


def shown_as(path: tuple[str, ...], value) -> str | None:
    """The text a page shows for a leaf of the document, or None if it shows none."""
    key = path[-1]
    if value is None or value == "":
        return None
    if isinstance(value, bool):
        return PART2_NOTE if value else None
    if key in DATE_KEYS:
        return long_date(value)
    if key in FTE_KEYS:
        return fte(value)
    if key in MONEY_KEYS:
        return format_millions(value)
    if _is_prose(path):
        return page_text(render_text(value)) or None
    return str(value)


def leaves(value, path=()):
    if isinstance(value, dict):
        for key, item in value.items():
            yield from leaves(item, (*path, key))
    elif isinstance(value, list):
        for index, item in enumerate(value):
            yield from leaves(item, (*path, str(index)))
    else:
        yield path, value


def expected_texts(document: dict) -> dict[tuple[str, ...], str]:
    published = part1_document(document)
    texts = {}
    for path, value in leaves(published):
        if path in NOT_CONTENT or (path[0] == "recommendations" and path[-1] == "position"):
            continue
        text = shown_as(path, value)
        if text is not None:
            texts[path] = text
    return texts


@pytest.fixture
def pages(client, people):
    """The four pages of the seed case, with every field of its Part 1 filled in, read
    as the people who see each."""
    earlier = publish(people, title="An earlier grant")
    case = create_seed_case(people.manager)
    case.part2_content = "Exempt detail."
    case.part2_exemption_reason = "Law enforcement."
    case.save()
    # The seed's second offer gives no scheme or offer date; give it both.
    case.offers.filter(position=2).update(scheme=case.scheme, offer_date="2023-10-02")
    RelatedDecision.objects.create(
        case=case,
        decision=earlier.decision,
        kind=RelatedDecisionKind.VARIES,
        added_by=people.manager,
    )
    to_ready(case, people)
    document = case_document(GrantCase.objects.with_contents().get(pk=case.pk))
    found = {}
    client.force_login(people.manager)
    found["report"] = client.get(f"/staff/cases/{case.pk}/")
    found["version"] = client.get(f"/staff/cases/{case.pk}/versions/1/")
    client.force_login(people.dmpc)
    found["decide"] = client.get(f"/staff/cases/{case.pk}/decide/")
    decision = approve(case, people)
    publishing.publish_now(decision.publication, by=people.publisher)
    publication = Publication.objects.get(pk=decision.publication.pk)
    client.logout()
    found["public"] = client.get(f"/decisions/{publication.slug}/")
    assert {name: page.status_code for name, page in found.items()} == dict.fromkeys(found, 200)
    return document, {name: page.content.decode() for name, page in found.items()}


def test_the_seed_case_fills_every_field_part1_publishes(pages):
    document, _ = pages
    published = part1_document(document)
    empty = [path for path, value in leaves(published) if value in (None, "", [], {})]
    # Only what the seed leaves out on purpose: the report has no risk section (its
    # template had none), the first recommendation is not a standing authority, and units
    # whose posts are not in groups have one group with no name.
    assert empty == [
        ("sections", "risk_comments"),
        ("recommendations", "0", "standing_authority"),
    ] + [("units", str(unit), "groups", "0", "name") for unit in (0, 2, 3, 4)]
    assert published["has_part2"] is True
    assert all(offer["conditions"] for offer in published["offers"])


@pytest.mark.parametrize("page", ["report", "version", "decide", "public"])
def test_every_published_field_is_on_the_page(pages, page):
    document, html = pages
    text = page_text(html[page])
    missing = {
        "/".join(path): expected
        for path, expected in expected_texts(document).items()
        if expected not in text
    }
    assert missing == {}


@pytest.mark.parametrize("page", ["report", "version", "decide", "public"])
def test_the_offers_conditions_period_and_date_are_on_the_page(pages, page):
    _, html = pages
    assert (
        "Offer 1: Home Office Funder Home Office Grant scheme Organised Crime Specific Grant "
        "Amount £1.201m Financial year 2023/24 Offer period 1 April 2023 to 31 March 2024 "
        "Offer date 1 September 2023 Funder’s conditions Standard Home Office grant terms."
    ) in page_text(html[page])


@pytest.mark.parametrize("page", ["report", "version", "decide", "public"])
def test_recommendations_are_shown_in_their_order(pages, page):
    document, html = pages
    text = page_text(html[page])
    ordered = sorted(document["recommendations"], key=lambda rec: rec["position"])
    places = [text.index(rec["text"]) for rec in ordered]
    assert places == sorted(places)


@pytest.mark.parametrize("page", ["report", "version", "decide", "public"])
def test_every_post_is_a_row_of_its_units_table_with_all_its_figures(pages, page):
    """Figures are short and repeat across a page, so each post is looked for in its own
    row: grade, annual cost, grant FTE, grant cost and, where it is match funded, the
    match FTE, match cost and total."""
    document, html = pages
    for unit in document["units"]:
        rows = table_starting(html[page], f"{unit['name']} (grant amount")
        posts = [post for group in unit["groups"] for post in group["posts"]]
        has_match = any(float(post["match_fte"]) for post in posts)
        expected = []
        for post in posts:
            row = [post["grade"], format_millions(post["annual_cost"]), fte(post["grant_fte"])]
            row.append(format_millions(post["grant_cost"]))
            if has_match:
                matched = float(post["match_fte"]) > 0
                row += [fte(post["match_fte"]), format_millions(post["match_cost"])]
                row = row if matched else [*row[:4], "", ""]
                row.append(format_millions(post["total_cost"]))
            expected.append(row)
        grades = {post["grade"] for post in posts}
        assert [row for row in rows if row[0] in grades and len(row) > 2] == expected
