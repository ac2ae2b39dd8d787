"""A case's task list: the parts of a case a grants manager fills in, grouped as the
editor's home page shows them, each with its status, and where each reconciliation
finding is fixed."""

import enum
from dataclasses import dataclass, field

from django.urls import reverse

from grants.models import GrantCase
from grants.reconciliation import Finding
from grants.sections import PART_1_SECTIONS, SECTION_BY_FIELD, Section


def section_slug(section: Section) -> str:
    return section.field.replace("_", "-")


class Status(enum.StrEnum):
    NOT_STARTED = "Not started"
    IN_PROGRESS = "In progress"
    COMPLETED = "Completed"
    HAS_PROBLEMS = "Has problems"


def _progress(*parts) -> Status:
    done = [bool(part) for part in parts]
    if all(done):
        return Status.COMPLETED
    return Status.IN_PROGRESS if any(done) else Status.NOT_STARTED


@dataclass
class Task:
    key: str
    name: str
    url: str
    status: Status
    optional: bool = False
    # Named by the return in force: the part the returner asked to be changed.
    returned: bool = False

    @property
    def html_id(self) -> str:
        return f"task-{self.key}"

    @property
    def described_by(self) -> str:
        ids = [
            *([f"{self.html_id}-hint"] if self.optional else []),
            *([f"{self.html_id}-returned"] if self.returned else []),
            f"{self.html_id}-status",
        ]
        return " ".join(ids)


@dataclass
class TaskGroup:
    title: str
    tasks: list[Task] = field(default_factory=list)


# Where each finding is fixed. A finding about a unit belongs to that unit's task; the
# rest are placed by their code, then by the section they name.
TASKS_BY_CODE = {
    # Each year of the summary balances once that year’s allocations match its offers.
    "variance": "units",
}
TASKS_BY_SECTION = {
    "Grant offers": "offers",
    "Funded units": "units",
    "Budget years": "budget-years",
    "Recommendations": "recommendations",
    "Time sensitivity": "time-sensitivity",
    "Part 2": "part-2",
} | {section.title: f"section-{section_slug(section)}" for section in PART_1_SECTIONS}
# Errors that only say something is not there yet. "Not started" or "In progress"
# already says that, so they do not make a task "Has problems".
MISSING_CODES = {"missing-section", "no-offers", "no-units"}


def task_key_for(finding: Finding) -> str | None:
    if finding.unit_id is not None:
        return f"unit-{finding.unit_id}"
    return TASKS_BY_CODE.get(finding.code) or TASKS_BY_SECTION.get(finding.section)


def task_groups(case: GrantCase) -> list[TaskGroup]:
    """The editor's tasks for a case loaded with GrantCase.objects.with_contents()."""

    def url(name: str, *args) -> str:
        return reverse(f"grants:{name}", args=[case.pk, *args])

    units = list(case.units.all())
    return [
        TaskGroup(
            "Case details",
            [
                Task(
                    "details",
                    "Case details",
                    url("edit-details"),
                    _progress(case.title, case.report_by.strip(), case.report_author.strip()),
                )
            ],
        ),
        TaskGroup(
            "Money",
            [
                Task("offers", "Grant offers", url("edit-offers"), _progress(case.offers.all())),
                Task(
                    "units",
                    "Funded units and grant allocations",
                    url("edit-units"),
                    _progress(units),
                ),
                *(
                    Task(
                        f"unit-{unit.pk}",
                        f"Posts and costs: {unit.name}",
                        url("edit-unit", unit.pk),
                        _progress(unit.posts.all() or unit.cost_lines.all()),
                    )
                    for unit in units
                ),
                Task(
                    "budget-years",
                    "Budget years",
                    url("edit-budget-years"),
                    _progress(case.budget_years.all()),
                ),
            ],
        ),
        TaskGroup(
            "Recommendations and time sensitivity",
            [
                Task(
                    "recommendations",
                    "Recommendations",
                    url("edit-recommendations"),
                    _progress(case.recommendations.all()),
                ),
                Task(
                    "time-sensitivity",
                    "Time sensitivity",
                    url("edit-time-sensitivity"),
                    _progress(case.needed_by, case.time_sensitivity.strip()),
                ),
                Task(
                    "related-decisions",
                    "Related decisions",
                    reverse("approvals:related-decisions", args=[case.pk]),
                    _progress(case.related_decisions.all()),
                    optional=True,
                ),
            ],
        ),
        TaskGroup(
            "Report sections",
            [
                Task(
                    f"section-{section_slug(section)}",
                    section.title,
                    url("edit-section", section_slug(section)),
                    _progress(getattr(case, section.field).strip()),
                    optional=not section.required,
                )
                for section in PART_1_SECTIONS
            ],
        ),
        TaskGroup(
            "Part 2",
            [
                Task(
                    "part-2",
                    "Part 2 (exempt information)",
                    url("edit-part2"),
                    _progress(case.part2_content.strip(), case.part2_exemption_reason.strip()),
                    optional=True,
                )
            ],
        ),
    ]


def mark_returned(groups: list[TaskGroup], sections) -> None:
    """Mark the tasks of the report sections a return named (section fields, as
    CaseReturn.sections keeps them); a key that is no longer a section is left out."""
    keys = {
        f"section-{section_slug(SECTION_BY_FIELD[field])}"
        for field in sections
        if field in SECTION_BY_FIELD
    }
    for group in groups:
        for task in group.tasks:
            task.returned = task.key in keys


@dataclass(frozen=True)
class FindingLink:
    finding: Finding
    url: str
