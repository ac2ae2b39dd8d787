"""Tables of rows: posts, cost lines, units, offers and recommendations. Each is a formset of
plain forms, not model forms: a model form runs a database query per check constraint per
row, and a unit with 40 posts must save in a fixed number of queries."""

from collections.abc import Sequence
from decimal import Decimal
from typing import Any

from crispy_forms_gds.layout import Field, Fieldset, Size
from django import forms
from django.core.exceptions import ValidationError
from django.forms.formsets import DELETION_FIELD_NAME, ORDERING_FIELD_NAME

from grants.forms.fields import (
    MONEY_HINT,
    PUBLISHED,
    DateField,
    FinancialYearField,
    FteField,
    MoneyField,
    ShortDateField,
    page_form_helper,
)
from grants.money import (
    financial_year_label,
)
from grants.services import RowEdit

OUT_OF_DATE = (
    "This page is out of date: a row on it has been changed or removed since you opened it. "
    "Reload the page and enter your changes again."
)


class RowForm(forms.Form):
    """One row of an editable table. `number` counts rows from 1, as people do (or is a
    placeholder in the row a script copies)."""

    noun = "Row"
    # The model fields this form edits, read from a row and handed to the service.
    saves: tuple[str, ...] = ()
    id = forms.IntegerField(required=False, widget=forms.HiddenInput)

    def __init__(self, *args, number: int | str, **kwargs):
        super().__init__(*args, **kwargs)
        self.number = number

    @property
    def row_label(self) -> str:
        return f"{self.noun} {self.number}"

    @property
    def is_new(self) -> bool:
        return not self.initial.get("id")

    def remove_checkbox(self) -> list[Field]:
        # The formset adds a "remove" box to saved rows only; a new row is left blank.
        return [] if self.is_new else [Field.checkbox(DELETION_FIELD_NAME, small=True)]

    @classmethod
    def initial_for(cls, row) -> dict:
        return {"id": row.pk} | {name: getattr(row, name) for name in cls.saves}

    def values(self) -> dict[str, Any]:
        return {name: self.cleaned_data[name] for name in self.saves}


class RowFormSet(forms.BaseFormSet):
    """Rows of a table that people add to, change and remove in one submission."""

    default_error_messages = {
        "missing_management_form": OUT_OF_DATE,
        "too_many_forms": "You can enter up to %(num)d rows at once",
        "too_few_forms": "Enter at least %(num)d rows",
    }

    NUMBER = "__number__"

    def __init__(self, data=None, *, rows: Sequence, prefix: str, **kwargs):
        self.rows = {row.pk: row for row in rows}
        initial = [self.form.initial_for(row) for row in rows]
        super().__init__(data, initial=initial, prefix=prefix, **kwargs)

    def get_form_kwargs(self, index):
        # The empty form (index None) is the row a script copies to add one: it fills in
        # the row's number where the form says NUMBER.
        number = self.NUMBER if index is None else index + 1
        return {**super().get_form_kwargs(index), "number": number}

    def clean(self):
        seen = set()
        for form in self.forms:
            row_id = form.cleaned_data.get("id")
            if row_id is not None and (row_id not in self.rows or row_id in seen):
                raise ValidationError(OUT_OF_DATE, code="unknown_row")
            seen.add(row_id)

    def kept_forms(self) -> list[RowForm]:
        """Rows to keep, in the order they will be saved; blank new rows are skipped."""
        kept = [
            form
            for form in self.forms
            if form.cleaned_data and not form.cleaned_data.get(DELETION_FIELD_NAME)
        ]
        if self.can_order:
            # Rows without a number keep their place, after the numbered rows.
            def number(form):
                order = form.cleaned_data.get(ORDERING_FIELD_NAME)
                return (order is None, order or 0)

            kept.sort(key=number)
        return kept

    def row_edits(self) -> list[RowEdit]:
        return [RowEdit(form.cleaned_data["id"], form.values()) for form in self.kept_forms()]

    def add_fields(self, form, index):
        super().add_fields(form, index)
        if DELETION_FIELD_NAME in form.fields:
            form.fields[DELETION_FIELD_NAME].label = f"Remove {form.row_label.lower()}"


def row_formset(
    form: type[RowForm],
    *,
    extra: int,
    max_rows: int = 200,
    formset: type[RowFormSet] = RowFormSet,
    **kwargs,
):
    return forms.formset_factory(
        form,
        formset=formset,
        extra=extra,
        can_delete=True,
        can_delete_extra=False,
        max_num=max_rows,
        validate_max=True,
        absolute_max=max_rows + 50,
        **kwargs,
    )


def _money(label: str, required_message: str | None = None, **kwargs) -> MoneyField:
    return MoneyField(
        label=label,
        required=required_message is not None,
        error_messages={"required": required_message} if required_message else None,
        **kwargs,
    )


