"""Forms of the publication pages and of the grant agreement upload.

They check what people typed and say what is wrong in the GOV.UK Design System's words.
The rules of publication (who may publish, what is already published, what a correction
may change) stay in approvals.publication, and the checks of an uploaded file in
approvals.publication.agreements; the views show their refusals on these forms.
"""

import datetime

from crispy_forms_gds.layout import Button, Field, Size
from django import forms
from django.core.validators import MaxLengthValidator
from django.utils import timezone

from approvals import uploads
from approvals.publication import agreements, withdrawal
from approvals.publication.services import CORRECTABLE
from grants.forms import DateField, ErrorSummaryMixin, page_form_helper

# Deferred decisions are published at the start of the working day they are deferred to.
PUBLISH_AT = datetime.time(9, 0)
PUBLISH_AT_TEXT = "9am"  # PUBLISH_AT as people write it
# Further ahead than this is almost always a mistyped year (2062 for 2026).
DEFERRAL_HORIZON_YEARS = 5


def _submit(text: str, **kwargs) -> Button:
    # GOV.UK Frontend ignores a second click within a second, so a double click sends one
    # request (the services refuse a repeat anyway, with a message).
    return Button("submit", text, data_prevent_double_click="true", **kwargs)


def _text(label: str, *, limit: tuple[str, int], required: str | None = None, **kwargs):
    """Free text. The limit, (subject, characters), is checked on the server rather than
    with maxlength, which would make browsers cut pasted text short without saying so."""
    subject, characters = limit
    return forms.CharField(
        label=label,
        required=required is not None,
        widget=forms.Textarea,
        validators=[
            MaxLengthValidator(characters, f"{subject} must be {characters:,} characters or fewer")
        ],
        error_messages={"required": required} if required else None,
        **kwargs,
    )


class AgreementForm(ErrorSummaryMixin, forms.Form):
    """The signed grant agreement. Only its presence is checked here: what makes a file
    acceptable is approval.agreements' to say, whoever calls it."""

    file = forms.FileField(
        label="Upload the signed grant agreement",
        required=False,  # checked in clean_file, after the size limit
        allow_empty_file=True,
        # crispy-forms-gds styles this widget (not FileInput) as a GOV.UK file upload; with
        # no initial file it is a plain file input.
        widget=forms.ClearableFileInput(attrs={"accept": ".pdf,application/pdf"}),
    )

    def __init__(self, *args, too_large: bool = False, **kwargs):
        super().__init__(*args, **kwargs)
        # An upload over the limit is dropped while it is received (see
        # approvals.uploads.UploadLimit); this says why it is missing.
        self.too_large = too_large
        limit = uploads.size_label(uploads.max_bytes())
        self.fields["file"].help_text = f"A PDF, smaller than {limit}, without a password."
        self.helper = page_form_helper(
            Field("file", context={"label_size": Size.for_label(Size.MEDIUM)}),
            _submit("Upload the agreement"),
        )

    def clean_file(self):
        if self.too_large:
            raise forms.ValidationError(uploads.too_large_message())
        uploaded = self.cleaned_data.get("file")
        if not uploaded:
            raise forms.ValidationError(agreements.SELECT_A_FILE)
        return uploaded


class DeferForm(ErrorSummaryMixin, forms.Form):
    until = DateField(
        name="the date to publish on",
        required=True,
        label="Date to publish on",
        help_text=f"It will be published at {PUBLISH_AT_TEXT} on that day. For example, 27 3 2027",
    )
    reason = _text(
        "Why is publication being deferred?",
        required="Enter why publication is being deferred",
        limit=("The reason", 5_000),
        help_text="It is kept in the audit trail.",
    )

    def __init__(self, *args, secondary: bool = False, **kwargs):
        super().__init__(*args, **kwargs)
        # Secondary beside "Publish now"; the main action on a page of its own.
        button = {"css_class": "govuk-button--secondary"} if secondary else {}
        self.helper = page_form_helper(
            Field("until", context={"legend_size": Size.for_legend("s")}),
            Field.textarea("reason", label_size=Size.SMALL, rows=4),
            _submit("Defer publication", **button),
        )

    def clean_until(self) -> datetime.date:
        day = self.cleaned_data["until"]
        today = timezone.localdate()
        if day <= today:
            raise forms.ValidationError("The date to publish on must be in the future")
        if day > today + datetime.timedelta(days=366 * DEFERRAL_HORIZON_YEARS):
            raise forms.ValidationError(
                f"The date to publish on must be within the next {DEFERRAL_HORIZON_YEARS} years"
            )
        return day

    @property
    def publish_at(self) -> datetime.datetime:
        """The moment publication is deferred to, in London time."""
        return timezone.make_aware(
            datetime.datetime.combine(self.cleaned_data["until"], PUBLISH_AT)
        )


