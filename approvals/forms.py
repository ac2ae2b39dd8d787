"""Forms of the workflow's staff pages: IAM meetings and outcomes, clearance, questions
on a case, the DMPC's decision, withdrawal, related decisions and standing-authority
acceptances.

They check what people typed and say what is wrong in the GOV.UK Design System's words;
the workflow's own rules (who may act, in which state, on which version) stay in
approvals.workflow and approvals.services, whose refusals the views show on the same forms.
"""

import calendar
import datetime
import re

from crispy_forms.utils import TEMPLATE_PACK, render_field
from crispy_forms_gds.helper import FormHelper
from crispy_forms_gds.layout import (
    Button,
    ConditionalQuestion,
    ConditionalRadios,
    Field,
    Layout,
    Size,
)
from django import forms
from django.core.validators import MaxLengthValidator
from django.db.models import QuerySet
from django.template.loader import render_to_string
from django.utils import timezone
from django.utils.safestring import mark_safe

from approvals.models import (
    ForwardPlanEntry,
    IamOutcome,
    QuestionKind,
    RelatedDecisionKind,
    SignOffOutcome,
)
from approvals.models.questions import TEXT_LIMIT as QUESTION_TEXT_LIMIT
from approvals.services import IAM_NOTE_REQUIRED
from grants.forms import (
    DateField,
    ErrorSummaryMixin,
    FinancialYearField,
    GovukRadioSelect,
    LockForm,
    MoneyField,
    page_form_helper,
)
from grants.sections import PART_1_SECTIONS

# How far ahead a meeting may be dated: further than this is almost always a typo in the
# year (2062 for 2026), and a meeting that far off has no agenda yet.
MEETING_HORIZON_YEARS = 2
EARLIEST_MEETING = datetime.date(2000, 1, 1)
# How far ahead the forward plan looks; a month beyond it is a typo in the year.
PLAN_HORIZON_YEARS = 5


def _submit(text: str) -> Button:
    # GOV.UK Frontend ignores a second click within a second, so a double click sends one
    # request (the services refuse a repeat anyway, with a message).
    return Button("submit", text, data_prevent_double_click="true")


def _too_long(subject: str, limit: int) -> MaxLengthValidator:
    return MaxLengthValidator(limit, f"{subject} must be {limit:,} characters or fewer")


def _text(label: str, *, required: str | None = None, limit: tuple[str, int] | None = None, **kw):
    """Free text. A limit, (subject, characters), is checked on the server rather than with
    maxlength, which would make browsers cut pasted text short without saying so."""
    return forms.CharField(
        label=label,
        required=required is not None,
        widget=forms.Textarea,
        validators=[_too_long(*limit)] if limit else [],
        error_messages={"required": required} if required else None,
        **kw,
    )


class SeenVersionField(forms.IntegerField):
    """The number of the version the page showed, sent back so that the services refuse to
    act if the case has moved on. A missing or mangled value becomes 0, which matches no
    version: the action is refused as out of date rather than done unchecked."""

    widget = forms.HiddenInput

    def __init__(self, **kwargs):
        super().__init__(required=False, **kwargs)

    def to_python(self, value) -> int:
        try:
            number = super().to_python(value)
        except forms.ValidationError:
            return 0
        return number if number and number > 0 else 0


# IAM ------------------------------------------------------------------------------------


