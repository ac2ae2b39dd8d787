"""The daily reminders digest: what waits for whom on a day, read in a fixed number of
queries, and one email a person a day however often or wherever it runs."""

import datetime
import logging
from collections import defaultdict
from dataclasses import dataclass, field

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.mail import EmailMultiAlternatives
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone
from django.utils.html import format_html, format_html_join

from approvals.models import AgendaItem, IamOutcome, Publication, Question, ReminderDigest, SignOff
from approvals.publication.services import working_days_after
from approvals.questions import question_url
from approvals.workflow import NEXT_ACTORS, SIGN_OFF_ROLES
from grants.formatting import long_date
from grants.models import CaseState, GrantCase

logger = logging.getLogger(__name__)

ENDORSED = (IamOutcome.ENDORSED, IamOutcome.ENDORSED_WITH_CONDITIONS)
# A needed-by date matters until the decision is made.
UNDECIDED = (CaseState.DRAFT, CaseState.IAM_REVIEW, CaseState.DMPC_REVIEW)


@dataclass(frozen=True)
class Item:
    text: str
    link: str


@dataclass
class Digest:
    user: object
    items: list[Item] = field(default_factory=list)

    @property
    def subject(self) -> str:
        count = len(self.items)
        return f"Grant decisions: {count} thing{'s' if count != 1 else ''} waiting for you"

    def text(self) -> str:
        lines = [f"{item.text}\n{item.link}" for item in self.items]
        return "These wait for you in Grant decisions:\n\n" + "\n\n".join(lines) + "\n"

    def html(self) -> str:
        rows = format_html_join(
            "\n", '<li><a href="{}">{}</a></li>', ((item.link, item.text) for item in self.items)
        )
        return format_html("<p>These wait for you in Grant decisions:</p>\n<ul>\n{}\n</ul>", rows)


def _case_link(case_id: int) -> str:
    return settings.SITE_URL + reverse("grants:report", args=[case_id])


def moment_of(day: datetime.date) -> datetime.datetime:
    """The time a digest for `day` is as of: now for today, else 9am London time that day."""
    if day == timezone.localdate():
        return timezone.now()
    return timezone.make_aware(datetime.datetime.combine(day, datetime.time(9)))


