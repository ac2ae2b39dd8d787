"""Questions and comments on a case, for staff only: asking, answering and resolving, a
function each, and the questions that wait for someone.

Anyone who can see a case (grants.permissions) may ask, comment or answer; the person
who asked a question, or the person it is addressed to (anyone holding the role it is
addressed to), may resolve it. Each writes its row and its audit event in one
transaction, and the addressee is emailed once that commits. Nothing here is part of the
case document, so none of it reaches Part 1, the public register or open data.
"""

import logging
from collections.abc import Iterable
from dataclasses import dataclass

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.mail import send_mass_mail
from django.db import IntegrityError, transaction
from django.db.models import Count, Q, QuerySet
from django.urls import reverse

from approvals import audit
from approvals.accounts.roles import Role, roles_of
from approvals.models import (
    Answer,
    AuditAction,
    CaseVersion,
    Question,
    QuestionKind,
    Resolution,
)
from approvals.models.questions import TEXT_LIMIT
from grants.document import case_document
from grants.formatting import long_moment
from grants.models import CaseState, GrantCase
from grants.permissions import cases_visible_to
from grants.sections import PART_1_SECTIONS

logger = logging.getLogger(__name__)

# The roles a question may be addressed to, besides the case's own grants managers.
ADDRESSABLE_ROLES = (
    Role.IAM_SECRETARIAT,
    Role.FINANCE_ADVISER,
    Role.LEGAL_ADVISER,
    Role.EQUALITIES_ADVISER,
    Role.PRIVACY_ADVISER,
    Role.DMPC_OFFICE,
    Role.DMPC,
    Role.PUBLISHER,
)
ROLE_NAMES = {
    Role.DMPC.value: "the Deputy Mayor for Policing and Crime",
    Role.DMPC_OFFICE.value: "the DMPC office",
    Role.IAM_SECRETARIAT.value: "the IAM secretariat",
}


class QuestionError(Exception):
    """What was sent cannot be recorded; the message says why, for the person who sent it."""


class QuestionNotAllowed(QuestionError):
    """The person may not take this step on this question."""


class QuestionClosed(QuestionError):
    """The question was resolved, by someone else, since the person loaded the page."""


# Sections, figures and addressees ---------------------------------------------------------


@dataclass(frozen=True)
class CasePart:
    """A section or figure of a case that a question can be about: its key, its name and
    the id of its heading on the report and version pages."""

    key: str
    label: str
    anchor: str


def case_parts(document: dict) -> list[CasePart]:
    """The sections and figures of a case document, in the report's order, each with the
    anchor the report gives it (templates/includes/part1.html, unit_table.html)."""
    parts = []
    sections = document.get("sections", {})
    for section in PART_1_SECTIONS:
        if section.field == "revenue_impact_note":
            parts.append(CasePart("revenue-impact-summary", "Revenue impact summary",
                                  "revenue-impact-summary"))  # fmt: skip
            parts.append(CasePart("breakdown", "Breakdown of grant funded expenditure",
                                  "breakdown"))  # fmt: skip
            for position, unit in enumerate(document.get("units", []), start=1):
                key = f"unit-{position}"
                parts.append(CasePart(key, f"Figures: {unit['name']}", part_anchor(key)))
        elif (sections.get(section.field) or "").strip():
            parts.append(CasePart(section.field, section.title, section.field))
        if section.field == "executive_summary":
            parts.append(CasePart("recommendations", "Recommendations", "recommendations"))
            parts.append(CasePart("time-sensitivity", "Time sensitivity", "time-sensitivity"))
    parts.append(CasePart("part-2", "Part 2 – exempt information", "part-2"))
    return parts


def part_anchor(key: str) -> str:
    """The id of a part's heading on the report and version pages."""
    return f"{key}-caption" if key.startswith("unit-") else key


def section_url(question: Question) -> str:
    """Where the section or figure a question is about is shown: on the version it was
    written against, or for a draft, on the case's report ("" for the whole case)."""
    if not question.section:
        return ""
    if question.version is not None:
        page = reverse("approvals:version", args=[question.case_id, question.version.number])
    else:
        page = reverse("grants:report", args=[question.case_id])
    return f"{page}#{part_anchor(question.section)}"


def document_for(case: GrantCase, version: CaseVersion | None) -> dict:
    """The document a question on the case is written against: its current version's, or
    for a draft never submitted, the case as it stands."""
    if version is not None:
        return version.document
    return case_document(GrantCase.objects.with_contents().get(pk=case.pk))