class PostForm(RowForm):
    noun = "Post"
    saves = ("group", "grade", "annual_cost", "grant_fte", "match_fte", "starts_on", "ends_on")
    group = forms.CharField(
        label="Group (optional)",
        max_length=200,
        required=False,
        widget=forms.TextInput(attrs={"class": "govuk-input--width-20"}),
        error_messages={"max_length": "The group must be 200 characters or fewer"},
    )
    grade = forms.CharField(
        label="Grade or rank",
        max_length=120,
        widget=forms.TextInput(attrs={"class": "govuk-input--width-20"}),
        error_messages={
            "required": "Enter the grade or rank",
            "max_length": "The grade or rank must be 120 characters or fewer",
        },
    )
    annual_cost = _money("Annual cost", "Enter the annual cost")
    grant_fte = FteField(
        label="Grant-funded FTE", error_messages={"required": "Enter the grant-funded FTE"}
    )
    match_fte = FteField(label="Match-funded FTE", required=False)
    starts_on = ShortDateField(name="the start date", label="Starts (optional)")
    ends_on = ShortDateField(name="the end date", label="Ends (optional)")

    def clean(self):
        data = super().clean()
        start, end = data.get("starts_on"), data.get("ends_on")
        if start and end and end < start:
            self.add_error("ends_on", "The end date must be the same as or after the start date")
        return data

    def values(self):
        # A blank match-funded FTE means the post has no match funding.
        return super().values() | {"match_fte": self.cleaned_data["match_fte"] or Decimal(0)}


class CostLineForm(RowForm):
    noun = "Cost line"
    saves = ("description", "amount", "financial_year")
    description = forms.CharField(
        label="Description",
        max_length=200,
        widget=forms.TextInput(attrs={"class": "govuk-input--width-30"}),
        error_messages={
            "required": "Enter what the cost is for, like ‘Overtime’",
            "max_length": "The description must be 200 characters or fewer",
        },
    )
    amount = _money("Amount", "Enter the amount")
    financial_year = FinancialYearField(label="Financial year (optional)", required=False)


class UnitForm(RowForm):
    noun = "Unit"
    saves = ("name", "grant_allocation")
    name = forms.CharField(
        label="Name",
        max_length=200,
        widget=forms.TextInput(attrs={"class": "govuk-input--width-30"}),
        error_messages={
            "required": "Enter the unit’s name",
            "max_length": "The unit’s name must be 200 characters or fewer",
        },
    )
    grant_allocation = _money("Grant allocation", "Enter the unit’s grant allocation")

    def __init__(self, *args, other_years: Sequence[int] = (), **kwargs):
        super().__init__(*args, **kwargs)
        self.other_years = list(other_years)
        for year in self.other_years:
            self.fields[self.allocation_field(year)] = _money(
                f"Grant allocation for {financial_year_label(year)} (optional)"
            )

    @staticmethod
    def allocation_field(year: int) -> str:
        return f"allocation_{year}"

    @property
    def year_fields(self) -> list[forms.BoundField]:
        return [self[self.allocation_field(year)] for year in self.other_years]

    @classmethod
    def initial_for(cls, unit) -> dict:
        return super().initial_for(unit) | {
            cls.allocation_field(allocation.financial_year): allocation.amount
            for allocation in unit.year_allocations.all()
        }

    def values(self):
        # Other years' allocations by year; a blank one is no allocation for that year.
        allocations = {
            year: self.cleaned_data[self.allocation_field(year)] for year in self.other_years
        }
        return super().values() | {"year_allocations": allocations}


class BaseUnitFormSet(RowFormSet):
    def __init__(self, data=None, *, other_years: Sequence[int] = (), **kwargs):
        self.other_years = sorted(other_years)
        super().__init__(data, **kwargs)

    def get_form_kwargs(self, index):
        return {**super().get_form_kwargs(index), "other_years": self.other_years}

    def clean(self):
        super().clean()
        names: dict[str, RowForm] = {}
        for form in self.kept_forms():
            name = form.cleaned_data.get("name", "").strip()
            if not name:
                continue
            earlier = names.setdefault(name.casefold(), form)
            if earlier is not form:
                form.add_error(
                    "name",
                    f"{earlier.row_label} is already called ‘{name}’. Give each unit a "
                    "different name.",
                )


