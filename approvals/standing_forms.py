from crispy_forms_gds.layout import Button, Field, Size
from django import forms

from approvals.models import RelatedDecisionKind
from grants.forms import DateField, FinancialYearField, LockForm, MoneyField, page_form_helper


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