class CorrectionForm(ErrorSummaryMixin, forms.Form):
    """The correctable parts of the published decision record, as the current revision
    has them, and a note saying what the correction changes."""

    title = forms.CharField(
        label="Title",
        max_length=300,
        error_messages={
            "required": "Enter the title",
            "max_length": "The title must be 300 characters or fewer",
        },
    )
    reasons = _text("Reasons for the decision", limit=("The reasons", 10_000))
    alternatives_considered = _text(
        "Alternatives considered", limit=("The alternatives considered", 10_000)
    )
    legal_basis = _text(
        "Legal basis for publication",
        required="Enter the legal basis for publication",
        limit=("The legal basis", 2_000),
    )
    note = _text(
        "What does the correction change, and why?",
        required="Enter what the correction changes and why",
        limit=("The note", 5_000),
        help_text="The public sees this note with the corrected record. Earlier versions "
        "stay visible.",
    )
    # The revision the page showed: a correction of an older one would undo what was
    # published since, so the view refuses it.
    seen_revision = forms.IntegerField(widget=forms.HiddenInput, required=False)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.helper = page_form_helper(
            Field.text("title"),
            Field.textarea("reasons", rows=5),
            Field.textarea("alternatives_considered", rows=3),
            Field.textarea("legal_basis", rows=4),
            Field.textarea("note", label_size=Size.SMALL, rows=3),
            "seen_revision",
            _submit("Publish the correction"),
        )

    @property
    def changes(self) -> dict[str, str]:
        return {field: self.cleaned_data[field] for field in CORRECTABLE}


FIT = "fit"
NOT_FIT = "reject"


class AgreementReviewForm(ErrorSummaryMixin, forms.Form):
    """A publisher's review of an uploaded agreement: fit to publish, with every check of
    the checklist made, or not, with the reason its uploader is told."""

    checks = forms.MultipleChoiceField(
        label="Before it is published, check the agreement",
        choices=list(agreements.CHECKLIST.items()),
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text="Open the file above. Tick each check you have made.",
        error_messages={"invalid_choice": "Choose checks from the list"},
    )
    outcome = forms.ChoiceField(
        label="Is the agreement fit to publish?",
        choices=[
            (FIT, "Yes, publish it: I have made every check"),
            (NOT_FIT, "No, send it back to the person who uploaded it"),
        ],
        widget=forms.RadioSelect,
        error_messages={
            "required": "Select whether the agreement is fit to publish",
            "invalid_choice": "Select whether the agreement is fit to publish",
        },
    )
    reason = _text(
        "If not, why not?",
        limit=("The reason", 5_000),
        help_text="The person who uploaded it sees this on the case’s agreement page and on "
        "their staff home, and is emailed it.",
    )
    # The agreement the page showed: a newer upload since then is refused.
    agreement = forms.IntegerField(widget=forms.HiddenInput)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.helper = page_form_helper(
            Field.checkboxes("checks", legend_size=Size.MEDIUM),
            Field.radios("outcome", legend_size=Size.MEDIUM),
            Field.textarea("reason", label_size=Size.SMALL, rows=4),
            "agreement",
            _submit("Save the review"),
        )

    def clean(self):
        data = super().clean()
        outcome = data.get("outcome")
        if outcome == FIT and set(data.get("checks") or ()) != set(agreements.CHECKLIST):
            self.add_error("checks", agreements.TICK_EVERY_CHECK)
        if outcome == NOT_FIT and not (data.get("reason") or "").strip():
            self.add_error("reason", agreements.ENTER_A_REASON)
        return data


class WithdrawalForm(ErrorSummaryMixin, forms.Form):
    """Why a published revision or agreement is withdrawn: the reason the public reads."""

    reason = _text(
        "Why is it being withdrawn?",
        required=withdrawal.ENTER_A_REASON,
        limit=("The reason", withdrawal.MAX_REASON_LENGTH),
        help_text=(
            "This is shown on the public register. Say what kind of error it was, for example "
            "‘It named a member of the public’, without repeating the personal data or other "
            "detail that is being taken down."
        ),
    )

    def __init__(self, *args, submit: str, **kwargs):
        super().__init__(*args, **kwargs)
        self.helper = page_form_helper(
            Field.textarea("reason", label_size=Size.MEDIUM, rows=4),
            _submit(submit, css_class="govuk-button--warning"),
        )