class OfferForm(RowForm):
    noun = "Offer"
    saves = (
        "amount",
        "financial_year",
        "period_start",
        "period_end",
        "offer_date",
        "conditions",
    )
    funder = forms.TypedChoiceField(
        label="Funder",
        required=False,
        error_messages={"invalid_choice": "Choose a funder from the list"},
    )
    new_funder = forms.CharField(
        label="Or enter the name of a funder that is not in the list",
        max_length=200,
        required=False,
        help_text=PUBLISHED,
        error_messages={"max_length": "The funder’s name must be 200 characters or fewer"},
    )
    scheme = forms.TypedChoiceField(
        label="Grant scheme (optional)",
        required=False,
        error_messages={"invalid_choice": "Choose a grant scheme from the list"},
    )
    amount = _money("Amount offered", "Enter the amount offered", help_text=MONEY_HINT)
    financial_year = FinancialYearField(
        label="Financial year",
        help_text="The year the money is for, for example 2023/24.",
        error_messages={"required": "Enter the financial year the money is for, like 2023/24"},
    )
    period_start = DateField(
        name="the start of the grant period",
        label="Grant period starts (optional)",
        help_text="For example, 1 4 2023",
    )
    period_end = DateField(
        name="the end of the grant period",
        label="Grant period ends (optional)",
        help_text="For example, 31 3 2024",
    )
    offer_date = DateField(
        name="the date of the offer",
        label="Date of the offer (optional)",
        help_text="The date on the funder’s offer letter, for example 1 9 2023",
    )
    conditions = forms.CharField(
        label="Conditions (optional)",
        required=False,
        widget=forms.Textarea,
        help_text=f"{PUBLISHED} Any conditions the funder attaches to the offer.",
    )
    # Shown only on an offer whose amount was carried forward from an earlier decision.
    amount_confirmed = forms.BooleanField(
        required=False,
        help_text="The amount is the earlier decision’s, carried forward. Tick this when the "
        "funder has confirmed it, or enter the amount the funder has confirmed.",
    )

    def __init__(self, *args, funders: Sequence, schemes: Sequence, **kwargs):
        super().__init__(*args, **kwargs)
        self.funders_by_name = {funder.name.casefold(): funder for funder in funders}
        _choose(self.fields["funder"], funders, "Choose a funder")
        _choose(self.fields["scheme"], schemes, "No scheme")
        self.to_be_confirmed = bool(self.initial.get("amount_to_be_confirmed"))
        if self.to_be_confirmed:
            self.fields[
                "amount_confirmed"
            ].label = f"The funder has confirmed the amount of {self.row_label.lower()}"
        else:
            del self.fields["amount_confirmed"]
        legend = "New offer" if self.is_new else self.row_label
        self.helper = page_form_helper(
            Fieldset(
                Field.select("funder"),
                Field.text("new_funder", field_width="two-thirds"),
                Field.select("scheme"),
                Field.text("amount"),
                *([Field.checkbox("amount_confirmed", small=True)] if self.to_be_confirmed else []),
                Field.text("financial_year"),
                Field("period_start"),
                Field("period_end"),
                Field("offer_date"),
                Field.textarea("conditions", rows=3),
                *self.remove_checkbox(),
                legend=legend,
                legend_size=Size.MEDIUM,
                legend_tag="h2",
            )
        )

    @classmethod
    def initial_for(cls, offer) -> dict:
        return super().initial_for(offer) | {
            "funder": str(offer.funder_id),
            "scheme": str(offer.scheme_id or ""),
            "amount_to_be_confirmed": offer.amount_to_be_confirmed,
        }

    def clean(self):
        data = super().clean()
        name = data.get("new_funder", "").strip()
        if "funder" in data and "new_funder" in data:
            if data["funder"] and name:
                self.add_error(
                    "new_funder", "Choose a funder from the list or enter a new one, not both"
                )
            elif not data["funder"] and not name:
                self.add_error("funder", "Choose the funder, or enter the name of a new funder")
            elif name.casefold() in self.funders_by_name:
                # A typed name of a funder already in the list means that funder.
                data["funder"], data["new_funder"] = self.funders_by_name[name.casefold()], ""
        start, end = data.get("period_start"), data.get("period_end")
        if start and end and end < start:
            self.add_error("period_end", "The grant period must end after it starts")
        return data

    def values(self):
        data = self.cleaned_data
        return super().values() | {
            "funder": data["funder"],
            "new_funder": data["new_funder"].strip(),
            "scheme": data["scheme"],
            "amount_confirmed": data.get("amount_confirmed", False),
        }

    def funder_key(self) -> str | None:
        """Who the offer is from, for spotting two offers from one funder in one year."""
        funder, name = self.cleaned_data.get("funder"), self.cleaned_data.get("new_funder")
        return f"id:{funder.pk}" if funder else (f"name:{name.casefold()}" if name else None)


def _choose(field: forms.TypedChoiceField, objects: Sequence, empty: str) -> None:
    """Choices from a list the formset loads once, rather than a query per row."""
    by_pk = {str(obj.pk): obj for obj in objects}

    def coerce(pk):
        try:
            return by_pk[str(pk)]
        except KeyError:
            raise ValidationError(field.error_messages["invalid_choice"]) from None

    field.choices = [("", empty), *((pk, str(obj)) for pk, obj in by_pk.items())]
    field.coerce = coerce
    field.empty_value = None