def digests(day: datetime.date) -> list[Digest]:
    """Everyone with something waiting on `day`, with what waits, in a fixed number of
    queries; nobody with nothing waiting."""
    now = moment_of(day)
    users = list(
        get_user_model()
        .objects.filter(is_active=True)
        .exclude(email="")
        .prefetch_related("groups")
        .order_by("pk")
    )
    by_pk = {user.pk: user for user in users}
    by_role: dict[str, list] = defaultdict(list)
    for user in users:
        for group in user.groups.all():
            by_role[group.name].append(user)
    items: dict[int, list[Item]] = defaultdict(list)

    def add(people, item: Item) -> None:
        for person in people:
            if item not in items[person.pk]:
                items[person.pk].append(item)

    # Sign-offs: areas not signed off on the version the IAM endorsed, once it has
    # waited for them the set number of working days.
    endorsed = {}
    for agenda in (
        AgendaItem.objects.filter(case__state=CaseState.DMPC_REVIEW, outcome__in=ENDORSED)
        .exclude(recorded_at=None)
        .select_related("case", "version")
        .order_by("version__number")
    ):
        endorsed[agenda.case_id] = agenda  # the newest version's endorsement wins
    signed = defaultdict(set)
    for version_id, area in SignOff.objects.filter(
        version_id__in=[agenda.version_id for agenda in endorsed.values()]
    ).values_list("version_id", "area"):
        signed[version_id].add(area)
    for agenda in endorsed.values():
        due = working_days_after(agenda.recorded_at, settings.REMINDER_SIGN_OFF_WORKING_DAYS)
        if due > now:
            continue
        for area, role in SIGN_OFF_ROLES.items():
            if area.value not in signed[agenda.version_id]:
                since = long_date(timezone.localtime(agenda.recorded_at).date())
                text = f"{area.label} sign-off waiting since {since}: {agenda.case.title}"
                add(by_role[role.value], Item(text, _case_link(agenda.case_id)))

    # Needed-by dates close at hand, for whoever acts next on the case.
    limit = working_days_after(now, settings.REMINDER_NEEDED_BY_WORKING_DAYS).date()
    for case in (
        GrantCase.objects.filter(state__in=UNDECIDED, needed_by__lte=limit)
        .prefetch_related("collaborators")
        .order_by("needed_by", "pk")
    ):
        if case.state == CaseState.DRAFT:
            people = [
                by_pk[pk]
                for pk in [case.owner_id, *(c.pk for c in case.collaborators.all())]
                if pk in by_pk
            ]
        else:
            people = [u for role in NEXT_ACTORS[case.state] for u in by_role[role.value]]
        text = f"Decision needed by {long_date(case.needed_by)}: {case.title}"
        add(people, Item(text, _case_link(case.pk)))

    # Questions nobody has answered, for whoever they are addressed to.
    for question in (
        Question.objects.open()
        .filter(answers__isnull=True)
        .filter(Q(addressee__isnull=False) | ~Q(addressee_role=""))
        .select_related("case")
        .distinct()
        .order_by("created_at", "pk")
    ):
        if question.addressee_id:
            people = [by_pk[question.addressee_id]] if question.addressee_id in by_pk else []
        else:
            people = by_role[question.addressee_role]
        people = [person for person in people if person.pk != question.author_id]
        text = f"Question waiting for an answer: {question.case.title}"
        add(people, Item(text, settings.SITE_URL + question_url(question)))

    # Publications overdue, and deferred ones due tomorrow, for the publishers.
    tomorrow = day + datetime.timedelta(days=1)
    for publication in (
        Publication.objects.filter(published_at=None)
        .select_related("decision")
        .order_by("due_at", "pk")
    ):
        when = publication.effective_due_at
        if when <= now:
            since = long_date(timezone.localtime(when).date())
            text = f"Publication overdue since {since}: {publication.reference} {publication.title}"
        elif publication.deferred_until and timezone.localtime(when).date() == tomorrow:
            text = f"Deferred publication due tomorrow: {publication.reference} {publication.title}"
        else:
            continue
        add(by_role["publisher"], Item(text, _case_link(publication.decision.case_id)))

    return [Digest(by_pk[pk], items[pk]) for pk in sorted(items) if items[pk]]


def send(day: datetime.date, *, dry_run: bool = False) -> tuple[list[Digest], int]:
    """Send each person's digest for `day` unless sent already; return those sent (or, for
    a dry run, those that would be) and how many people were skipped.

    Each person's claim and send share a transaction: a second run, or another server,
    waits on the claim and then skips; a failed send rolls the claim back."""
    sent, skipped = [], 0
    pending = digests(day)
    already = set(
        ReminderDigest.objects.filter(day=day, user__in=[d.user for d in pending]).values_list(
            "user_id", flat=True
        )
    )
    for digest in pending:
        if digest.user.pk in already:
            skipped += 1
            continue
        if dry_run:
            sent.append(digest)
            continue
        try:
            with transaction.atomic():
                try:
                    with transaction.atomic():
                        ReminderDigest.objects.create(
                            user=digest.user, day=day, items=len(digest.items)
                        )
                except IntegrityError:
                    skipped += 1
                    continue
                message = EmailMultiAlternatives(
                    digest.subject, digest.text(), settings.DEFAULT_FROM_EMAIL, [digest.user.email]
                )
                message.attach_alternative(digest.html(), "text/html")
                message.send(fail_silently=False)
        except IntegrityError:
            skipped += 1
            continue
        except Exception:
            logger.exception("Could not send the reminders digest to user %s", digest.user.pk)
            continue
        logger.info("Sent the reminders digest for %s to user %s", day, digest.user.pk)
        sent.append(digest)
    return sent, skipped
