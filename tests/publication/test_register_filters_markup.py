"""The register's search and filters as markup: templates/public/register/_filters.html
writes out the GOV.UK Frontend form groups for RegisterFilterForm, and list.html its error
summary and its rows. These check what a screen reader and a keyboard rely on: labels,
hints and errors tied to their fields by id, the chosen values shown, and every link in
the error summary landing on a field."""

from html.parser import HTMLParser

import pytest
from django.urls import reverse

from grants.templatetags.grant_tags import outcome_tag
from tests.workflow import bulk_publish, publish

pytestmark = pytest.mark.django_db

VOID = {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source", "wbr"}
HINT = "For example, a title, a grant scheme or a reference like PCD 1234"


class Element:
    def __init__(self, tag, attrs, parent):
        self.tag = tag
        self.attrs = {name: "" if value is None else value for name, value in attrs}
        self.parent = parent
        self.children: list[Element] = []
        self.parts: list[str | Element] = []

    @property
    def classes(self) -> list[str]:
        return self.attrs.get("class", "").split()

    @property
    def text(self) -> str:
        pieces = [part if isinstance(part, str) else part.text for part in self.parts]
        return " ".join("".join(pieces).split())

    def describedby(self) -> list[str]:
        return self.attrs.get("aria-describedby", "").split()

    def find_all(self, tag=None, cls=None) -> list["Element"]:
        found = []
        for child in self.children:
            if (tag is None or child.tag == tag) and (cls is None or cls in child.classes):
                found.append(child)
            found += child.find_all(tag, cls)
        return found

    def find(self, tag=None, cls=None) -> "Element | None":
        found = self.find_all(tag, cls)
        return found[0] if found else None

    def ancestor(self, cls) -> "Element | None":
        node = self.parent
        while node is not None and cls not in node.classes:
            node = node.parent
        return node


class Page(HTMLParser):
    def __init__(self, html: str):
        super().__init__(convert_charrefs=True)
        self.root = Element("#root", [], None)
        self._open = self.root
        self.by_id: dict[str, list[Element]] = {}
        self.feed(html)

    def handle_starttag(self, tag, attrs):
        element = Element(tag, attrs, self._open)
        self._open.children.append(element)
        self._open.parts.append(element)
        if "id" in element.attrs:
            self.by_id.setdefault(element.attrs["id"], []).append(element)
        if tag not in VOID:
            self._open = element

    def handle_endtag(self, tag):
        node = self._open
        while node is not self.root and node.tag != tag:
            node = node.parent
        if node is not self.root:
            self._open = node.parent

    def handle_data(self, data):
        self._open.parts.append(data)

    def get(self, element_id: str) -> Element:
        found = self.by_id.get(element_id, [])
        assert len(found) == 1, f"{len(found)} elements have the id {element_id!r}"
        return found[0]

    @property
    def form(self) -> Element:
        [form] = [f for f in self.root.find_all("form") if f.attrs.get("role") == "search"]
        return form

    def summary_links(self) -> list[tuple[str, str]]:
        summary = self.root.find("div", "govuk-error-summary")
        if summary is None:
            return []
        return [(a.attrs["href"], a.text) for a in summary.find_all("a")]

    def radios(self) -> list[Element]:
        return self.form.find_all("input", "govuk-radios__input")

    def options(self, name: str) -> list[Element]:
        [select] = [s for s in self.form.find_all("select") if s.attrs["name"] == name]
        return select.find_all("option")


def page(client, params=None, status=None) -> Page:
    response = client.get("/decisions/", params or {})
    if status is not None:
        assert response.status_code == status
    return Page(response.content.decode())


@pytest.fixture
def varied(people):
    base = publish(people, title="Base grant")
    bulk_publish(
        base,
        [
            {"funders": "Youth Endowment Fund", "financial_years": "2023/24"},
            {"outcome": "rejected", "title": "A rejected grant"},
        ],
    )
    return base


def assert_ids_are_unique_and_labels_point_at_fields(html: Page):
    duplicates = {name for name, elements in html.by_id.items() if len(elements) > 1}
    assert not duplicates
    for label in html.form.find_all("label"):
        assert html.get(label.attrs["for"]).tag in ("input", "select")
    for element in html.form.find_all():
        for described_by in element.describedby():
            html.get(described_by)


# ---- A first visit ------------------------------------------------------------------------


def test_a_first_visit_shows_the_fields_empty_with_their_labels_and_hint(client, varied):
    html = page(client, status=200)
    assert_ids_are_unique_and_labels_point_at_fields(html)
    assert html.summary_links() == []
    assert not html.form.find_all(cls="govuk-form-group--error")
    assert not html.form.find_all(cls="govuk-error-message")
    assert not [e for e in html.form.find_all() if "aria-invalid" in e.attrs]

    search = html.get("id_q")
    assert search.tag == "input" and search.attrs["type"] == "text"
    assert search.attrs["name"] == "q" and "value" not in search.attrs
    assert search.attrs["maxlength"] == "200"
    assert search.classes == ["govuk-input"]
    assert search.describedby() == ["id_q_hint"]
    assert html.get("id_q_hint").classes == ["govuk-hint"]
    assert html.get("id_q_hint").text == HINT
    [label] = [label for label in html.form.find_all("label") if label.attrs["for"] == "id_q"]
    assert label.classes == ["govuk-label", "govuk-label--s"] and label.text == "Search decisions"

    for name, label_text, first in [
        ("year", "Financial year", "All years"),
        ("funder", "Funder", "All funders"),
    ]:
        select = html.get(f"id_{name}")
        assert select.tag == "select" and select.attrs["name"] == name
        assert select.classes == ["govuk-select"] and "aria-describedby" not in select.attrs
        [label] = [lab for lab in html.form.find_all("label") if lab.attrs["for"] == f"id_{name}"]
        assert label.classes == ["govuk-label"] and label.text == label_text
        options = html.options(name)
        assert (options[0].attrs["value"], options[0].text) == ("", first)
        assert [o.attrs["value"] for o in options if "selected" in o.attrs] == [""]
    assert [o.attrs["value"] for o in html.options("year")] == ["", "2025/26", "2023/24"]
    assert [o.attrs["value"] for o in html.options("funder")] == [
        "",
        "Home Office",
        "Youth Endowment Fund",
    ]

    fieldset = html.form.find("fieldset")
    assert fieldset.classes == ["govuk-fieldset"] and "aria-describedby" not in fieldset.attrs
    legend = fieldset.find("legend")
    assert legend.classes == ["govuk-fieldset__legend", "govuk-fieldset__legend--s"]
    assert legend.text == "Decision"
    assert fieldset.find("div", "govuk-radios").classes == ["govuk-radios", "govuk-radios--small"]
    radios = html.radios()
    # GOV.UK Frontend's ids: the first radio has the field's id, so a link to it lands.
    assert [r.attrs["id"] for r in radios] == [
        "id_outcome",
        "id_outcome-2",
        "id_outcome-3",
        "id_outcome-4",
    ]
    assert [r.attrs["value"] for r in radios] == ["", "approved", "partly_approved", "rejected"]
    assert {r.attrs["name"] for r in radios} == {"outcome"}
    assert [html.get(r.attrs["id"]).parent.find("label").text for r in radios] == [
        "Any decision",
        "Approved",
        "Partly approved",
        "Rejected",
    ]
    assert ["checked" in r.attrs for r in radios] == [True, False, False, False]


def test_the_search_form_sends_no_csrf_token_in_the_url(client, varied):
    # A GET form: a token would end up in the address, in logs and in shared caches.
    html = page(client)
    assert [i.attrs["name"] for i in html.form.find_all("input") if i.attrs["type"] != "radio"] == [
        "q"
    ]


# ---- Chosen filters -----------------------------------------------------------------------


def test_chosen_filters_stay_chosen(client, varied):
    params = {
        "q": 'grant "base" <b>&',
        "year": "2023-24",
        "funder": "Youth Endowment Fund",
        "outcome": "rejected",
    }
    html = page(client, params, status=200)
    assert_ids_are_unique_and_labels_point_at_fields(html)
    assert html.summary_links() == []
    # As typed, escaped (the parser has read the entities back).
    assert html.get("id_q").attrs["value"] == 'grant "base" <b>&'
    # "2023-24" is shown as the option it means.
    assert [o.attrs["value"] for o in html.options("year") if "selected" in o.attrs] == ["2023/24"]
    assert [o.attrs["value"] for o in html.options("funder") if "selected" in o.attrs] == [
        "Youth Endowment Fund"
    ]
    assert [r.attrs["value"] for r in html.radios() if "checked" in r.attrs] == ["rejected"]


def test_a_year_with_no_decisions_yet_is_offered_and_chosen(client, varied):
    html = page(client, {"year": "2019/20"}, status=200)
    assert [o.attrs["value"] for o in html.options("year") if "selected" in o.attrs] == ["2019/20"]


# ---- Errors -------------------------------------------------------------------------------


ERRORS = [
    ({"year": "nonsense"}, "year", "Enter a financial year like 2023/24"),
    ({"funder": "Nobody"}, "funder", "Select a funder from the list"),
    ({"outcome": "maybe"}, "outcome", "Select approved, rejected or any decision"),
    ({"q": "x" * 201}, "q", "Search terms must be 200 characters or fewer"),
    ({"q": "grant\x00"}, "q", "Search terms must not contain control characters"),
]


@pytest.mark.parametrize(("params", "name", "message"), ERRORS)
def test_an_error_is_shown_on_its_field_and_linked_from_the_summary(
    client, varied, params, name, message
):
    html = page(client, params, status=400)
    assert_ids_are_unique_and_labels_point_at_fields(html)

    error = html.get(f"id_{name}_1_error")
    assert error.classes == ["govuk-error-message"]
    assert error.text == f"Error: {message}"
    assert error.find("span", "govuk-visually-hidden").text == "Error:"
    assert error.ancestor("govuk-form-group").classes == [
        "govuk-form-group",
        "govuk-form-group--error",
    ]
    assert len(html.form.find_all(cls="govuk-form-group--error")) == 1

    # The summary's link lands on the field's control (for radios, the first radio).
    [(href, text)] = html.summary_links()
    assert text == message
    target = html.get(href.removeprefix("#"))
    control = html.radios()[0] if name == "outcome" else html.get(f"id_{name}")
    assert target is control

    if name == "outcome":
        fieldset = error.ancestor("govuk-fieldset")
        assert fieldset.describedby() == ["id_outcome_1_error"]
        # Nothing valid was chosen, so nothing is checked.
        assert not [r for r in html.radios() if "checked" in r.attrs]
    else:
        assert control.attrs["aria-invalid"] == "true"
        expected_class = "govuk-input--error" if name == "q" else "govuk-select--error"
        assert expected_class in control.classes
        hint = ["id_q_hint"] if name == "q" else []
        assert control.describedby() == [*hint, f"id_{name}_1_error"]
    # The other fields are not in error.
    for other in {"q", "year", "funder"} - {name}:
        assert "aria-invalid" not in html.get(f"id_{other}").attrs


def test_a_field_with_two_errors_shows_and_describes_both(client, varied):
    html = page(client, {"q": "\x00" + "x" * 201}, status=400)
    messages = [text for _, text in html.summary_links()]
    assert len(messages) == 2
    assert html.get("id_q").describedby() == ["id_q_hint", "id_q_1_error", "id_q_2_error"]
    assert [html.get(f"id_q_{n}_error").text for n in (1, 2)] == [f"Error: {m}" for m in messages]
    assert {href for href, _ in html.summary_links()} == {"#id_q"}


def test_every_error_at_once_is_summarised_in_field_order(client, varied):
    params = {"q": "y" * 201, "year": "nonsense", "funder": "Nobody", "outcome": "maybe"}
    html = page(client, params, status=400)
    assert_ids_are_unique_and_labels_point_at_fields(html)
    links = html.summary_links()
    assert [href for href, _ in links] == ["#id_q", "#id_year", "#id_funder", "#id_outcome"]
    targets = [html.get(href.removeprefix("#")) for href, _ in links]
    assert targets == [
        html.get("id_q"),
        html.get("id_year"),
        html.get("id_funder"),
        html.radios()[0],
    ]
    summary = html.root.find("div", "govuk-error-summary")
    assert summary.attrs["data-module"] == "govuk-error-summary"
    assert summary.find("div").attrs["role"] == "alert"
    assert summary.find("h2", "govuk-error-summary__title").text == "There is a problem"
    assert len(html.form.find_all(cls="govuk-form-group--error")) == 4
    # What was typed stays, so it can be corrected.
    assert html.get("id_q").attrs["value"] == "y" * 201
    assert not [o for o in html.options("year") if "selected" in o.attrs]
    assert not [o for o in html.options("funder") if "selected" in o.attrs]


# ---- The rows -----------------------------------------------------------------------------


def test_each_row_links_to_its_decision_and_tags_its_outcome(client, varied):
    html = page(client, status=200)
    items = html.root.find_all("li", "app-results__item")
    assert len(items) == 3
    outcomes = []
    for item in items:
        link = item.find("a")
        slug = link.attrs["href"].split("/")[-2]
        assert link.attrs["href"] == reverse("decision", kwargs={"slug": slug})
        tag = item.find("strong", "govuk-tag")
        outcome = "approved" if tag.text == "Approved" else "rejected"
        outcomes.append(outcome)
        # The same tag as the decision page's.
        expected = Page(outcome_tag(outcome))
        [expected_tag] = expected.root.children
        assert (tag.attrs, tag.text) == (expected_tag.attrs, expected_tag.text)
    assert sorted(outcomes) == ["approved", "approved", "rejected"]


def test_no_matches_offer_the_whole_register(client, varied):
    html = page(client, {"q": "nothing-like-this"}, status=200)
    links = [
        a.attrs["href"] for a in html.root.find_all("a") if a.text == "see all published decisions"
    ]
    assert links == [reverse("register")]
    assert html.form.attrs["action"] == reverse("register")


def test_an_anonymous_visit_sets_no_cookie(client, varied):
    # Shared caches keep the page: it must not hand everyone the same CSRF cookie.
    for params in ({}, {"year": "nonsense"}):
        response = client.get("/decisions/", params)
        assert not response.cookies
        assert "csrfmiddlewaretoken" not in response.content.decode()
