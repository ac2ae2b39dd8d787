"""Demo data for a local run: one user per role and a superuser."""

import datetime
from html import escape

from django.contrib.auth.models import Group, User
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import transaction
from django.utils import timezone
from weasyprint import HTML

from approvals import audit, forward_plan, services
from approvals.accounts.roles import Role, ensure_role_groups
from approvals.models import AuditAction, ClearanceArea, IamOutcome
from approvals.publication import services as publication
from approvals.publication.agreements import CHECKLIST, confirm_agreement, upload_agreement
from grants.demo import (
    COUNTY_LINES_TITLE,
    DRAFT_TITLE,
    TOEX_TITLE,
    VICTIMS_TITLE,
    create_complete_case,
    create_draft_case,
)
from grants.models import GrantCase
from grants.seed import SEED_TITLE, create_seed_case

DEMO_USERS = [
    ("manager", "Grace", "Okafor", Role.GRANTS_MANAGER),
    ("iam", "Ian", "Ashworth", Role.IAM_SECRETARIAT),
    ("finance", "Farah", "Iqbal", Role.FINANCE_ADVISER),
    ("legal", "Leo", "Grant", Role.LEGAL_ADVISER),
    ("equalities", "Esther", "Mensah", Role.EQUALITIES_ADVISER),
    ("privacy", "Priya", "Nair", Role.PRIVACY_ADVISER),
    ("dmpc-office", "Dominic", "Hale", Role.DMPC_OFFICE),
    ("dmpc", "Deborah", "Marsh", Role.DMPC),
    ("publisher", "Paul", "Bishop", Role.PUBLISHER),
]


def create_demo_users(password: str) -> list[tuple[str, str]]:
    """Create or refresh the demo users; return (username, role label) pairs."""
    ensure_role_groups()
    logins = []
    for username, first_name, last_name, role in DEMO_USERS:
        user, _ = User.objects.update_or_create(
            username=username,
            defaults={
                "first_name": first_name,
                "last_name": last_name,
                "email": f"{username}@example.org",
                "is_active": True,
            },
        )
        user.set_password(password)
        user.save()
        user.groups.set([Group.objects.get(name=role.value)])
        logins.append((username, role.label))

    admin, _ = User.objects.update_or_create(
        username="admin",
        defaults={
            "first_name": "Ada",
            "last_name": "Admin",
            "email": "admin@example.org",
            "is_staff": True,
            "is_superuser": True,
            "is_active": True,
        },
    )
    admin.set_password(password)
    admin.save()
    logins.append(("admin", "Administrator"))
    return logins


def create_demo_cases(password: str) -> list[GrantCase]:
    """Demo cases in several states, each made once only with its audit history: the seed
    report approved, one at DMPC review, one at IAM review and one still in draft."""
    people = {user.username: user for user in User.objects.filter(is_active=True)}
    manager = people["manager"]
    steps = [
        (SEED_TITLE, lambda: create_seed_case(manager), _to_published),
        (TOEX_TITLE, lambda: create_complete_case(manager, TOEX_TITLE, "Home Office", "268660"),
         _to_part_signed),
        (COUNTY_LINES_TITLE,
         lambda: create_complete_case(manager, COUNTY_LINES_TITLE, "Home Office", "268660"),
         _to_deferred),
        (VICTIMS_TITLE,
         lambda: create_complete_case(manager, VICTIMS_TITLE, "Ministry of Justice", "268660"),
         _to_iam_and_forward_plan),
        (DRAFT_TITLE, lambda: create_draft_case(manager), None),
    ]  # fmt: skip
    cases = []
    for title, create, advance in steps:
        case = GrantCase.objects.filter(title=title).first()
        if case is None:
            with transaction.atomic():
                case = create()
                audit.record(
                    AuditAction.CASE_CREATED, actor=manager, case=case, details={"title": title}
                )
            if advance:
                advance(case, people, password)
            case.refresh_from_db()
        cases.append(case)
    return cases


def _meeting(people):
    return services.record_meeting(
        by=people["iam"],
        date=datetime.date(2026, 11, 19),
        time=datetime.time(10, 0),
        place="Committee Room 4, City Hall",
        invitees="Chief Finance Officer (chair)\nDirector of Strategy\nHead of Oversight",
    )


