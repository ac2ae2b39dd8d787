"""The editor's fields, as people type into them: money (66,000 or £0.066m), FTE, financial
years like 2023/24 and dates in three boxes; and what every page form shares: its
FormHelper, the lock that refuses a stale page, and the error summary's links."""

import calendar
import datetime
import re
from collections.abc import Sequence
from decimal import Decimal, InvalidOperation

from crispy_forms_gds.fields import DateInputField
from crispy_forms_gds.helper import FormHelper
from crispy_forms_gds.layout import Layout
from django import forms
from django.core.exceptions import ValidationError

from grants.models import MONEY
from grants.money import (
    MONEY_HELP,
    MoneyError,
    financial_year_label,
    parse_financial_year,
    parse_money,
)

# Said where text is typed, so nobody writes in Part 1 what must not be published.
PUBLISHED = "Published with the decision."
NEVER_PUBLISHED = "Never published."
MONEY_HINT = "In pounds, like 66000, £66,000.00 or £0.066m"
LARGEST_AMOUNT = Decimal(10 ** (MONEY["max_digits"] - MONEY["decimal_places"])) - Decimal("0.01")


# Fields --------------------------------------------------------------------------------


class MoneyField(forms.Field):
    """An amount in pounds as people type it, read by grants.money.parse_money."""

    widget = forms.TextInput
    default_error_messages = {
        "invalid": MONEY_HELP,
        "negative": "Enter an amount of £0 or more, without a minus sign",
        "too_large": f"Enter an amount less than £{LARGEST_AMOUNT + Decimal('0.01'):,.0f}",
    }

    def widget_attrs(self, widget):
        return {
            **super().widget_attrs(widget),
            "class": "govuk-input--width-10",
            "spellcheck": "false",
            "autocomplete": "off",
        }

    def to_python(self, value) -> Decimal | None:
        if isinstance(value, Decimal):
            return value
        if value in self.empty_values or not str(value).strip():
            return None
        try:
            amount = parse_money(str(value))
        except MoneyError as error:
            raise ValidationError(str(error), code="invalid") from None
        except InvalidOperation:  # more digits than a Decimal can hold to the penny
            raise ValidationError(self.error_messages["too_large"], code="too_large") from None
        if amount < 0:
            raise ValidationError(self.error_messages["negative"], code="negative")
        if amount > LARGEST_AMOUNT:
            raise ValidationError(self.error_messages["too_large"], code="too_large")
        return amount

    def prepare_value(self, value):
        # Saved amounts come back as they are usually written, with thousands separators.
        return f"{value:,.2f}" if isinstance(value, Decimal) else value


class FteField(forms.DecimalField):
    """Full-time equivalents: 0 to 999.99, to 2 decimal places."""

    widget = forms.TextInput

    def __init__(self, *, label: str, **kwargs):
        super().__init__(
            label=label,
            min_value=Decimal(0),
            max_value=Decimal("999.99"),
            decimal_places=2,
            **kwargs,
        )
        out_of_range = f"{label} must be a number from 0 to 999.99"
        self.error_messages.update(
            {
                "invalid": f"{label} must be a number, like 1 or 0.5",
                "min_value": out_of_range,
                "max_value": out_of_range,
                "max_decimal_places": f"{label} can have up to 2 decimal places, like 0.25",
            }
        )

    def widget_attrs(self, widget):
        # A text input, as the Design System advises for numbers: no spinner, no scrolling.
        return {
            "class": "govuk-input--width-4",
            "inputmode": "decimal",
            "spellcheck": "false",
            "autocomplete": "off",
        }

    def prepare_value(self, value):
        if isinstance(value, Decimal):
            return f"{value.normalize():f}"
        return value


