"""Where text is typed, the editor says whether it is published: Part 1 is published with
the decision, Part 2 never is."""

import re

import pytest

from grants.forms.fields import NEVER_PUBLISHED, PUBLISHED
from tests.factories import make_case

pytestmark = pytest.mark.django_db

# (page, the text fields on it that are published, those that never are)
PAGES = [
    ("details", ["id_title", "id_report_by", "id_report_author"], []),
    ("time-sensitivity", ["id_time_sensitivity"], []),
    ("sections/introduction", ["id_text"], []),
    ("offers", ["id_offers-0-new_funder", "id_offers-0-conditions"], []),
    ("recommendations", ["id_recommendations-0-text"], []),
    ("part-2", ["id_part2_exemption_reason"], ["id_part2_content"]),
]


def hint(html: str, field_id: str) -> str:
    """The hint a field is described by: the element its aria-describedby names."""
    tag = re.search(rf'<(?:input|textarea)[^>]*\bid="{re.escape(field_id)}"[^>]*>', html)
    assert tag, f"no field {field_id}"
    described = re.search(r'aria-describedby="([^"]*)"', tag[0])
    assert described, f"{field_id} has no aria-describedby"
    hint_id = next(name for name in described[1].split() if name.endswith("hint"))
    found = re.search(rf'<div[^>]*id="{re.escape(hint_id)}"[^>]*>(.*?)</div>', html, re.S)
    assert found and "govuk-hint" in found[0], f"{field_id}'s hint is not a GOV.UK hint"
    return " ".join(found[1].split())


@pytest.mark.parametrize(("page", "published", "never"), PAGES)
def test_each_text_field_says_whether_it_is_published(client, manager, page, published, never):
    case = make_case(manager)
    client.force_login(manager)
    html = client.get(f"/staff/cases/{case.pk}/edit/{page}/").content.decode()
    for field_id in published:
        assert hint(html, field_id).startswith(PUBLISHED), field_id
    for field_id in never:
        assert hint(html, field_id).startswith(NEVER_PUBLISHED), field_id


@pytest.mark.parametrize("page", ["units"])
def test_the_tables_of_rows_say_that_what_they_hold_is_published(client, manager, page):
    case = make_case(manager)
    client.force_login(manager)
    html = client.get(f"/staff/cases/{case.pk}/edit/{page}/").content.decode()
    assert "names and allocations are published with the decision" in html
    unit = case.units.first()
    html = client.get(f"/staff/cases/{case.pk}/edit/units/{unit.pk}/").content.decode()
    assert "grades, descriptions and figures are published with the decision" in html
