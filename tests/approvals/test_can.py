"""One answer to "may this person take this step on this case now?": for every step,
every role and every state a case passes through, the case page's buttons, the staff
home's work queues and the services agree with approvals.workflow.can()."""

import datetime
from decimal import Decimal
from types import SimpleNamespace

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import transaction

from approvals import forward_plan, services
from approvals.accounts.roles import Role, roles_of
from approvals.models import ClearanceArea, IamOutcome, Publication
from approvals.publication import agreements
from approvals.publication import services as publishing
from approvals.publication import withdrawal as withdrawing
from approvals.publication.agreements import AgreementError
from approvals.publication.services import PublicationError
from approvals.queues import QUEUES, queues_for
from approvals.standing import StandingAuthorityError, accept_under_standing_authority
from approvals.workflow import BUTTONS, STEPS, CaseFacts, WorkflowError, can, case_actions
from grants import rollover
from grants import services as editing
from grants.permissions import cases_visible_to
from grants.sections import PART_1_SECTIONS
from tests.factories import PASSWORD, make_case, make_pdf, make_user
from tests.workflow import ADVISERS, approve, sign_all, to_dmpc_review, to_iam, to_ready

pytestmark = pytest.mark.django_db


class NothingToActOn(Exception):
    """The step's service needs a decision or publication the case does not have."""


class Rollback(Exception):
    """Undoes a step once it has succeeded, so the next one starts from the same case."""


def _cases(people) -> dict[str, object]:
    """A case in each state and sub-state the steps tell apart."""

    def case(title, **fields):
        made = make_case(people.manager, title=title, **fields)
        made.recommendations.update(
            is_standing_authority=True,
            annual_cap=Decimal("2000000.00"),
            ends_on=datetime.date(2030, 3, 31),
        )
        return made

    cases = {"draft": case("Draft")}
    submitted = case("Submitted")
    services.submit(submitted, by=people.manager)
    cases["submitted"] = submitted
    cases["on agenda"] = case("On agenda")
    to_iam(cases["on agenda"], people)
    cases["at DMPC review"] = case("At DMPC review")
    to_dmpc_review(cases["at DMPC review"], people)
    cases["partly signed off"] = case("Partly signed off")
    to_dmpc_review(cases["partly signed off"], people)
    services.sign_off(
        cases["partly signed off"], by=people.finance, area=ClearanceArea.FINANCE, advice="Fine."
    )
    cases["signed off"] = case("Signed off")
    to_dmpc_review(cases["signed off"], people)
    sign_all(cases["signed off"], people)
    cases["ready"] = case("Ready")
    to_ready(cases["ready"], people)
    cases["approved"] = case("Approved")
    to_ready(cases["approved"], people)
    approve(cases["approved"], people)
    cases["published"] = case("Published")
    to_ready(cases["published"], people)
    publishing.publish_now(approve(cases["published"], people).publication, by=people.publisher)
    cases["rejected"] = case("Rejected")
    to_ready(cases["rejected"], people)
    services.decide(
        cases["rejected"],
        by=people.dmpc,
        outcome="reject",
        no_alternatives=True,
        password=PASSWORD,
        reasons="No.",
    )
    cases["extended"] = case("Extended by next year's case")
    to_ready(cases["extended"], people)
    approve(cases["extended"], people)
    rollover.start_from_earlier(cases["extended"], by=people.manager)
    # Approved, with a grant agreement: waiting for review, uploaded by the publisher (who
    # may not review it), and rejected.
    for label, uploader in (
        ("agreement waiting", people.manager),
        ("agreement uploaded by the publisher", people.publisher),
        ("agreement rejected", people.manager),
    ):
        cases[label] = case(label.capitalize())
        to_ready(cases[label], people)
        decision = approve(cases[label], people)
        pdf = SimpleUploadedFile("agreement.pdf", make_pdf(), content_type="application/pdf")
        uploaded = agreements.upload_agreement(decision, pdf, by=uploader)
    agreements.reject_agreement(uploaded, by=people.publisher, reason="Not signed.")
    cases["withdrawn"] = case("Withdrawn")
    services.withdraw(cases["withdrawn"], by=people.manager, reasons="No longer needed.")
    for made in cases.values():
        made.refresh_from_db()
    return cases