class FinancialYearField(forms.Field):
    """A financial year typed like 2023/24, held as the year it starts in."""

    widget = forms.TextInput
    default_error_messages = {"invalid": "Enter a financial year like 2023/24"}
    FIRST, LAST = 2000, 2098

    def to_python(self, value) -> int | None:
        if value in self.empty_values:
            return None
        if isinstance(value, int):
            return value
        try:
            year = parse_financial_year(str(value))
        except ValueError:
            raise ValidationError(self.error_messages["invalid"], code="invalid") from None
        if not self.FIRST <= year <= self.LAST:
            raise ValidationError(
                f"Enter a financial year between {financial_year_label(self.FIRST)} and "
                f"{financial_year_label(self.LAST)}",
                code="out_of_range",
            )
        return year

    def prepare_value(self, value):
        return financial_year_label(value) if isinstance(value, int) else value

    def widget_attrs(self, widget):
        return {"class": "govuk-input--width-5", "spellcheck": "false", "autocomplete": "off"}


MONTHS = {name.lower(): number for number, name in enumerate(calendar.month_name) if name} | {
    name.lower(): number for number, name in enumerate(calendar.month_abbr) if name
}


def _whole_number(text: str) -> int | None:
    """A day or month typed in digits. Not isdigit(), which passes "²" that int() refuses;
    and at most nine of them, which datetime.date() refuses without overflowing."""
    return int(text) if text.isdecimal() and len(text) <= 9 else None


class DateField(DateInputField):
    """A GOV.UK date input (day, month and year boxes) with the Design System's messages.

    `name` is how messages refer to the date, e.g. "the offer date". Each message is
    attached to the boxes it is about, so only those are highlighted.
    """

    PARTS = ("day", "month", "year")

    def __init__(self, *, name: str, required: bool = False, **kwargs):
        super().__init__(required=required, require_all_fields=False, **kwargs)
        self.name = name

    @property
    def subject(self) -> str:
        return self.name[0].upper() + self.name[1:]

    def clean(self, value) -> datetime.date | None:
        values = [str(part or "").strip() for part in [*(value or []), "", "", ""][:3]]
        for field in self.fields:
            field.widget.errors = []
        if not any(values):
            if self.required:
                raise ValidationError(f"Enter {self.name}", code="required")
            return None

        missing = [index for index, part in enumerate(values) if not part]
        if missing:
            parts = " and ".join(self.PARTS[index] for index in missing)
            self._fail(f"{self.subject} must include a {parts}", missing)

        day, month, year = values
        day_number, month_number = _whole_number(day), _whole_number(month)
        if month_number is None:
            month_number = MONTHS.get(month.lower())
        if day_number is None:
            self._fail(f"{self.subject} must be a real date", [0])
        if month_number is None:
            self._fail(f"{self.subject} must be a real date", [1])
        if not (year.isdecimal() and len(year) == 4):
            self._fail(f"{self.subject} must include a year with 4 numbers, like 2024", [2])
        try:
            return datetime.date(int(year), month_number, day_number)
        except ValueError:
            if not 1 <= month_number <= 12:
                self._fail(f"{self.subject} must be a real date", [1])
            self._fail(f"{self.subject} must be a real date", [2] if int(year) < 1 else [0])

    def _fail(self, message: str, parts: Sequence[int]):
        # crispy-forms-gds reads errors from each box's widget to mark just those boxes.
        for index in parts:
            self.fields[index].widget.errors = [message]
        raise ValidationError(message, code="invalid")


_SHORT_DATE = re.compile(
    r"^(\d{1,2})\s*[/.\-\s]\s*([A-Za-z]+|\d{1,2})\s*[/.\-\s]\s*(\d{4})$", re.ASCII
)
_ISO_DATE = re.compile(r"^(\d{4})-(\d{1,2})-(\d{1,2})$", re.ASCII)


