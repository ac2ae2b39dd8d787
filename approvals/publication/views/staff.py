"""Publication pages and grant agreements.

Publishers see what is waiting to be published, publish it, defer it or publish a
correction, and check that decisions were published on time; every change goes through
approvals.publication. A case's grants managers, or a publisher, upload its signed grant
agreement once it is approved (approvals.publication.agreements); another publisher reviews
it before it is published; anyone who can see the case can download it.
"""

from dataclasses import dataclass

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.db.models import Count, OuterRef, Subquery
from django.db.models.functions import Coalesce
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.views.decorators.csrf import csrf_exempt, csrf_protect
from django.views.decorators.http import require_http_methods, require_POST, require_safe

from approvals.accounts.roles import Role, role_required, roles_of
from approvals.models import (
    AgreementReview,
    DecisionOutcome,
    GrantAgreement,
    Publication,
    PublishedRevision,
    Withdrawal,
)
from approvals.publication import agreements, withdrawal
from approvals.publication import services as publication
from approvals.publication.agreements import AgreementError, agreement_response
from approvals.publication.forms import (
    FIT,
    PUBLISH_AT_TEXT,
    AgreementForm,
    AgreementReviewForm,
    CorrectionForm,
    DeferForm,
    WithdrawalForm,
)
from approvals.publication.record import decision_facts
from approvals.publication.services import PublicationError
from approvals.publication.withdrawal import WithdrawalError
from approvals.queues import withdrawals_waiting
from approvals.uploads import UploadLimit
from approvals.views import forbid_unless_role
from approvals.workflow import (
    CaseChanged,
    CaseFacts,
    WorkflowError,
    can,
    refusal,
    withdrawal_refusal,
)
from grants.formatting import long_date
from grants.permissions import get_case_for_user
from grants.views.pages import form_page, posted_data

form_view = require_http_methods(["GET", "HEAD", "POST"])
RECENTLY_PUBLISHED = 20


publishers_only = role_required([Role.PUBLISHER], "Only publishers can see and change publication.")


def _publication(pk: int) -> Publication:
    return get_object_or_404(
        Publication.objects.made_here().select_related(
            "decision__version", "decision__decided_by", "decision__case"
        ),
        pk=pk,
    )


def _revisions(item: Publication) -> list[PublishedRevision]:
    return list(
        item.revisions.select_related("published_by", "agreement", "publication").order_by(
            "-number"
        )
    )


def _with_agreements(publications):
    """Each publication with its newest uploaded agreement and the one its current
    revision publishes, so that a list shows both without a query per row."""
    newest = GrantAgreement.objects.filter(decision=OuterRef("decision")).order_by(
        "-uploaded_at", "-id"
    )
    current = PublishedRevision.objects.filter(publication=OuterRef("pk")).current()
    reviewed = newest.filter(review=AgreementReview.REVIEWED)
    return publications.annotate(
        newest_agreement=Subquery(newest.values("pk")[:1]),
        newest_review=Subquery(newest.values("review")[:1]),
        reviewed_agreement=Subquery(reviewed.values("pk")[:1]),
        published_agreement=Subquery(current.values("agreement")[:1]),
    )


# Publication ------------------------------------------------------------------------------


@publishers_only
@require_safe
def publication_list(request):
    waiting = (
        _with_agreements(Publication.objects.filter(published_at__isnull=True))
        .select_related("decision")
        .annotate(publish_at=Coalesce("deferred_until", "due_at"))
        .order_by("publish_at", "pk")
    )
    published = (
        _with_agreements(Publication.objects.made_here().filter(published_at__isnull=False))
        .select_related("decision")
        .annotate(revision_count=Count("revisions"))
        .order_by("-published_at", "-pk")[:RECENTLY_PUBLISHED]
    )
    return render(
        request,
        "publication/publication_list.html",
        {
            "waiting": waiting,
            "published": published,
            "now": timezone.now(),
            "withdrawals": withdrawals_waiting(request.user),
        },
    )


