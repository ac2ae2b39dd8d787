"""Moving cases through the workflow in tests, as the right people."""

import datetime

from approvals import services
from approvals.models import ClearanceArea, IamOutcome
from tests.factories import PASSWORD

ADVISERS = {
    ClearanceArea.FINANCE: "finance",
    ClearanceArea.LEGAL: "legal",
    ClearanceArea.EQUALITIES: "equalities",
    ClearanceArea.PRIVACY: "privacy",
}


def to_iam(case, people):
    services.submit(case, by=people.manager)
    meeting = services.record_meeting(
        by=people.iam, date=datetime.date(2026, 11, 20), attendees="IAM members"
    )
    services.add_to_agenda(meeting, case, by=people.iam)
    return meeting


def to_dmpc_review(case, people):
    to_iam(case, people)
    services.record_iam_outcome(case, by=people.iam, outcome=IamOutcome.ENDORSED)


def sign_all(case, people):
    for area, name in ADVISERS.items():
        services.sign_off(
            case, by=getattr(people, name), area=area, advice=f"{area.label} content."
        )


def to_ready(case, people):
    to_dmpc_review(case, people)
    sign_all(case, people)
    services.mark_ready(case, by=people.dmpc_office)


def approve(case, people, **extra):
    return services.decide(
        case,
        by=people.dmpc,
        outcome="approve",
        password=PASSWORD,
        reasons="Good value.",
        **extra,
    )
