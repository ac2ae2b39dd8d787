"""The narrative sections of a grant case report, in the order the report shows them."""

from dataclasses import dataclass


@dataclass(frozen=True)
class Section:
    field: str
    title: str
    required: bool


PART_1_SECTIONS = (
    Section("executive_summary", "Executive summary", True),
    # Recommendations and time sensitivity come here; they have their own models and fields.
    Section("introduction", "Introduction and background", True),
    Section("issues_for_consideration", "Issues for consideration", False),
    Section("contribution_to_plans", "Contribution to the Police and Crime Plan", False),
    Section("financial_comments", "Financial, commercial and procurement comments", True),
    Section("revenue_impact_note", "Revenue impact summary", False),
    Section("legal_comments", "Legal comments", True),
    Section("equality_comments", "Equality comments", True),
    Section("privacy_comments", "Privacy comments", True),
    Section("risk_comments", "Risk comments", False),
    Section("real_estate_implications", "Real estate implications", True),
    Section("environmental_implications", "Environmental implications", True),
    Section("background_papers", "Background and supporting papers", False),
)

SECTION_BY_FIELD = {section.field: section for section in PART_1_SECTIONS}