def _detail_context(item: Publication) -> dict:
    revisions = _revisions(item)
    current = revisions[0] if revisions else None
    newest_agreement = publication.latest_agreement(item.decision)
    return {
        "publication": item,
        "decision": item.decision,
        # As published, or as it will be: the same function makes both.
        "record_facts": decision_facts(
            current.record if current else publication.decision_record(item)
        ),
        "revisions": revisions,
        "current": current,
        "newest_agreement": newest_agreement,
        "newest_upload": item.decision.agreements.order_by("-uploaded_at", "-id").first(),
        "agreement_waiting": newest_agreement is not None
        and (current is None or current.agreement_id != newest_agreement.pk),
        "approved": item.decision.outcome != DecisionOutcome.REJECTED,
        "now": timezone.now(),
        "defer_form": _defer_form(item, secondary=True) if current is None else None,
        "correction_form": _correction_form(item) if current else None,
        **_withdrawal_context(item, revisions),
    }


def _withdrawal_context(item: Publication, revisions: list[PublishedRevision]) -> dict:
    """Each withdrawal request and its state, what may still be withdrawn, and what this
    publisher may do about each open request (approvals.workflow decides)."""
    requests = list(
        item.withdrawals.select_related(
            "revision", "agreement", "requested_by", "confirmed_by", "cancelled_by"
        ).order_by("-requested_at", "-pk")
    )
    live = [w for w in requests if w.cancelled_at is None]
    taken_revisions = {w.revision_id: w for w in live if w.revision_id}
    taken_agreements = {w.agreement_id: w for w in live if w.agreement_id}
    for revision in revisions:
        revision.withdrawal = taken_revisions.get(revision.pk)
    published_agreements = {r.agreement_id: r.agreement for r in revisions if r.agreement_id}
    return {
        "withdrawals": requests,
        "withdrawable_agreements": [
            a for pk, a in published_agreements.items() if pk not in taken_agreements
        ],
        "withdrawn_agreements": {pk for pk, w in taken_agreements.items() if w.confirmed_at},
        # The revision the public sees: the newest not withdrawn.
        "shown": next(
            (
                r
                for r in revisions
                if not (taken_revisions.get(r.pk) and taken_revisions[r.pk].confirmed_at)
            ),
            None,
        ),
    }


def _defer_form(item: Publication, data=None, **kwargs) -> DeferForm:
    initial = {"reason": item.deferral_reason}
    if item.deferred_until:
        initial["until"] = timezone.localdate(item.deferred_until)
    return DeferForm(data, initial=initial, **kwargs)


def _correction_form(item: Publication, data=None) -> CorrectionForm:
    """Filled in from the revision a correction starts from (never a withdrawn one while
    another is public); it names the newest revision as the one seen."""
    base = publication.correction_base(item)
    initial = {field: base.record.get(field, "") for field in publication.CORRECTABLE}
    newest = item.current_revision()
    return CorrectionForm(data, initial={**initial, "seen_revision": newest.number})


@publishers_only
@require_safe
def publication_detail(request, publication_pk):
    item = _publication(publication_pk)
    context = _detail_context(item)
    may_withdraw = can(request.user, "request_withdrawal", item.decision.case) is None
    for asked in context["withdrawals"]:
        asked.refusal = withdrawal_refusal(request.user, asked, case=item.decision.case)
        asked.may_cancel = may_withdraw and asked.state == Withdrawal.State.REQUESTED
    context["may_withdraw"] = may_withdraw
    return render(request, "publication/publication_detail.html", context)


@publishers_only
@require_POST
def publish_now(request, publication_pk):
    item = _publication(publication_pk)
    try:
        revision = publication.publish_now(item, by=request.user)
    except PublicationError as refused:
        messages.error(request, str(refused))
    else:
        published = f"{item.reference} has been published"
        if revision.agreement is None and item.decision.outcome != DecisionOutcome.REJECTED:
            published += (
                " without its grant agreement, which will be added once one is uploaded"
                " and reviewed"
            )
        messages.success(request, published + ".")
    return redirect("approvals:publication", item.pk)