class BaseOfferFormSet(RowFormSet):
    def __init__(self, data=None, *, default_year: int, **kwargs):
        self.default_year = default_year
        super().__init__(data, **kwargs)

    def row_edits(self) -> list[RowEdit]:
        """An offer carried forward stays to be confirmed until its box is ticked or its
        amount is changed: entering the confirmed amount confirms it."""
        edits = []
        for edit in super().row_edits():
            values = dict(edit.values)
            confirmed = values.pop("amount_confirmed")
            saved = self.rows.get(edit.id)
            values["amount_to_be_confirmed"] = bool(
                saved is not None
                and saved.amount_to_be_confirmed
                and not confirmed
                and values["amount"] == saved.amount
            )
            edits.append(RowEdit(edit.id, values))
        return edits

    def get_form_kwargs(self, index):
        kwargs = super().get_form_kwargs(index)
        if index is not None and index >= self.initial_form_count():
            kwargs["initial"] = {"financial_year": self.default_year}
        return kwargs

    def clean(self):
        super().clean()
        seen: dict[tuple[str, int], RowForm] = {}
        for form in self.kept_forms():
            key, year = form.funder_key(), form.cleaned_data.get("financial_year")
            if key is None or year is None:
                continue
            earlier = seen.setdefault((key, year), form)
            if earlier is not form:
                data = form.cleaned_data
                form.add_error(
                    "funder" if data["funder"] else "new_funder",
                    f"{earlier.row_label} is already from {data['funder'] or data['new_funder']} "
                    f"for {financial_year_label(year)}. Put one funder’s money for one year in "
                    "one offer.",
                )


class RecommendationForm(RowForm):
    noun = "Recommendation"
    saves = ("text", "is_standing_authority", "annual_cap", "ends_on")
    text = forms.CharField(
        label="What is the DMPC asked to approve?",
        widget=forms.Textarea,
        help_text=f"{PUBLISHED} For example, ‘Approve the acceptance of OCS Grant totalling "
        "£1.701m in 2023/24.’",
        error_messages={"required": "Enter the recommendation"},
    )
    is_standing_authority = forms.BooleanField(
        label="This is a standing authority to accept future offers",
        required=False,
    )
    annual_cap = _money(
        "Most that can be accepted each year",
        help_text="Only for a standing authority. " + MONEY_HINT,
    )
    ends_on = DateField(
        name="the date the standing authority ends",
        label="Standing authority ends on",
        help_text="Only for a standing authority. For example, 31 3 2027",
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        legend = "New recommendation" if self.is_new else self.row_label
        self.helper = page_form_helper(
            Fieldset(
                Field.text(ORDERING_FIELD_NAME, field_width=2),
                Field.textarea("text", rows=3),
                Field.checkbox("is_standing_authority", small=True),
                Field.text("annual_cap"),
                Field("ends_on"),
                *self.remove_checkbox(),
                legend=legend,
                legend_size=Size.MEDIUM,
                legend_tag="h2",
            )
        )

    def clean(self):
        data = super().clean()
        if data.get("is_standing_authority"):
            if "annual_cap" in data and data["annual_cap"] is None:
                self.add_error("annual_cap", "Enter the most that can be accepted each year")
            if "ends_on" in data and data["ends_on"] is None:
                self.add_error("ends_on", "Enter the date the standing authority ends")
        else:
            for name in ("annual_cap", "ends_on"):
                if data.get(name) is not None:
                    self.add_error(
                        name,
                        "Select ‘standing authority’ if this recommendation is one, or "
                        f"remove the {'annual cap' if name == 'annual_cap' else 'end date'}",
                    )
        return data


class BaseRecommendationFormSet(RowFormSet):
    def add_fields(self, form, index):
        super().add_fields(form, index)
        order = form.fields[ORDERING_FIELD_NAME]
        order.label = "Number"
        order.widget = forms.TextInput(attrs={"inputmode": "numeric", "autocomplete": "off"})
        order.help_text = "Change the numbers to put the recommendations in a different order."
        order.error_messages["invalid"] = "The number must be a whole number, like 2"


PostFormSet = row_formset(PostForm, extra=3)
CostLineFormSet = row_formset(CostLineForm, extra=2, max_rows=50)
UnitFormSet = row_formset(UnitForm, formset=BaseUnitFormSet, extra=2, max_rows=50)
OfferFormSet = row_formset(OfferForm, formset=BaseOfferFormSet, extra=1, max_rows=20)
RecommendationFormSet = row_formset(
    RecommendationForm, formset=BaseRecommendationFormSet, extra=1, max_rows=20, can_order=True
)