def _to_iam_agenda(case, people, password):
    services.submit(case, by=people["manager"])
    services.add_to_agenda(_meeting(people), case, by=people["iam"])


def _to_iam_and_forward_plan(case, people, password):
    _to_iam_agenda(case, people, password)
    forward_plan.plan_decision(
        case,
        by=people["dmpc-office"],
        title="Accepting the Ministry of Justice’s grant for the care of victims of modern slavery",
        funders=forward_plan.offered_funders(case),
        needed_by=timezone.localdate() + datetime.timedelta(days=62),
    )


def _to_dmpc_review(case, people, password):
    _to_iam_agenda(case, people, password)
    services.record_iam_outcome(
        case,
        by=people["iam"],
        attendees="Chief Finance Officer (chair)\nDirector of Strategy",
        outcome=IamOutcome.ENDORSED,
    )


def _to_part_signed(case, people, password):
    _to_dmpc_review(case, people, password)
    services.sign_off(
        case,
        by=people["finance"],
        area=ClearanceArea.FINANCE,
        advice="The figures reconcile and the match funding is budgeted.",
    )
    services.sign_off(case, by=people["legal"], area=ClearanceArea.LEGAL,
                      advice="MOPAC may lawfully accept the grant.")  # fmt: skip


def _approve(case, people, password, reasons: str):
    services.mark_ready(case, by=people["dmpc-office"])
    return services.decide(
        case,
        by=people["dmpc"],
        outcome="approve",
        password=password,
        reasons=reasons,
        alternatives_considered="Not accepting the grant, which would leave the teams unfunded.",
    )


def _sign_all(case, people, advice: dict):
    for area in ClearanceArea:
        services.sign_off(case, by=people[area.value], area=area, advice=advice[area])


STANDARD_ADVICE = {
    ClearanceArea.FINANCE: "The grant and match funding reconcile to the budget.",
    ClearanceArea.LEGAL: "MOPAC may accept the grant; the agreement must be published.",
    ClearanceArea.EQUALITIES: "Screened: no impact on any protected group.",
    ClearanceArea.PRIVACY: "Existing privacy notices and DPIA screening cover the work.",
}


def _to_published(case, people, password):
    """The seed report: approved, its signed agreement uploaded and reviewed, and
    published."""
    _to_dmpc_review(case, people, password)
    _sign_all(case, people, STANDARD_ADVICE)
    decision = _approve(
        case,
        people,
        password,
        "The grant funds established teams tackling serious and organised crime, and the MPS "
        "has budgeted the match funding.",
    )
    agreement = upload_agreement(decision, agreement_pdf(decision), by=people["manager"])
    confirm_agreement(agreement, by=people["publisher"], checks=CHECKLIST)
    publication.publish_now(decision.publication, by=people["publisher"])


def _to_deferred(case, people, password):
    _to_dmpc_review(case, people, password)
    _sign_all(case, people, STANDARD_ADVICE)
    decision = _approve(case, people, password, "The grant funds work already under way.")
    # Its agreement is uploaded and waits for a publisher's review.
    upload_agreement(decision, agreement_pdf(decision), by=people["manager"])
    publication.defer(
        decision.publication,
        by=people["publisher"],
        until=timezone.now() + datetime.timedelta(days=90),
        reason="Publishing now would prejudice a live police operation.",
    )


def agreement_pdf(decision) -> SimpleUploadedFile:
    """A one-page signed grant agreement for the demo."""
    title = escape(decision.version.document["case"]["title"])
    content = HTML(
        string=f"""<!DOCTYPE html><html lang="en-GB"><title>Grant agreement</title>
        <h1>Grant agreement</h1><h2>{title}</h2>
        <p>This agreement records the grant accepted by MOPAC under decision
        {escape(decision.reference)}, on the terms of the funder's offer.</p>
        <p>Signed for the funder and for MOPAC.</p></html>"""
    ).write_pdf()
    return SimpleUploadedFile("signed-grant-agreement.pdf", content, content_type="application/pdf")