@publishers_only
@form_view
def defer(request, publication_pk):
    item = _publication(publication_pk)
    if item.is_published:
        messages.error(
            request, f"{item.reference} is already published: it can be corrected, not deferred."
        )
        return redirect("approvals:publication", item.pk)
    form = _defer_form(item, posted_data(request))
    if request.method == "POST" and form.is_valid():
        try:
            publication.defer(
                item, by=request.user, until=form.publish_at, reason=form.cleaned_data["reason"]
            )
        except PublicationError as refused:
            form.add_error(None, str(refused))
        else:
            messages.success(
                request,
                f"Publication of {item.reference} is deferred. It will be published at "
                f"{PUBLISH_AT_TEXT} on {long_date(form.cleaned_data['until'])}.",
            )
            return redirect("approvals:publication", item.pk)
    return form_page(request, "publication/defer.html", {"publication": item, "form": form})


@publishers_only
@form_view
def correct(request, publication_pk):
    item = _publication(publication_pk)
    revisions = _revisions(item)
    if not revisions:
        messages.error(
            request, f"{item.reference} is not published yet: there is nothing to correct."
        )
        return redirect("approvals:publication", item.pk)
    current = revisions[0]
    form = _correction_form(item, posted_data(request))
    if request.method == "POST" and form.is_valid():
        if form.cleaned_data["seen_revision"] != current.number:
            form = _out_of_date(request, item, current)
        else:
            try:
                revision = publication.publish_correction(
                    item,
                    by=request.user,
                    note=form.cleaned_data["note"],
                    changes=form.changes,
                    seen_revision=current.number,
                )
            except PublicationError as refused:
                form.add_error(None, str(refused))
            else:
                messages.success(
                    request,
                    f"The correction has been published as revision {revision.number} of "
                    f"{item.reference}.",
                )
                return redirect("approvals:publication", item.pk)
    return form_page(
        request,
        "publication/correct.html",
        {
            "publication": item,
            "current": current,
            "record_facts": decision_facts(publication.correction_base(item).record),
            "form": form,
        },
    )


def _out_of_date(request, item: Publication, current: PublishedRevision) -> CorrectionForm:
    """The correction as typed, refused because another revision was published since the
    page was opened: what was typed is kept, and sending it again corrects the current
    revision, which the page shows."""
    data = request.POST.copy()
    data["seen_revision"] = str(current.number)
    form = CorrectionForm(data)
    form.is_valid()
    form.add_error(
        None,
        f"{item.reference} has been republished since you opened this page: it is now "
        f"revision {current.number}. Check your correction against the current record "
        "and publish it again",
    )
    return form


# Compliance ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class Timeliness:
    key: str  # "on_time", "late", "overdue" or "not_due"
    label: str

    @property
    def counts(self) -> bool:
        """Whether it is in the on-time share: everything published or past its due time."""
        return self.key != "not_due"


ON_TIME = Timeliness("on_time", "On time")
LATE = Timeliness("late", "Published late")
OVERDUE = Timeliness("overdue", "Overdue")
NOT_DUE = Timeliness("not_due", "Not yet due")


def timeliness(item: Publication, now) -> Timeliness:
    """Whether a decision was published by the time it was due (one working day after it
    was made). A deferral, however well founded, does not move that time."""
    if item.published_at is not None:
        return ON_TIME if item.published_at <= item.due_at else LATE
    return NOT_DUE if now < item.due_at else OVERDUE


def on_time_share(statuses: list[Timeliness]) -> tuple[int, int, int | None]:
    """(on time, counted, whole percent). The percent is rounded down, so that one late
    decision among hundreds never shows as 100%."""
    counted = [status for status in statuses if status.counts]
    on_time = sum(status is ON_TIME for status in counted)
    percent = on_time * 100 // len(counted) if counted else None
    return on_time, len(counted), percent


@publishers_only
@require_safe
def compliance(request):
    now = timezone.now()
    publications = list(
        Publication.objects.made_here()
        .select_related("decision")
        .order_by("-decision__decided_at", "-pk")
    )
    rows = [(item, timeliness(item, now)) for item in publications]
    on_time, counted, percent = on_time_share([status for _, status in rows])
    return render(
        request,
        "publication/compliance.html",
        {
            "rows": rows,
            "on_time": on_time,
            "counted": counted,
            "percent": percent,
            "not_due": len(rows) - counted,
            "working_days": settings.PUBLICATION_WORKING_DAYS,
        },
    )