def addressees(case: GrantCase) -> list[tuple[str, str]]:
    """Who a question on the case may be addressed to, as (value, label): the case's own
    grants managers by name, and once the case has left draft (before that, nobody else
    can see it), whoever holds one of the reviewing roles."""
    people = [case.owner, *case.collaborators.exclude(pk=case.owner_id).order_by("pk")]
    choices = [
        (f"user:{person.pk}", f"{_name(person)}, grants manager")
        for person in people
        if person.is_active
    ]
    if case.state != CaseState.DRAFT:
        choices += [(f"role:{role.value}", _role_name(role.value).capitalize())
                    for role in ADDRESSABLE_ROLES]  # fmt: skip
    return choices


def _role_name(role: str) -> str:
    return ROLE_NAMES.get(role, f"the {role}")


def _name(user) -> str:
    return user.get_full_name() or user.get_username()


def addressed_to(question: Question) -> str:
    """Who the question is addressed to, in words ("" for nobody)."""
    if question.addressee_id:
        return _name(question.addressee)
    if question.addressee_role:
        return _role_name(question.addressee_role)
    return ""


def _check_text(text: str, what: str) -> str:
    text = (text or "").strip()
    if not text:
        raise QuestionError(f"Enter your {what}")
    if len(text) > TEXT_LIMIT:
        raise QuestionError(f"Your {what} must be {TEXT_LIMIT:,} characters or fewer")
    return text


def _check_sees(user, case: GrantCase) -> None:
    if not cases_visible_to(user).filter(pk=case.pk).exists():
        raise QuestionNotAllowed("You cannot see this case.")


def _details(question: Question, **more) -> dict:
    return {
        "question": question.pk,
        "kind": question.kind,
        "section": question.section,
        "section_label": question.section_label,
        "version": question.version.number if question.version else None,
        **more,
    }


# Asking, answering, resolving -------------------------------------------------------------


def ask(
    case: GrantCase,
    *,
    by,
    text: str,
    kind: QuestionKind = QuestionKind.QUESTION,
    section: str = "",
    addressee: str = "",
    seen_version: int | None = None,
) -> Question:
    """Post a question or comment on the case, about its current version (none for a
    draft never submitted). `seen_version` is the version the page showed (0 for none):
    if another has been submitted since, the question is refused, as it would be about a
    version the person has not read."""
    kind = QuestionKind(kind)
    what = "question" if kind == QuestionKind.QUESTION else "comment"
    text = _check_text(text, what)
    with transaction.atomic():
        locked = GrantCase.objects.select_for_update().get(pk=case.pk)
        _check_sees(by, locked)
        version = locked.current_version()
        if seen_version is not None and seen_version != (version.number if version else 0):
            raise QuestionError(
                f"A new version of the case (version {version.number}) was submitted since "
                f"you opened this page. Your {what} has not been saved: check the new "
                "version and send it again."
            )
        part = None
        if section:
            part = {p.key: p for p in case_parts(document_for(locked, version))}.get(section)
            if part is None:
                raise QuestionError("Choose a section or figure of this version of the case")
        user, role = None, ""
        if addressee:
            if kind != QuestionKind.QUESTION:
                raise QuestionError("Only a question is addressed to someone")
            if addressee not in dict(addressees(locked)):
                raise QuestionError("Choose who the question is for from the list")
            scheme, _, value = addressee.partition(":")
            if scheme == "user":
                user = get_user_model().objects.get(pk=int(value))
            else:
                role = value
        question = Question.objects.create(
            case=locked,
            kind=kind,
            author=by,
            text=text,
            version=version,
            section=part.key if part else "",
            section_label=part.label if part else "",
            addressee=user,
            addressee_role=role,
        )
        asked = kind == QuestionKind.QUESTION
        action = AuditAction.QUESTION_ASKED if asked else AuditAction.COMMENT_ADDED
        audit.record(
            action,
            actor=by,
            case=locked,
            version=version,
            details=_details(
                question,
                addressee=addressee,
                addressed_to=addressed_to(question),
                text=text,
            ),
        )
        if user or role:
            transaction.on_commit(lambda: notify_addressee(question))
    return question


def _resolution(question: Question) -> Resolution | None:
    return Resolution.objects.filter(question=question).select_related("resolved_by").first()


def _closed(resolution: Resolution, what: str) -> QuestionClosed:
    return QuestionClosed(
        f"This question was resolved by {_name(resolution.resolved_by)} on "
        f"{long_moment(resolution.resolved_at)}, after you opened this page. {what}"
    )


