"""Reading and submitting the case editor's pages as a browser would, for the editor's
tests: a page's form values, posting it with changes, its task statuses and error
summary; and a small draft case to edit."""

import re
from decimal import Decimal
from html.parser import HTMLParser

from django.urls import reverse

from grants.models import (
    BudgetYear,
    CostLine,
    FundedUnit,
    Funder,
    GrantCase,
    GrantOffer,
    Post,
)

# Reading and submitting pages ------------------------------------------------------------


class _PageForm(HTMLParser):
    """What a browser would submit from the page's main form (not the sign-out form)."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.forms: list[dict[str, str]] = []
        self._select = self._textarea = None
        self._first_option = None

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "form":
            self.forms.append({})
        elif not self.forms:
            return
        elif tag == "input" and attrs.get("name"):
            kind = attrs.get("type", "text")
            if kind == "checkbox":
                if "checked" in attrs:
                    self.forms[-1][attrs["name"]] = attrs.get("value", "on")
            elif kind not in ("submit", "button"):
                self.forms[-1][attrs["name"]] = attrs.get("value", "")
        elif tag == "select":
            self._select, self._first_option = attrs["name"], None
        elif tag == "option" and self._select:
            if self._first_option is None:
                self._first_option = attrs.get("value", "")
                self.forms[-1][self._select] = self._first_option
            if "selected" in attrs:
                self.forms[-1][self._select] = attrs.get("value", "")
        elif tag == "textarea":
            self._textarea = attrs["name"]
            self.forms[-1][self._textarea] = ""

    def handle_endtag(self, tag):
        if tag == "select":
            self._select = None
        elif tag == "textarea" and self._textarea:
            # Browsers drop the one newline that follows <textarea>.
            text = self.forms[-1][self._textarea]
            self.forms[-1][self._textarea] = text.removeprefix("\r\n").removeprefix("\n")
            self._textarea = None

    def handle_data(self, data):
        if self._textarea:
            self.forms[-1][self._textarea] += data


def form_values(html: str) -> dict[str, str]:
    parser = _PageForm()
    parser.feed(html)
    return max(parser.forms, key=len)


def submit(client, url: str, changes: dict | None = None, **kwargs):
    """Open the page, change fields as a person would (None unticks a box), and save."""
    data = form_values(client.get(url).content.decode())
    for name, value in (changes or {}).items():
        if value is None:
            data.pop(name, None)
        else:
            data[name] = value
    return client.post(url, data, **kwargs)


def task_status(html: str, key: str) -> str:
    match = re.search(rf'id="task-{key}-status">\s*(?:<strong[^>]*>)?([^<]+)', html)
    assert match, f"no task {key}"
    return match[1].strip()


def error_summary(html: str) -> list[tuple[str, str]]:
    summary = html.split('class="govuk-error-summary"', 1)[1].split("</ul>", 1)[0]
    return re.findall(r'<li><a href="#([^"]+)">([^<]+)</a></li>', summary)


def url(name: str, case: GrantCase, *args) -> str:
    return reverse(f"grants:{name}", args=[case.pk, *args])


# Fixtures --------------------------------------------------------------------------------


def make_draft(owner, *, posts: int = 1) -> GrantCase:
    """A small draft: one offer, one unit with `posts` posts and a cost line."""
    case = GrantCase.objects.create(title="Test grant", financial_year=2023, owner=owner)
    BudgetYear.objects.create(case=case, financial_year=2023)
    funder, _ = Funder.objects.get_or_create(name="Home Office")
    GrantOffer.objects.create(
        case=case, funder=funder, amount=Decimal("100000"), financial_year=2023, position=1
    )
    unit = FundedUnit.objects.create(
        case=case, name="ACE", grant_allocation=Decimal("100000"), position=1
    )
    Post.objects.bulk_create(
        Post(
            unit=unit,
            grade=f"Detective Constable {n}",
            annual_cost=Decimal("66230.00"),
            grant_fte=Decimal("1"),
            position=n,
        )
        for n in range(1, posts + 1)
    )
    CostLine.objects.create(unit=unit, description="Support costs", amount=Decimal("30600"))
    return case
