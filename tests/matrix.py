"""The permission matrix's world: cases in every state, one person for each role, a
grade on the rate card, offer letters, and what a request could change.
tests/test_permission_matrix.py and tests/test_fuzz.py build it."""

import datetime
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from types import SimpleNamespace

from django.apps import apps
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.utils import timezone

from approvals import questions
from approvals.accounts.roles import Role
from approvals.forward_plan import plan_decision
from approvals.models import AgendaItem, AttemptLock, AuditEvent, Publication
from approvals.publication import historic, sitemap
from approvals.publication import services as publishing
from approvals.publication import withdrawal as withdrawing
from approvals.publication.agreements import CHECKLIST, confirm_agreement, upload_agreement
from grants.document import case_document
from grants.letters import upload_letter
from grants.models import GrantCase
from grants.rate_card.services import add_rate, seen_stamp
from grants.rollover import start_from_earlier
from grants.seed import create_seed_case
from tests.factories import make_case, make_pdf, make_user
from tests.publication.historic_files import csv_bytes, historic_row, small_pdf
from tests.workflow import approve, decide_only, to_dmpc_review, to_iam, to_ready

# Planted in Part 2 of the case waiting for a decision and of the published one.
PART2 = "zqxmatrixparttwo"


def tiny_pdf(text: str = "Signed grant agreement") -> bytes:
    return make_pdf(text)


def letter_file(text: str = "Offer letter") -> SimpleUploadedFile:
    return SimpleUploadedFile("offer-letter.pdf", make_pdf(text), content_type="application/pdf")


def build_people(people) -> dict:
    """The person playing each role; None for an anonymous visitor."""
    return {
        "anonymous": None,
        "owner": people.manager,
        "other_manager": make_user("other-manager", Role.GRANTS_MANAGER),
        "iam": people.iam,
        "finance": people.finance,
        "legal": people.legal,
        "dmpc_office": people.dmpc_office,
        "dmpc": people.dmpc,
        "publisher": people.publisher,
        "admin": make_user("admin", is_staff=True, is_superuser=True),
        "administrator": make_user("administrator", Role.ADMINISTRATOR),
    }