class ShortDateField(forms.Field):
    """A date in one box, for a row of a table where three boxes would not fit: typed as
    1/10/2023, 1-10-2023, 1 October 2023, 1 Oct 2023 or 2023-10-01."""

    widget = forms.TextInput
    FIRST, LAST = 2000, 2099

    def __init__(self, *, name: str, **kwargs):
        super().__init__(required=False, **kwargs)
        self.name = name

    def to_python(self, value) -> datetime.date | None:
        if isinstance(value, datetime.date):
            return value
        text = " ".join(str(value or "").split())
        if not text:
            return None
        subject = self.name[0].upper() + self.name[1:]
        example = f"{subject} must be a real date, like 1/10/2023"
        if match := _ISO_DATE.match(text):
            year, month, day = (int(part) for part in match.groups())
        elif match := _SHORT_DATE.match(text):
            day, month_text, year = match[1], match[2], match[3]
            month = int(month_text) if month_text.isdecimal() else MONTHS.get(month_text.lower())
            day, year = int(day), int(year)
            if month is None:
                raise ValidationError(example, code="invalid")
        else:
            raise ValidationError(example, code="invalid")
        try:
            date = datetime.date(year, month, day)
        except ValueError:
            raise ValidationError(example, code="invalid") from None
        if not self.FIRST <= date.year <= self.LAST:
            raise ValidationError(
                f"{subject} must be between {self.FIRST} and {self.LAST}", code="out_of_range"
            )
        return date

    def prepare_value(self, value):
        if isinstance(value, datetime.date):
            return f"{value.day}/{value.month}/{value.year}"
        return value

    def widget_attrs(self, widget):
        return {"class": "govuk-input--width-10", "spellcheck": "false", "autocomplete": "off"}


# Single forms ---------------------------------------------------------------------------


def page_form_helper(*fields) -> FormHelper:
    """A helper for a form inside a page's own <form>, which adds the CSRF token."""
    helper = FormHelper()
    helper.form_tag = False
    helper.disable_csrf = True
    helper.layout = Layout(*fields)
    return helper


class LockForm(forms.Form):
    """The case's lock_version as it was when the page was rendered."""

    lock_version = forms.IntegerField(min_value=0, widget=forms.HiddenInput)

    def seen_version(self) -> int | None:
        # A missing or mangled value counts as out of date: the save is refused.
        return self.cleaned_data["lock_version"] if self.is_valid() else None


class GovukRadioSelect(forms.RadioSelect):
    """Radios that a template of the service's own marks up as GOV.UK Frontend's macro
    does (approvals/iam/outcome_radios.html, public/register/_filters.html): the first
    radio has the field's own id, the others id-2, id-3 and so on. crispy-forms-gds
    numbers the radios it draws from 1 instead, and gives the field's id to none."""

    first_radio_has_field_id = True


def field_anchor(bound: forms.BoundField, error: str = "") -> str:
    """The id of the input an error is about, as the page renders it: a date's box in
    error, or the first radio or checkbox of a group (a group's fieldset has no id, and
    GOV.UK's error summary links to its first input)."""
    widget = bound.field.widget
    if isinstance(widget, forms.MultiWidget):
        # A date: the first box the message is attached to, or the day.
        boxes = [
            index
            for index, part in enumerate(bound.field.fields)
            if error in getattr(part.widget, "errors", [])
        ]
        return f"{bound.auto_id}_{boxes[0] if boxes else 0}"
    if getattr(widget, "first_radio_has_field_id", False):
        return bound.auto_id
    if isinstance(widget, forms.RadioSelect | forms.CheckboxSelectMultiple):
        # crispy-forms-gds's ids: id_<name>_1, id_<name>_2..., from the field's html_name.
        return f"id_{bound.html_name}_1"
    return bound.id_for_label


def first_field_anchor(form: forms.Form) -> str:
    visible = form.visible_fields()
    return field_anchor(visible[0]) if visible else "main-content"


def error_links(form: forms.Form) -> list[tuple[str, str]]:
    """A form's errors as (input id, message) pairs for the error summary, each linking to
    the input it is about (field_anchor); errors about the whole form, to its first."""
    links = [(first_field_anchor(form), error) for error in form.non_field_errors()]
    for bound in form.visible_fields():
        links += [(field_anchor(bound, error), error) for error in bound.errors]
    return links


class ErrorSummaryMixin:
    """A form that gives its error summary's links itself: see error_links."""

    def error_links(self) -> list[tuple[str, str]]:
        return error_links(self)