def _take(step: str, case, user, meeting):
    """Take `step` through its service, as `user`."""
    decision = case.decisions.first()
    if step == "edit":
        return editing.save_section(
            case, PART_1_SECTIONS[0], "Changed.", by=user, lock_version=case.lock_version
        )
    if step == "submit":
        return services.submit(case, by=user)
    if step == "add_to_agenda":
        return services.add_to_agenda(meeting, case, by=user)
    if step in ("endorse", "not_supported", "iam_return"):
        outcome = {
            "endorse": IamOutcome.ENDORSED,
            "not_supported": IamOutcome.NOT_SUPPORTED,
            "iam_return": IamOutcome.RETURNED,
        }[step]
        return services.record_iam_outcome(
            case, by=user, attendees="IAM members", outcome=outcome, note="Because."
        )
    if step.startswith("sign_off_"):
        area = ClearanceArea(step.removeprefix("sign_off_"))
        return services.sign_off(case, by=user, area=area, advice="Advice.")
    if step == "mark_ready":
        return services.mark_ready(case, by=user)
    if step == "office_return":
        return services.office_return(case, by=user, reasons="Not cleared.")
    if step in ("approve", "reject", "dmpc_return"):
        outcome = {"approve": "approve", "reject": "reject", "dmpc_return": "return"}[step]
        return services.decide(
            case, by=user, outcome=outcome, no_alternatives=True, password=PASSWORD, reasons="R."
        )
    if step == "withdraw":
        return services.withdraw(case, by=user, reasons="Because.")
    if step == "upload_agreement":
        if decision is None:
            raise NothingToActOn
        upload = SimpleUploadedFile("agreement.pdf", make_pdf(), content_type="application/pdf")
        return agreements.upload_agreement(decision, upload, by=user)
    if step == "review_agreement":
        newest = decision.agreements.order_by("-uploaded_at", "-id").first() if decision else None
        if newest is None:
            raise NothingToActOn
        return agreements.confirm_agreement(newest, by=user, checks=agreements.CHECKLIST)
    if step == "accept_under_standing_authority":
        if decision is None:
            raise NothingToActOn
        return accept_under_standing_authority(
            decision,
            by=user,
            recommendation=1,
            funder="Home Office",
            financial_year=case.financial_year + 1,
            amount=Decimal("1000.00"),
            offer_date=datetime.date(2026, 11, 1),
        )
    if step == "start_next_case":
        return rollover.start_from_earlier(case, by=user)
    if step == "plan_decision":
        return forward_plan.plan_decision(
            case, by=user, title="Expected.", funders=[], needed_by=datetime.date.today()
        )
    if step == "unplan_decision":
        return forward_plan.take_off_plan(case, by=user)
    publication = Publication.objects.filter(decision__case=case).first()
    if publication is None:
        raise NothingToActOn
    if step == "publish":
        return publishing.publish_now(publication, by=user)
    if step == "correct":
        return publishing.publish_correction(
            publication, by=user, note="A correction.", changes={"title": "Corrected"}
        )
    revision = publication.current_revision()
    if step in ("request_withdrawal", "confirm_withdrawal") and revision is None:
        raise NothingToActOn
    if step == "request_withdrawal":
        return withdrawing.request_withdrawal(revision, by=user, reason="Published in error.")
    if step == "confirm_withdrawal":
        # Asked by another publisher, so that only the step's own rules decide.
        asker = make_user(f"asker-{user.pk}", Role.PUBLISHER)
        asked = withdrawing.request_withdrawal(revision, by=asker, reason="Published in error.")
        return withdrawing.confirm_withdrawal(asked, by=user)
    raise AssertionError(f"No service for {step}")


REFUSALS = (
    NothingToActOn,
    WorkflowError,
    editing.EditRefused,
    AgreementError,
    StandingAuthorityError,
    PublicationError,
)


@pytest.fixture
def world(people):
    users = {
        "grants manager": people.manager,
        "IAM secretariat": people.iam,
        **{
            f"{area.label.lower()} adviser": getattr(people, name)
            for area, name in ADVISERS.items()
        },
        "DMPC office": people.dmpc_office,
        "DMPC": people.dmpc,
        "publisher": people.publisher,
        "no role": make_user("nobody"),
    }
    cases = _cases(people)
    meeting = services.record_meeting(
        by=people.iam,
        date=datetime.date(2026, 11, 27),
        time=datetime.time(10, 0),
        place="City Hall",
        invitees="IAM members",
    )
    return SimpleNamespace(users=users, cases=cases, meeting=meeting)


def test_buttons_and_queues_show_exactly_the_steps_can_allows(world):
    for user in world.users.values():
        queues = {queue.title: queue.cases for queue in queues_for(user)}
        visible = set(cases_visible_to(user).values_list("pk", flat=True))
        for label, case in world.cases.items():
            allowed = {name for name in STEPS if can(user, name, case) is None}
            shown = {action.label for action in case_actions(user, case) if action.url is not None}
            expected = {
                button.label for button in BUTTONS if any(name in allowed for name in button.steps)
            }
            assert shown == expected, (user.username, label)
            for queue in QUEUES:
                # A queue may be for some of the roles that take its steps only, and list
                # only some of the cases they may take them on (`only`).
                for_them = not queue.roles or roles_of(user) & {r.value for r in queue.roles}
                if queue.title not in queues:
                    assert not for_them or not any(name in allowed for name in queue.steps), (
                        user.username,
                        label,
                        queue.title,
                    )
                    continue
                listed = case in queues[queue.title]
                narrowed = queue.only is None or queue.only(CaseFacts(case))
                wanted = (
                    case.pk in visible and any(name in allowed for name in queue.steps) and narrowed
                )
                assert listed == wanted, (user.username, label, queue.title)


def test_every_service_takes_a_step_exactly_when_can_allows_it_and_refuses_in_its_words(
    world,
):
    same_words = 0
    for user in world.users.values():
        for label, case in world.cases.items():
            for name in STEPS:
                reason = can(user, name, case)
                try:
                    with transaction.atomic():
                        _take(name, case, user, world.meeting)
                        raise Rollback
                except Rollback:
                    assert reason is None, (user.username, label, name, reason)
                except REFUSALS as refused:
                    assert reason is not None, (user.username, label, name, str(refused))
                    if isinstance(refused, WorkflowError | AgreementError):
                        assert str(refused) == reason, (user.username, label, name)
                        same_words += 1
                case.refresh_from_db()
    # The workflow's own services (and agreement upload) refuse in can()'s words.
    assert same_words > 1000