# Grant agreements ---------------------------------------------------------------------------


@csrf_exempt  # checked by _upload_agreement, once the size limit is in place
@login_required
@form_view
def upload_agreement(request, pk):
    # The CSRF check reads the request's body, after which its upload handlers are fixed.
    limit = UploadLimit(request, settings.AGREEMENT_MAX_BYTES)
    request.upload_handlers.insert(0, limit)
    return _upload_agreement(request, pk, limit)


@csrf_protect
def _upload_agreement(request, pk, limit: UploadLimit):
    case = get_case_for_user(request.user, pk)
    facts = CaseFacts(case)
    error = refusal(request.user, "upload_agreement", case, facts)
    if error is not None:
        raise PermissionDenied(str(error))
    decision = agreements.approved_decision(case)

    posted = request.method == "POST"
    form = AgreementForm(
        posted_data(request), request.FILES if posted else None, too_large=limit.too_large
    )
    if posted and form.is_valid():
        try:
            agreement = agreements.upload_agreement(
                decision, form.cleaned_data["file"], by=request.user
            )
        except AgreementError as refused:
            form.add_error("file", str(refused))
        else:
            published = Publication.objects.filter(
                decision=decision, published_at__isnull=False
            ).exists()
            # A publisher may not review their own upload.
            publisher = Role.PUBLISHER.value in roles_of(request.user)
            who = "another publisher" if publisher else "a publisher"
            then = (
                "be added to the published decision"
                if published
                else "be published with the decision"
            )
            when = f"Once {who} has reviewed it, it will {then}."
            messages.success(request, f"‘{agreement.original_name}’ has been uploaded. {when}")
            return redirect("grants:report", case.pk)
    return form_page(
        request,
        "publication/upload_agreement.html",
        {"case": case, "decision": decision, "form": form, **_history(request, case, facts)},
    )


def _history(request, case, facts: CaseFacts) -> dict:
    """Every agreement uploaded for the case's decision, newest first, with its review, and
    whether this person may review the newest one now."""
    decision = agreements.approved_decision(case)
    return {
        "agreements": list(
            decision.agreements.select_related("uploaded_by", "reviewed_by").order_by(
                "-uploaded_at", "-id"
            )
        ),
        "published_agreement": _published_agreement_pk(decision),
        "may_review": can(request.user, "review_agreement", case, facts) is None,
    }


@login_required
@form_view
def review_agreement(request, pk):
    case = get_case_for_user(request.user, pk)
    forbid_unless_role(request.user, "review_agreement")
    facts = CaseFacts(case)
    error = refusal(request.user, "review_agreement", case, facts)
    if request.method != "POST" and error is not None:
        # Nothing to review here: say why. A POST goes to the service, which asks again on
        # the locked case.
        if isinstance(error, CaseChanged) and facts.agreement is not None:
            # Reviewed already, by someone else: the agreement's page shows how.
            messages.warning(request, str(error))
            return redirect("approvals:upload-agreement", case.pk)
        raise PermissionDenied(str(error))
    newest = facts.agreement
    form = AgreementReviewForm(
        posted_data(request), initial={"agreement": newest.pk if newest else None}
    )
    if request.method == "POST" and form.is_valid():
        agreement = get_object_or_404(
            GrantAgreement.objects.select_related("decision"),
            pk=form.cleaned_data["agreement"],
            decision__case=case,
        )
        try:
            if form.cleaned_data["outcome"] == FIT:
                agreements.confirm_agreement(
                    agreement, by=request.user, checks=form.cleaned_data["checks"]
                )
            else:
                agreements.reject_agreement(
                    agreement, by=request.user, reason=form.cleaned_data["reason"]
                )
        except CaseChanged as changed:
            messages.warning(request, str(changed))
            return redirect("approvals:upload-agreement", case.pk)
        except (WorkflowError, AgreementError) as refused:
            form.add_error(None, str(refused))
        else:
            if form.cleaned_data["outcome"] == FIT:
                published = Publication.objects.filter(
                    decision=agreement.decision, published_at__isnull=False
                ).exists()
                text = (
                    "It will be added to the published decision shortly."
                    if published
                    else "It will be published with the decision."
                )
                messages.success(request, f"‘{agreement.original_name}’ is reviewed. {text}")
            else:
                messages.success(
                    request,
                    f"‘{agreement.original_name}’ is rejected. Its uploader has been told why.",
                )
            return redirect("approvals:upload-agreement", case.pk)
    return form_page(
        request,
        "publication/review_agreement.html",
        {
            "case": case,
            "decision": agreements.approved_decision(case),
            "form": form,
            "agreement": newest,
            **_history(request, case, facts),
        },
    )


