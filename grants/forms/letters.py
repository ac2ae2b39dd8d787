"""The offer letter upload."""

from crispy_forms_gds.layout import Button, Field, Size
from django import forms

from approvals import uploads
from grants.forms.fields import ErrorSummaryMixin, page_form_helper

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
            Button("submit", "Upload the letter", data_prevent_double_click="true"),
        )

    def clean_file(self):
        if self.too_large:
            raise forms.ValidationError(uploads.too_large_message())
        uploaded = self.cleaned_data.get("file")
        if not uploaded:
            raise forms.ValidationError(SELECT_A_LETTER)
        return uploaded
