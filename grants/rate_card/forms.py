"""The form of a rate card entry."""

from crispy_forms_gds.layout import Button, Field
from django import forms

from grants.forms import (
    MONEY_HINT,
    ErrorSummaryMixin,
    FinancialYearField,
    MoneyField,
    page_form_helper,
)


def _submit(text: str) -> Button:
    return Button("submit", text, data_prevent_double_click="true")


class RateForm(ErrorSummaryMixin, forms.Form):
    grade = forms.CharField(
        label="Grade or rank",
        max_length=120,
        help_text="As grants managers enter it in a unit’s posts, for example Band D or "
        "Detective Constable. Capital letters do not matter.",
        error_messages={
            "required": "Enter the grade or rank",
            "max_length": "The grade or rank must be 120 characters or fewer",
        },
    )
    financial_year = FinancialYearField(
        label="Financial year",
        help_text="For example, 2023/24.",
        error_messages={"required": "Enter the financial year, like 2023/24"},
    )
    annual_cost = MoneyField(
        label="Annual cost",
        help_text=f"What one full-time post of this grade costs a year. {MONEY_HINT}.",
        error_messages={"required": "Enter the annual cost"},
    )
    # When the entry was last changed, as the page saw it: a change made meanwhile by
    # someone else is refused rather than overwritten.
    seen = forms.CharField(required=False, widget=forms.HiddenInput)

    def __init__(self, *args, submit: str, **kwargs):
        super().__init__(*args, **kwargs)
        self.helper = page_form_helper(
            Field.text("grade", field_width=20),
            Field.text("financial_year"),
            Field.text("annual_cost"),
            Field("seen"),
            _submit(submit),
        )