def answer(question: Question, *, by, text: str) -> Answer:
    """Reply in the thread of a question or comment; an open question only, since once
    it is resolved nobody is waiting for an answer (a new question can follow)."""
    text = _check_text(text, "answer")
    with transaction.atomic():
        locked = (
            Question.objects.select_for_update(of=("self",))
            .select_related("version")
            .get(pk=question.pk)
        )
        _check_sees(by, locked.case)
        if locked.is_question and (resolution := _resolution(locked)) is not None:
            raise _closed(resolution, "Your answer has not been saved.")
        reply = Answer.objects.create(question=locked, author=by, text=text)
        audit.record(
            AuditAction.COMMENT_ADDED,
            actor=by,
            case=locked.case,
            version=locked.version,
            details=_details(locked, answer=reply.pk, text=text),
        )
    return reply


def resolve_refusal(user, question: Question) -> str | None:
    """Why `user` may not resolve the question, or None if they may."""
    if not question.is_question:
        return "A comment is not resolved; only questions are."
    if user.pk in (question.author_id, question.addressee_id):
        return None
    if question.addressee_role and question.addressee_role in roles_of(user):
        return None
    return "Only the person who asked this question, or the person it is for, can resolve it."


def resolve(question: Question, *, by) -> Resolution:
    with transaction.atomic():
        locked = (
            Question.objects.select_for_update(of=("self",))
            .select_related("version")
            .get(pk=question.pk)
        )
        _check_sees(by, locked.case)
        if reason := resolve_refusal(by, locked):
            raise QuestionNotAllowed(reason)
        if (existing := _resolution(locked)) is not None:
            raise _closed(existing, "Nothing has been changed.")
        try:
            with transaction.atomic():
                resolution = Resolution.objects.create(question=locked, resolved_by=by)
        except IntegrityError:  # resolved at the same moment, where rows are not locked
            raise _closed(_resolution(locked), "Nothing has been changed.") from None
        audit.record(
            AuditAction.QUESTION_RESOLVED,
            actor=by,
            case=locked.case,
            version=locked.version,
            details=_details(locked),
        )
    return resolution


# Email --------------------------------------------------------------------------------------


def addressee_emails(question: Question) -> list[str]:
    """Everyone the question is for who can be emailed, but not the person who asked."""
    users = get_user_model().objects.filter(is_active=True).exclude(email="")
    if question.addressee_id:
        users = users.filter(pk=question.addressee_id)
    elif question.addressee_role:
        users = users.filter(groups__name=question.addressee_role)
    else:
        return []
    return sorted(set(users.exclude(pk=question.author_id).values_list("email", flat=True)))


def question_url(question: Question) -> str:
    return reverse("approvals:questions", args=[question.case_id]) + f"#question-{question.pk}"


def notify_addressee(question: Question) -> None:
    """Tell whoever the question is for that it waits for them. The email holds no text
    of the question: the thread is for staff, read behind sign-in."""
    case = question.case
    about = f", about “{question.section_label}”" if question.section_label else ""
    subject = f"A question for you on the grant case: {case.title}"[:200]
    body = (
        f"{_name(question.author)} has asked {addressed_to(question)} a question on the grant "
        f"case “{case.title}”{about}.\n\n"
        f"Read and answer it: {settings.SITE_URL}{question_url(question)}\n"
    )
    messages = [
        (subject, body, settings.DEFAULT_FROM_EMAIL, [address])
        for address in addressee_emails(question)
    ]
    try:
        send_mass_mail(messages, fail_silently=False)
    except Exception:
        # The question is already saved: a mail failure must not undo or hide it.
        logger.exception("Could not send the email about question %s", question.pk)


# What waits ----------------------------------------------------------------------------------


def open_questions(case_ids: Iterable[int]) -> dict[int, int]:
    """How many open questions each case has, in one query: every id asked about is a
    key, with 0 for a case with none."""
    ids = list(case_ids)
    counts = dict.fromkeys(ids, 0)
    rows = (
        Question.objects.open()
        .filter(case_id__in=ids)
        .values("case_id")
        .annotate(count=Count("pk"))
        .values_list("case_id", "count")
        .order_by()
    )
    counts.update(rows)
    return counts


def questions_for(user) -> QuerySet:
    """Open questions addressed to the user, or to a role they hold, on cases they can
    see, oldest first; not the ones they asked themselves."""
    if not user.is_authenticated:
        return Question.objects.none()
    addressed = Q(addressee=user) | Q(addressee_role__in=roles_of(user))
    return (
        Question.objects.open()
        .filter(addressed, case__in=cases_visible_to(user))
        .exclude(author=user)
        .select_related("case", "author", "version", "addressee")
        .annotate(answer_count=Count("answers"))
        .order_by("created_at", "pk")
    )


def unanswered_questions_for(user) -> QuerySet:
    """Of the open questions addressed to the user, those nobody has answered yet."""
    return questions_for(user).filter(answer_count=0)