def build_world(people) -> SimpleNamespace:
    """Cases in every state, all owned by people.manager but one. MEDIA_ROOT must point
    somewhere disposable: the published decision's agreement is stored."""
    world = SimpleNamespace(people=people)
    world.users = build_people(people)

    world.draft = make_case(people.manager, title="A draft of the owner's")
    world.unit = world.draft.units.get()
    world.draft_offer = world.draft.offers.get()
    world.draft_letter = upload_letter(world.draft_offer, letter_file(), by=people.manager)
    world.other_draft = make_case(world.users["other_manager"], title="Another manager's draft")
    world.other_unit = world.other_draft.units.get()

    world.at_iam = make_case(people.manager, title="A case at IAM")
    world.meeting = to_iam(world.at_iam, people)
    world.item = AgendaItem.objects.get(case=world.at_iam)

    # At DMPC review, no adviser has signed off yet; on the forward plan.
    world.clearing = make_case(people.manager, title="A case in clearance")
    to_dmpc_review(world.clearing, people)
    world.plan_entry = plan_decision(
        world.clearing,
        by=people.dmpc_office,
        title="A decision expected",
        funders=["Home Office"],
        needed_by=timezone.localdate(),
    )

    world.ready = make_case(
        people.manager,
        title="A case ready for decision",
        part2_content=f"Exempt: {PART2}.",
        part2_exemption_reason="Commercial interests.",
    )
    world.ready_offer = world.ready.offers.get()
    world.ready_letter = upload_letter(world.ready_offer, letter_file(), by=people.manager)
    to_ready(world.ready, people)
    world.ready_item = AgendaItem.objects.get(case=world.ready)
    # Asked by the finance adviser of the owner, who alone with them may resolve it.
    world.question = questions.ask(
        world.ready,
        by=people.finance,
        text="Is the overtime line right?",
        addressee=f"user:{people.manager.pk}",
    )

    world.published = make_case(
        people.manager,
        title="A published decision",
        part2_content=f"Exempt: {PART2}.",
        part2_exemption_reason="Commercial interests.",
    )
    to_ready(world.published, people)
    world.decision = approve(world.published, people)
    world.agreement = upload_agreement(
        world.decision,
        SimpleUploadedFile("agreement.pdf", tiny_pdf(), content_type="application/pdf"),
        by=people.manager,
    )
    confirm_agreement(world.agreement, by=people.publisher, checks=CHECKLIST)
    world.publication = world.decision.publication
    publishing.publish_now(world.publication, by=people.publisher)
    world.published.refresh_from_db()
    world.published_offer = world.published.offers.get()

    world.deferred_decision = decide_only(people, title="A deferred decision")
    world.deferred = world.deferred_decision.publication
    publishing.defer(
        world.deferred,
        by=people.publisher,
        until=timezone.now() + datetime.timedelta(days=30),
        reason="An operation is under way.",
    )

    # Two decisions of the earlier register, imported: one with its PDF, one without.
    world.imported, world.imported_bare = import_historic(people)

    # The seed's second recommendation is a standing authority; its approval is
    # scheduled for publication, not yet published.
    seed = create_seed_case(people.manager)
    to_ready(seed, people)
    world.standing = approve(seed, people)
    # Its grant agreement waits for a publisher's review.
    world.waiting_agreement = upload_agreement(
        world.standing,
        SimpleUploadedFile(
            "unreviewed.pdf", tiny_pdf("Unreviewed"), content_type="application/pdf"
        ),
        by=people.manager,
    )

    # Next year's cases started from earlier ones: one at IAM, extending the published
    # decision, its amounts confirmed; one a draft, extending the seed's decision.
    world.rolled = start_from_earlier(world.published, by=people.manager)
    world.rolled.offers.update(amount_to_be_confirmed=False)
    to_iam(world.rolled, people)
    world.rolled_draft = start_from_earlier(seed, by=people.manager)

    world.rate = add_rate(
        by=world.users["administrator"],
        grade="Band D",
        financial_year=2025,
        annual_cost=Decimal("52600"),
    )
    world.rate_seen = seen_stamp(world.rate)

    # A request to withdraw the published decision's first revision, waiting for a second
    # publisher; and a decision whose only revision is withdrawn.
    world.withdrawal = withdrawing.request_withdrawal(
        world.publication.current_revision(), by=people.publisher, reason="A name was left in."
    )
    withdrawn_case = make_case(people.manager, title="A withdrawn decision")
    to_ready(withdrawn_case, people)
    world.withdrawn = approve(withdrawn_case, people).publication
    publishing.publish_now(world.withdrawn, by=people.publisher)
    withdrawing.confirm_withdrawal(
        withdrawing.request_withdrawal(
            world.withdrawn.current_revision(), by=people.publisher, reason="Published in error."
        ),
        by=make_user("second-publisher", Role.PUBLISHER),
    )
    # The sitemap's first page: pages are blocks of ids, which depend on the database.
    first = Publication.objects.published().order_by("id").first()
    world.sitemap_page = sitemap.page_number(first.pk)
    return world


def import_historic(people) -> tuple[Publication, Publication]:
    """Two imported records of the earlier register: CEOD 1 with its PDF, CEOD 2 without."""
    from django.conf import settings

    files = Path(settings.MEDIA_ROOT).parent / "historic"
    files.mkdir(parents=True, exist_ok=True)
    (files / "ceod-1.pdf").write_bytes(small_pdf("CEOD 1"))
    rows = [
        historic_row(1, reference="CEOD 1", pdf="ceod-1.pdf"),
        historic_row(2, reference="CEOD 2", outcome="", total_grant_amount=""),
    ]
    historic.import_decisions(csv_bytes(rows), files=files, source="earlier-register.csv")
    return Publication.objects.get(slug="ceod-1"), Publication.objects.get(slug="ceod-2")


def client_for(user) -> Client:
    client = Client()
    if user is not None:
        client.force_login(user)
    return client


def snapshot() -> dict:
    """What a request could change: the audit trail, every case as its document, state
    and lock, every publication, and the number of rows of each of the project's models."""
    models = [
        *apps.get_app_config("grants").get_models(),
        *apps.get_app_config("approvals").get_models(),
        apps.get_model("auth", "User"),
    ]
    return {
        "audit": list(AuditEvent.objects.order_by("sequence").values_list("action", flat=True)),
        "cases": {
            case.pk: (case.state, case.lock_version, case_document(case))
            for case in GrantCase.objects.with_contents().order_by("pk")
        },
        "publications": list(Publication.objects.order_by("pk").values()),
        # AttemptLock's rows are only what sign-in attempts lock, holding nothing.
        "rows": {
            model._meta.label: model.objects.count()
            for model in models
            if model not in (AuditEvent, AttemptLock)
        },
    }


@dataclass(frozen=True)
class W:
    """Something from the world, by its attribute path: W("draft.pk")."""

    path: str

    @classmethod
    def pk_of(cls, name: str) -> "W":
        return cls(f"{name}.pk")

    def find(self, world):
        value = world
        for name in self.path.split("."):
            value = value[name] if isinstance(value, dict) else getattr(value, name)
        return value
