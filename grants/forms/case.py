"""Forms of the case's own pages: its details, time sensitivity, narrative sections, Part 2
and budget years."""

from crispy_forms_gds.layout import Field, Size
from django import forms
from django.core.exceptions import ValidationError

from grants.forms.fields import (
    NEVER_PUBLISHED,
    PUBLISHED,
    DateField,
    FinancialYearField,
    page_form_helper,
)
from grants.models import GrantScheme
from grants.money import (
    financial_year_label,
)
from grants.sections import Section

FORMATTING_HINT = (
    "Leave a blank line between paragraphs. Start lines with 1. for a numbered list or "
    "with - for a bulleted list. Write a link as [link text](https://www.example.com) and "
    "bold text as **bold**."
)


def scheme_field() -> forms.ModelChoiceField:
    return forms.ModelChoiceField(
        GrantScheme.objects.all(),
        required=False,
        empty_label="No scheme",
        label="Grant scheme (optional)",
        help_text="The recurring programme the grant belongs to, if any.",
    )


class CaseForm(forms.Form):
    """What a new case needs before anything else can be added."""

    title = forms.CharField(
        label="Title",
        max_length=300,
        help_text=f"{PUBLISHED} As it will appear on the report, for example ‘Home Office "
        "Organised Crime Specific Grant Agreement 2023 - 2027’.",
        error_messages={
            "required": "Enter the title of the case",
            "max_length": "The title must be 300 characters or fewer",
        },
    )
    financial_year = FinancialYearField(
        label="Financial year the costs are for",
        help_text="The year the posts and cost lines are costed for, for example 2023/24.",
        error_messages={"required": "Enter the financial year the costs are for, like 2023/24"},
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["scheme"] = scheme_field()
        self.order_fields(["title", "scheme", "financial_year"])
        self.helper = page_form_helper(
            Field.text("title"),
            Field.select("scheme"),
            Field.text("financial_year"),
        )


class DetailsForm(CaseForm):
    report_by = forms.CharField(
        label="Report by",
        max_length=300,
        required=False,
        help_text=f"{PUBLISHED} For example, ‘Detective Superintendent A Smith on behalf of "
        "the Chief of Corporate Services’.",
        error_messages={"max_length": "‘Report by’ must be 300 characters or fewer"},
    )
    report_author = forms.CharField(
        label="Report author",
        required=False,
        widget=forms.Textarea,
        help_text=f"{PUBLISHED} Name, job title and unit of the person who wrote the report.",
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.helper.layout.extend(
            [Field.text("report_by"), Field.textarea("report_author", rows=3)]
        )


class TimeSensitivityForm(forms.Form):
    needed_by = DateField(
        name="the date the decision is needed by",
        label="When is the decision needed by?",
        help_text="For example, 31 3 2024",
    )
    time_sensitivity = forms.CharField(
        label="Why is the decision needed by then?",
        required=False,
        widget=forms.Textarea,
        help_text=f"{PUBLISHED} {FORMATTING_HINT}",
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.helper = page_form_helper(
            Field("needed_by", context={"legend_size": Size.for_legend("m")}),
            Field.textarea("time_sensitivity", label_size=Size.MEDIUM, rows=8),
        )


class SectionForm(forms.Form):
    """One narrative section of Part 1: lightly formatted text."""

    text = forms.CharField(required=False, widget=forms.Textarea)

    def __init__(self, *args, section: Section, **kwargs):
        super().__init__(*args, **kwargs)
        field = self.fields["text"]
        field.label = section.title if section.required else f"{section.title} (optional)"
        field.help_text = f"{PUBLISHED} {FORMATTING_HINT}"
        # The label is the page's heading, as the Design System does for one question.
        self.helper = page_form_helper(
            Field.textarea("text", label_size=Size.LARGE, label_tag="h1", rows=20)
        )


class Part2Form(forms.Form):
    part2_content = forms.CharField(
        label="Part 2 content (optional)",
        required=False,
        widget=forms.Textarea,
        help_text=f"{NEVER_PUBLISHED} Exempt or confidential information that must not be "
        f"published. {FORMATTING_HINT}",
    )
    part2_exemption_reason = forms.CharField(
        label="Why is this information exempt from publication?",
        required=False,
        widget=forms.Textarea,
        help_text=f"{PUBLISHED} The decision form gives it as the ground for the "
        "exemption: give the ground, for example the exemption under the Freedom of "
        "Information Act 2000 that applies, and none of the exempt information itself. "
        "Needed whenever there is Part 2 content.",
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.helper = page_form_helper(
            Field.textarea("part2_content", label_size=Size.MEDIUM, rows=15),
            Field.textarea("part2_exemption_reason", label_size=Size.MEDIUM, rows=5),
        )


class BudgetYearsForm(forms.Form):
    years = forms.MultipleChoiceField(
        label="Which financial years should the revenue impact summary show?",
        widget=forms.CheckboxSelectMultiple,
        help_text="Select all that apply. Each year gets a column in the summary.",
        error_messages={"required": "Select at least one financial year"},
    )

    def __init__(self, *args, costed_year: int, offer_years: set[int], chosen: set[int], **kw):
        super().__init__(*args, **kw)
        # Years the case has costs or offers in: leaving one out is an error in the summary.
        self.needed = dict.fromkeys(offer_years, "an offer falls in it") | {
            costed_year: "the posts and cost lines are costed for it"
        }
        known = set(self.needed) | chosen
        first, last = min(known) - 2, max(known | {costed_year + 4}) + 2
        field = self.fields["years"]
        field.choices = [(str(y), financial_year_label(y)) for y in range(first, last + 1)]
        field.initial = [str(year) for year in sorted(chosen)]
        self.helper = page_form_helper(
            Field.checkboxes("years", legend_size=Size.LARGE, legend_tag="h1", small=True)
        )

    def clean_years(self) -> set[int]:
        years = {int(year) for year in self.cleaned_data["years"]}
        for year, reason in sorted(self.needed.items()):
            if year not in years:
                raise ValidationError(f"Select {financial_year_label(year)}: {reason}")
        return years


# Rows -----------------------------------------------------------------------------------