def _published_agreement_pk(decision) -> int | None:
    """The agreement the public sees now, if any."""
    return (
        PublishedRevision.objects.filter(publication__decision=decision)
        .current()
        .values_list("agreement", flat=True)
        .first()
    )


@login_required
@require_safe
def staff_agreement(request, pk, agreement_pk):
    case = get_case_for_user(request.user, pk)
    agreement = get_object_or_404(GrantAgreement, pk=agreement_pk, decision__case=case)
    response = agreement_response(agreement, filename=agreement.original_name)
    # Not yet public, perhaps never: no shared cache may keep it.
    response["Cache-Control"] = "private, no-store"
    return response


# Withdrawals -------------------------------------------------------------------------------


def _withdrawal_page(request, item: Publication, thing, *, what: str):
    form = WithdrawalForm(posted_data(request), submit=f"Ask to withdraw {what}")
    if request.method == "POST" and form.is_valid():
        try:
            reason = form.cleaned_data["reason"]
            withdrawal.request_withdrawal(thing, by=request.user, reason=reason)
        except WithdrawalError as refused:
            form.add_error(None, str(refused))
        else:
            messages.success(
                request,
                f"You have asked to withdraw {what} of {item.reference}. It stays public until "
                "a second publisher confirms the withdrawal.",
            )
            return redirect("approvals:publication", item.pk)
    return form_page(
        request,
        "publication/withdraw.html",
        {"publication": item, "thing": thing, "what": what, "form": form},
    )


@publishers_only
@form_view
def withdraw_revision(request, publication_pk, number):
    item = _publication(publication_pk)
    revision = get_object_or_404(item.revisions, number=number)
    return _withdrawal_page(request, item, revision, what=f"revision {revision.number}")


@publishers_only
@form_view
def withdraw_agreement(request, publication_pk, agreement_pk):
    item = _publication(publication_pk)
    agreement = get_object_or_404(GrantAgreement, pk=agreement_pk, decision=item.decision)
    return _withdrawal_page(request, item, agreement, what="the grant agreement")


def _request_of(item: Publication, withdrawal_pk: int) -> Withdrawal:
    return get_object_or_404(
        Withdrawal.objects.select_related("revision", "agreement"),
        pk=withdrawal_pk,
        publication=item,
    )


@publishers_only
@require_POST
def confirm_withdrawal(request, publication_pk, withdrawal_pk):
    item = _publication(publication_pk)
    asked = _request_of(item, withdrawal_pk)
    try:
        done = withdrawal.confirm_withdrawal(asked, by=request.user)
    except WithdrawalError as refused:
        messages.error(request, str(refused))
    else:
        messages.success(
            request,
            f"{done.thing_label.capitalize()} of {item.reference} has been withdrawn from the "
            "public register.",
        )
    return redirect("approvals:publication", item.pk)


@publishers_only
@require_POST
def cancel_withdrawal(request, publication_pk, withdrawal_pk):
    item = _publication(publication_pk)
    asked = _request_of(item, withdrawal_pk)
    try:
        withdrawal.cancel_withdrawal(asked, by=request.user)
    except WithdrawalError as refused:
        messages.error(request, str(refused))
    else:
        messages.success(request, f"The request to withdraw {asked.thing_label} is cancelled.")
    return redirect("approvals:publication", item.pk)