class MeetingForm(ErrorSummaryMixin, forms.Form):
    date = DateField(
        name="the date of the meeting",
        required=True,
        label="Date of the meeting",
        help_text="For example, 20 11 2026",
    )
    time = forms.TimeField(
        label="Time",
        help_text="Use the 24-hour clock, for example 10:00 or 14:30",
        input_formats=["%H:%M", "%H.%M", "%H%M"],
        widget=forms.TextInput(attrs={"inputmode": "numeric", "autocomplete": "off"}),
        error_messages={
            "required": "Enter the time of the meeting",
            "invalid": "Enter the time of the meeting as hours and minutes, like 14:30",
        },
    )
    place = forms.CharField(
        label="Place",
        help_text="The room and building, or how to join online.",
        max_length=200,
        error_messages={
            "required": "Enter where the meeting is held",
            "max_length": "The place must be 200 characters or fewer",
        },
    )
    invitees = _text(
        "Who is invited",
        required="Enter who is invited to the meeting",
        limit=("The list of who is invited", 5_000),
        help_text="Names and roles, one a line. You record who attended with the outcomes.",
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.helper = page_form_helper(
            Field("date", context={"legend_size": Size.for_legend("m")}),
            Field.text("time", label_size=Size.MEDIUM, field_width=5),
            Field.text("place", label_size=Size.MEDIUM),
            Field.textarea("invitees", label_size=Size.MEDIUM, rows=5),
            _submit("Record the meeting"),
        )

    def clean_date(self) -> datetime.date:
        date = self.cleaned_data["date"]
        latest = timezone.localdate() + datetime.timedelta(days=366 * MEETING_HORIZON_YEARS)
        if date < EARLIEST_MEETING:
            raise forms.ValidationError("The date of the meeting must be in 2000 or later")
        if date > latest:
            raise forms.ValidationError(
                f"The date of the meeting must be within the next {MEETING_HORIZON_YEARS} years"
            )
        return date


class AgendaForm(ErrorSummaryMixin, forms.Form):
    case = forms.ModelChoiceField(
        queryset=None,
        label="Case waiting for IAM",
        error_messages={
            "required": "Choose a case to add to the agenda",
            "invalid_choice": "Choose a case from the list",
        },
    )

    def __init__(self, *args, waiting: QuerySet, visible: QuerySet, **kwargs):
        super().__init__(*args, **kwargs)
        field = self.fields["case"]
        # The list offers only the cases waiting for IAM, but any case the person can see
        # is accepted, so that one which moved on since the page was loaded gets the
        # service's own reason ("already on an IAM agenda") rather than "not in the list".
        field.queryset = visible
        field.choices = [
            ("", "Choose a case"),
            *((case.pk, f"{case.title} (version {case.version_number})") for case in waiting),
        ]
        self.helper = page_form_helper(Field.select("case"), _submit("Add to the agenda"))


class OutcomeRadios(ConditionalRadios):
    """Radios whose chosen radio reveals its questions, marked up as GOV.UK Frontend 5
    expects; without scripts every question shows. crispy-forms-gds's own templates
    number the radios from 0, give every radio aria-controls (pointing at nothing for
    those without a question) and leave the field's id on no input, so error summary
    links go nowhere."""

    template = "includes/revealing_radios.html"

    def __init__(self, field, *choices, legend_size="m", inline=False):
        super().__init__(field, *choices)
        self.legend_size = legend_size
        self.inline = inline

    def render(self, form, context, template_pack=TEMPLATE_PACK, **kwargs):
        bound = form[self.field]
        # Each choice is HTML rendered by OutcomeChoice from escaped values.
        choices = mark_safe(self.render_choices(bound, form, context, template_pack, **kwargs))
        return render_to_string(
            self.template,
            {
                **context.flatten(),
                "field": bound,
                "choices": choices,
                "legend_size": self.legend_size,
                "inline": self.inline,
            },
        )


class OutcomeChoice(ConditionalQuestion):
    """One radio of OutcomeRadios, with the fields it reveals when chosen."""

    template = "includes/revealing_choice.html"

    def render(self, bound_field, form, context, template_pack=TEMPLATE_PACK, **kwargs):
        choices = list(bound_field.field.choices)
        position = [label for _, label in choices].index(self.value)
        value = choices[position][0]
        revealed = mark_safe(  # fields rendered by crispy's own templates
            "".join(
                render_field(field, form, context, template_pack=template_pack, **kwargs)
                for field in self.fields
            )
        )
        # GOV.UK Frontend's ids: the first radio has the field's own id, the rest -2, -3...
        input_id = bound_field.auto_id + (f"-{position + 1}" if position else "")
        return render_to_string(
            self.template,
            {
                "field": bound_field,
                "input_id": input_id,
                "value": value,
                "label": self.value,
                "checked": str(bound_field.value()) == str(value),
                "revealed": revealed,
            },
        )


class OutcomeForm(ErrorSummaryMixin, forms.Form):
    # Each outcome that needs a note: the field it is written in, and what it is called.
    NOTES = {
        IamOutcome.ENDORSED_WITH_CONDITIONS: ("conditions", "The conditions"),
        IamOutcome.RETURNED: ("changes", "What needs to change"),
        IamOutcome.NOT_SUPPORTED: ("reasons", "The reasons"),
    }
    NOTE_LIMIT = 10_000

    outcome = forms.ChoiceField(
        label="What did the meeting advise?",
        choices=[
            (IamOutcome.ENDORSED.value, "Endorse"),
            (IamOutcome.ENDORSED_WITH_CONDITIONS.value, "Endorse with conditions"),
            (IamOutcome.RETURNED.value, "Return for changes"),
            (IamOutcome.NOT_SUPPORTED.value, "Not supported"),
        ],
        widget=GovukRadioSelect,
        error_messages={
            "required": "Choose what the meeting advised",
            "invalid_choice": "Choose what the meeting advised",
        },
    )
    # Checked in clean(), and only for the chosen outcome: the others' notes are hidden,
    # and not sent on, so nothing in them can be wrong.
    conditions = _text("Conditions")
    changes = _text(
        "What needs to change",
        help_text="The grants manager sees this when the case returns to draft.",
    )
    reasons = _text("Why IAM does not support it")
    attendees = _text(
        "Who attended",
        required="Enter who attended the meeting",
        limit=("The list of who attended", 5_000),
        help_text="Names and roles, one a line. Change the list of who was invited to "
        "show who came.",
    )
    minutes = _text(
        "Minutes on this case (optional)",
        limit=("The minutes", 50_000),
        help_text="Seen by MOPAC staff only; never published.",
    )
    seen_version = SeenVersionField()

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.helper = page_form_helper(
            OutcomeRadios(
                "outcome",
                OutcomeChoice("Endorse"),
                OutcomeChoice("Endorse with conditions", Field.textarea("conditions", rows=4)),
                OutcomeChoice("Return for changes", Field.textarea("changes", rows=4)),
                OutcomeChoice("Not supported", Field.textarea("reasons", rows=4)),
            ),
            Field.textarea("attendees", label_size=Size.MEDIUM, rows=5),
            Field.textarea("minutes", label_size=Size.MEDIUM, rows=8),
            "seen_version",
            _submit("Record the outcome"),
        )

    def clean(self):
        data = super().clean()
        outcome = data.get("outcome")
        if outcome not in self.NOTES:
            return data
        field, subject = self.NOTES[outcome]
        if not data.get(field):
            self.add_error(field, IAM_NOTE_REQUIRED[outcome])
        else:
            try:
                _too_long(subject, self.NOTE_LIMIT)(data[field])
            except forms.ValidationError as error:
                self.add_error(field, error)
        return data

    @property
    def chosen_outcome(self) -> IamOutcome:
        return IamOutcome(self.cleaned_data["outcome"])

    @property
    def note(self) -> str:
        """The note written for the chosen outcome; notes typed under another outcome
        before the choice changed are not what the meeting said, so they are dropped."""
        if self.chosen_outcome not in self.NOTES:
            return ""
        return self.cleaned_data[self.NOTES[self.chosen_outcome][0]]


# Clearance ------------------------------------------------------------------------------


class SignOffForm(ErrorSummaryMixin, forms.Form):
    outcome = forms.ChoiceField(
        label="Do you clear it?",
        choices=SignOffOutcome.choices,
        widget=GovukRadioSelect,
        error_messages={
            "required": "Choose whether you clear it",
            "invalid_choice": "Choose whether you clear it",
        },
    )
    # One text for each outcome that needs one, so that each is labelled for what it is;
    # only the chosen outcome's text is checked and recorded (see `text`).
    advice = _text(
        "Your advice",
        limit=("Your advice", 20_000),
        help_text="It is recorded with your name and the time, and the DMPC reads it "
        "before deciding.",
    )
    reason = _text(
        "Why you cannot clear it",
        limit=("The reason", 20_000),
        help_text="The DMPC office reads it, and returns the case to its grants managers.",
    )
    seen_version = SeenVersionField()

    TEXTS = {
        SignOffOutcome.CLEARED_WITH_ADVICE: ("advice", "Enter your advice"),
        SignOffOutcome.NOT_CLEARED: ("reason", "Enter the reason you cannot clear it"),
    }

    def __init__(self, *args, area_label: str, **kwargs):
        super().__init__(*args, **kwargs)
        labels = dict(SignOffOutcome.choices)
        self.helper = page_form_helper(
            OutcomeRadios(
                "outcome",
                OutcomeChoice(labels[SignOffOutcome.CLEARED]),
                OutcomeChoice(
                    labels[SignOffOutcome.CLEARED_WITH_ADVICE],
                    Field.textarea("advice", rows=8),
                ),
                OutcomeChoice(labels[SignOffOutcome.NOT_CLEARED], Field.textarea("reason", rows=8)),
            ),
            "seen_version",
            _submit(f"Sign off {area_label.lower()}"),
        )

    def clean(self):
        cleaned = super().clean()
        needed = self.TEXTS.get(cleaned.get("outcome"))
        if needed is not None and not cleaned.get(needed[0]):
            self.add_error(needed[0], needed[1])
        return cleaned

    @property
    def text(self) -> str:
        """The advice or reason written for the chosen outcome; a text typed under another
        outcome before the choice changed is not what the adviser said, so it is dropped."""
        needed = self.TEXTS.get(self.cleaned_data["outcome"])
        return self.cleaned_data[needed[0]] if needed else ""


class MarkReadyForm(forms.Form):
    seen_version = SeenVersionField()

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.helper = page_form_helper("seen_version", _submit("Mark ready for decision"))


class OfficeReturnForm(ErrorSummaryMixin, forms.Form):
    reasons = _text(
        "Why are you returning the case?",
        required="Enter the reasons to return the case",
        limit=("The reasons", 10_000),
        help_text="The case’s grants managers see these reasons beside the case until "
        "they submit it again.",
    )
    sections = forms.MultipleChoiceField(
        label="Which sections need changing? (optional)",
        choices=[(section.field, section.title) for section in PART_1_SECTIONS],
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text="Their grants managers see these sections marked on the case’s task list.",
        error_messages={"invalid_choice": "Choose sections from the list"},
    )
    seen_version = SeenVersionField()

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.helper = page_form_helper(
            Field.textarea("reasons", label_size=Size.MEDIUM, rows=6),
            Field.checkboxes("sections", legend_size=Size.MEDIUM, small=True),
            "seen_version",
            _submit("Return for changes"),
        )


# Questions and comments -----------------------------------------------------------------


class QuestionForm(ErrorSummaryMixin, forms.Form):
    """A question or comment on a case; the choices of section and addressee are the
    case's own (approvals.questions.case_parts and addressees)."""

    kind = forms.ChoiceField(
        label="What are you adding?",
        choices=[
            (QuestionKind.QUESTION.value, "A question, to be answered and resolved"),
            (QuestionKind.COMMENT.value, "A comment"),
        ],
        widget=forms.RadioSelect,
        error_messages={
            "required": "Choose whether you are asking a question or adding a comment",
            "invalid_choice": "Choose whether you are asking a question or adding a comment",
        },
    )
    text = _text(
        "Your question or comment",
        required="Enter your question or comment",
        limit=("Your question or comment", QUESTION_TEXT_LIMIT),
        help_text="Staff who can see the case read it. It is never published. Once sent "
        "it cannot be changed: to correct it, add a comment.",
    )
    section = forms.ChoiceField(
        label="Which section or figure is it about? (optional)",
        required=False,
        error_messages={"invalid_choice": "Choose a section or figure from the list"},
    )
    addressee = forms.ChoiceField(
        label="Who is the question for? (optional)",
        required=False,
        help_text="They are emailed, and see the question on their staff home until it is "
        "resolved. A comment is for everyone who can see the case.",
        error_messages={"invalid_choice": "Choose who the question is for from the list"},
    )
    seen_version = SeenVersionField()

    def __init__(self, *args, parts=(), addressees=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["section"].choices = [
            ("", "The whole case"),
            *((part.key, part.label) for part in parts),
        ]
        self.fields["addressee"].choices = [("", "No one in particular"), *addressees]
        self.helper = page_form_helper(
            Field.radios("kind", legend_size=Size.MEDIUM),
            Field.textarea("text", label_size=Size.SMALL, rows=5),
            Field.select("section"),
            Field.select("addressee"),
            "seen_version",
            _submit("Send"),
        )

    def clean(self):
        data = super().clean()
        if data.get("kind") == QuestionKind.COMMENT and data.get("addressee"):
            self.add_error(
                "addressee",
                "A comment is not addressed to anyone: choose a question, or no one",
            )
        return data


class AnswerForm(ErrorSummaryMixin, forms.Form):
    """A reply in one question's thread; each has the question's prefix, so that the
    page's several forms have ids of their own."""

    text = _text(
        "Your answer",
        required="Enter your answer",
        limit=("Your answer", QUESTION_TEXT_LIMIT),
    )

    def __init__(self, *args, question, **kwargs):
        super().__init__(*args, prefix=f"question-{question.pk}", **kwargs)
        noun = "question" if question.is_question else "comment"
        self.fields["text"].label = f"Your answer to {noun} {question.pk}"
        self.helper = page_form_helper(
            Field.textarea("text", label_size=Size.SMALL, rows=3),
            Button(
                "submit",
                "Send the answer",
                css_id=f"id_question-{question.pk}-submit",
                data_prevent_double_click="true",
            ),
        )


class ReasonsForm(forms.Form):
    """Reasons for a step that needs them: withdrawal."""

    reasons = forms.CharField(
        label="Why is the case being withdrawn?",
        widget=forms.Textarea(attrs={"rows": 4}),
        error_messages={"required": "Enter why the case is being withdrawn"},
        max_length=5000,
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.helper = FormHelper()
        self.helper.form_tag = False
        self.helper.layout = Layout(
            Field.textarea("reasons"), Button("submit", "Withdraw the case")
        )


YES_NO = [("yes", "Yes"), ("no", "No")]


class DecisionForm(ErrorSummaryMixin, forms.Form):
    """The DMPC's signed decision. Approving asks about each recommendation of the version
    in turn; approving or rejecting asks whether alternatives were considered."""

    OUTCOMES = [
        ("approve", "Approve"),
        ("reject", "Reject"),
        ("return", "Return for changes"),
    ]
    outcome = forms.ChoiceField(
        label="What is your decision?",
        choices=OUTCOMES,
        widget=GovukRadioSelect,
        error_messages={"required": "Choose whether to approve, reject or return the case"},
    )
    reasons = forms.CharField(
        label="Reasons for the decision",
        required=False,
        widget=forms.Textarea(attrs={"rows": 5}),
        max_length=10000,
    )
    alternatives = forms.ChoiceField(
        label="Were alternatives considered?",
        choices=YES_NO,
        required=False,
        widget=GovukRadioSelect,
    )
    alternatives_considered = forms.CharField(
        label="Describe the alternatives considered",
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        max_length=10000,
    )
    interests_declared = forms.TypedChoiceField(
        label="Declaration of interests",
        choices=[("no", "I have no disclosable interests"), ("yes", "My interests are")],
        coerce=lambda value: value == "yes",
        widget=GovukRadioSelect,
        error_messages={"required": "Say whether you have any disclosable interests"},
    )
    interests = forms.CharField(
        label="Describe the interests you are declaring",
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        max_length=5000,
    )
    password = forms.CharField(
        label="Your password",
        help_text="Enter your password to sign the decision.",
        widget=forms.PasswordInput(render_value=False),
        error_messages={"required": "Enter your password to sign the decision"},
        strip=False,
    )
    seen_version = forms.IntegerField(widget=forms.HiddenInput, min_value=1)

    def __init__(self, *args, recommendations=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.positions = []
        questions = []
        for number, recommendation in enumerate(recommendations, start=1):
            name = f"recommendation_{recommendation['position']}"
            text = recommendation["text"].strip().rstrip(".")
            self.positions.append((recommendation["position"], name, number))
            self.fields[name] = forms.ChoiceField(
                label=f"Approve recommendation {number}: {text}?",
                choices=YES_NO,
                required=False,
                widget=GovukRadioSelect,
            )
            questions.append(
                OutcomeRadios(name, OutcomeChoice("Yes"), OutcomeChoice("No"), legend_size="s")
            )
        self.helper = FormHelper()
        self.helper.form_tag = False
        self.helper.layout = Layout(
            OutcomeRadios(
                "outcome",
                OutcomeChoice("Approve", *questions),
                OutcomeChoice("Reject"),
                OutcomeChoice("Return for changes"),
            ),
            Field.textarea("reasons", label_size=Size.MEDIUM),
            OutcomeRadios(
                "alternatives",
                OutcomeChoice("Yes", Field.textarea("alternatives_considered")),
                OutcomeChoice("No"),
                inline=False,
            ),
            OutcomeRadios(
                "interests_declared",
                OutcomeChoice("I have no disclosable interests"),
                OutcomeChoice("My interests are", Field.textarea("interests")),
            ),
            Field.text("password", field_width=20, label_size=Size.MEDIUM),
            "seen_version",
            _submit("Sign the decision"),
        )

    def clean(self):
        data = super().clean()
        outcome = data.get("outcome")
        if not data.get("reasons", "").strip():
            self.add_error("reasons", "Enter the reasons for your decision")
        if outcome in ("approve", "reject"):
            said = data.get("alternatives")
            if not said:
                self.add_error("alternatives", "Say whether alternatives were considered")
            elif said == "yes" and not data.get("alternatives_considered", "").strip():
                self.add_error(
                    "alternatives_considered", "Describe the alternatives that were considered"
                )
        if outcome == "approve":
            unanswered = False
            for _, name, number in self.positions:
                if not data.get(name):
                    unanswered = True
                    self.add_error(name, f"Say whether you approve recommendation {number}")
            if (
                not unanswered
                and self.positions
                and self.approved
                and not any(self.approved.values())
            ):
                self.add_error(
                    "outcome",
                    "You approved none of the recommendations: choose Reject instead",
                )
        if data.get("interests_declared") and not data.get("interests", "").strip():
            self.add_error("interests", "Describe the interests you are declaring")
        return data

    @property
    def approved(self) -> dict[int, bool]:
        """Each recommendation's answer, by position (when approving)."""
        data = self.cleaned_data
        return {position: data.get(name) == "yes" for position, name, _ in self.positions}

    @property
    def no_alternatives(self) -> bool:
        return self.cleaned_data.get("alternatives") == "no"

    @property
    def alternatives_text(self) -> str:
        if self.cleaned_data.get("alternatives") != "yes":
            return ""
        return self.cleaned_data.get("alternatives_considered", "")


class AcceptanceForm(forms.Form):
    recommendation = forms.TypedChoiceField(
        label="Which standing authority?",
        coerce=int,
        widget=forms.RadioSelect,
        error_messages={"required": "Choose the standing authority the offer comes under"},
    )
    funder = forms.CharField(
        label="Funder",
        max_length=200,
        error_messages={"required": "Enter the funder making the offer"},
    )
    financial_year = FinancialYearField(
        label="Financial year of the offer",
        help_text="For example, 2024/25",
        error_messages={"required": "Enter the financial year of the offer"},
    )
    amount = MoneyField(
        label="Amount offered",
        help_text="For example, £1,250,000 or £1.25m",
        error_messages={"required": "Enter the amount offered"},
    )
    offer_date = DateField(
        name="the date of the offer",
        required=True,
        label="When was the offer made?",
        help_text="For example, 14 9 2024",
    )
    note = forms.CharField(
        label="Note (optional)", required=False, widget=forms.Textarea(attrs={"rows": 3})
    )

    def __init__(self, *args, authorities=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["recommendation"].choices = [
            (a.position, f"Recommendation {a.position}: {a.text}") for a in authorities
        ]
        self.helper = page_form_helper(
            Field.radios("recommendation", legend_size=Size.SMALL),
            Field.text("funder", field_width=20),
            "financial_year",
            "amount",
            Field("offer_date", context={"legend_size": Size.for_legend("s")}),
            Field.textarea("note"),
            Button("submit", "Record the acceptance"),
        )


class RelatedDecisionForm(LockForm):
    reference = forms.CharField(
        label="Decision reference",
        help_text="For example, PCD 1216",
        max_length=30,
        error_messages={"required": "Enter the reference of the earlier decision"},
    )
    kind = forms.ChoiceField(
        label="How does this case relate to it?",
        choices=[(k.value, f"It {k.label.lower()} that decision") for k in RelatedDecisionKind],
        widget=forms.RadioSelect,
        error_messages={"required": "Choose how this case relates to the decision"},
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.helper = page_form_helper(
            Field.text("reference", field_width=10),
            Field.radios("kind", legend_size=Size.SMALL),
            "lock_version",
            Button("submit", "Add the link"),
        )


class CompareForm(forms.Form):
    """Two of a case's versions. The fields are named `from` and `to` as in the URL, and
    `from` is a Python keyword, so they are added in __init__."""

    def __init__(self, numbers: list[int], *args, **kwargs):
        super().__init__(*args, **kwargs)
        choices = [(number, f"Version {number}") for number in numbers]
        self.fields["from"] = forms.TypedChoiceField(
            label="Compare version",
            choices=choices,
            coerce=int,
            error_messages={
                "required": "Choose the version to compare",
                "invalid_choice": "Choose a version of this case to compare",
            },
        )
        self.fields["to"] = forms.TypedChoiceField(
            label="with version",
            choices=choices,
            coerce=int,
            error_messages={
                "required": "Choose the version to compare it with",
                "invalid_choice": "Choose a version of this case to compare it with",
            },
        )
        self.helper = FormHelper()
        self.helper.form_tag = False
        # A GET form: a CSRF token would only end up in URLs and server logs.
        self.helper.disable_csrf = True
        self.helper.layout = Layout(Field.select("from"), Field.select("to"))

    def clean(self):
        data = super().clean()
        if data.get("from") is not None and data.get("from") == data.get("to"):
            self.add_error("to", "Choose two different versions to compare")
        return data


class ForwardPlanForm(ErrorSummaryMixin, forms.Form):
    """A case's entry on the public forward plan: what the public reads of it, typed or
    confirmed by the DMPC office. The month is two boxes (month, year), as GOV.UK's date
    input without the day."""

    title = forms.CharField(
        label="Title on the forward plan",
        help_text="The public reads this. Say what the decision is about, in plain words.",
        required=False,
    )
    funders = forms.MultipleChoiceField(
        label="Funders",
        help_text="The funders of the case’s offers. Untick any the public should not yet read.",
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    needed_by_month = forms.CharField(label="Month", required=False)
    needed_by_year = forms.CharField(label="Year", required=False)

    def __init__(self, *args, funders: list[str], **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["funders"].choices = [(name, name) for name in funders]
        self.title_limit = ForwardPlanEntry._meta.get_field("title").max_length

    def clean_title(self) -> str:
        title = " ".join(self.cleaned_data["title"].split())
        if not title:
            raise forms.ValidationError("Enter the title the forward plan shows")
        if len(title) > self.title_limit:
            raise forms.ValidationError(f"The title must be {self.title_limit} characters or fewer")
        return title

    def clean(self):
        data = super().clean()
        month = (data.get("needed_by_month") or "").strip()
        year = (data.get("needed_by_year") or "").strip()
        if not month and not year:
            self.add_error("needed_by_month", "Enter the month the decision is needed by")
            return data
        if not month:
            self.add_error(
                "needed_by_month", "The month the decision is needed by must include a month"
            )
            return data
        if not year:
            self.add_error(
                "needed_by_year", "The month the decision is needed by must include a year"
            )
            return data
        # ASCII digits only: isdecimal() passes others ("２") that int() reads.
        number = int(month) if re.fullmatch(r"[0-9]{1,2}", month) else None
        if number is None:
            number = _MONTH_NAMES.get(month.lower())
        if number is None or not 1 <= number <= 12:
            self.add_error(
                "needed_by_month",
                "The month the decision is needed by must be a real month, like 3 or March",
            )
            return data
        if not re.fullmatch(r"[0-9]{4}", year):
            self.add_error("needed_by_year", "The year must have 4 numbers, like 2027")
            return data
        needed_by = datetime.date(int(year), number, 1)
        this_month = timezone.localdate().replace(day=1)
        if needed_by < this_month:
            self.add_error(
                "needed_by_month", "The month the decision is needed by must be this month or later"
            )
        elif needed_by.year > this_month.year + PLAN_HORIZON_YEARS:
            self.add_error(
                "needed_by_year",
                "The month the decision is needed by must be within the next "
                f"{PLAN_HORIZON_YEARS} years",
            )
        else:
            data["needed_by"] = needed_by
        return data


_MONTH_NAMES = {
    name.lower(): number
    for number, name in [*enumerate(calendar.month_name), *enumerate(calendar.month_abbr)]
    if name
}
