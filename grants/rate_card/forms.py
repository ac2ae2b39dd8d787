"""The form of a rate card entry, and the offer letter upload."""

from crispy_forms_gds.layout import Button, Field, Size
from django import forms

from approvals import uploads
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


SELECT_A_LETTER = "Select the offer letter"


class OfferLetterForm(ErrorSummaryMixin, forms.Form):
    """The funder's offer letter. Only its presence is checked here: what makes a file
    acceptable is approvals.uploads' to say."""

    file = forms.FileField(
        label="Upload the offer letter",
        required=False,  # checked in clean_file, after the size limit
        allow_empty_file=True,
        widget=forms.ClearableFileInput(attrs={"accept": ".pdf,application/pdf"}),
    )

    def __init__(self, *args, too_large: bool = False, **kwargs):
        super().__init__(*args, **kwargs)
        self.too_large = too_large
        limit = uploads.size_label(uploads.max_bytes())
        self.fields["file"].help_text = (
            f"A PDF, smaller than {limit}, without a password. Reviewers of the case can "
            "read it; it is never published."
        )
        self.helper = page_form_helper(
            Field("file", context={"label_size": Size.for_label(Size.MEDIUM)}),
            _submit("Upload the offer letter"),
        )

    def clean_file(self):
        if self.too_large:
            raise forms.ValidationError(uploads.too_large_message())
        uploaded = self.cleaned_data.get("file")
        if not uploaded:
            raise forms.ValidationError(SELECT_A_LETTER)
        return uploaded
