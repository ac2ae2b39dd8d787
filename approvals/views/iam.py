"""IAM meetings: the IAM secretariat records each meeting, puts cases waiting for IAM on
its agenda and records what the meeting advised on each. The pages are the
secretariat's alone; every change goes through approvals.services."""

from django.contrib import messages
from django.db.models import Count, OuterRef, Q, QuerySet, Subquery
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.views.decorators.http import require_http_methods, require_POST, require_safe

from approvals import services
from approvals.accounts.roles import Role, role_required
from approvals.documents import iam_pack, pdf
from approvals.forms import AgendaForm, MeetingForm, OutcomeForm
from approvals.models import AgendaItem, CaseVersion, IamMeeting, IamOutcome
from approvals.services import CaseChanged, WorkflowError
from approvals.workflow import IAM_OUTCOME_STEPS, CaseFacts, can
from grants.formatting import long_date
from grants.models import CaseState, GrantCase
from grants.permissions import cases_visible_to
from grants.views.pages import form_page, posted_data

form_view = require_http_methods(["GET", "HEAD", "POST"])

secretariat_only = role_required(
    [Role.IAM_SECRETARIAT],
    "Only the IAM secretariat can see IAM meetings and record what they advised.",
)


def cases_waiting(user) -> QuerySet[GrantCase]:
    """Cases the secretariat may put on an agenda now (approvals.workflow's
    "add_to_agenda"), longest waiting first, each with its current version's number."""
    candidates = cases_visible_to(user, GrantCase.objects.filter(state=CaseState.IAM_REVIEW))
    facts = CaseFacts.prefetch(candidates)
    allowed = [
        pk for pk, fact in facts.items() if can(user, "add_to_agenda", fact.case, fact) is None
    ]
    current = CaseVersion.objects.filter(case=OuterRef("pk")).current()
    return (
        GrantCase.objects.filter(pk__in=allowed)
        .annotate(
            version_number=Subquery(current.values("number")),
            submitted_at=Subquery(current.values("created_at")),
        )
        .order_by("submitted_at", "pk")
    )


@secretariat_only
@require_safe
def meeting_list(request):
    meetings = IamMeeting.objects.annotate(
        case_count=Count("items"),
        recorded_count=Count("items", filter=~Q(items__outcome=IamOutcome.PENDING)),
    )
    today = timezone.localdate()
    return render(
        request,
        "approvals/iam/meeting_list.html",
        {
            "upcoming": meetings.filter(date__gte=today).order_by("date", "pk"),
            "past": meetings.filter(date__lt=today).order_by("-date", "-pk"),
            "waiting": cases_waiting(request.user),
        },
    )


@secretariat_only
@form_view
def meeting_create(request):
    form = MeetingForm(posted_data(request))
    if request.method == "POST" and form.is_valid():
        try:
            meeting = services.record_meeting(by=request.user, **form.cleaned_data)
        except WorkflowError as refused:
            form.add_error(None, str(refused))
        else:
            messages.success(
                request,
                f"The IAM meeting of {long_date(meeting.date)} has been recorded. "
                "You can now add cases to its agenda.",
            )
            return redirect("approvals:meeting", meeting.pk)
    return form_page(request, "approvals/iam/meeting_create.html", {"form": form})


def _meeting_page(request, meeting: IamMeeting, form: AgendaForm | None = None):
    """The meeting, its agenda and the form that adds to it (with errors, after a failed
    add)."""
    items = list(meeting.items.select_related("case", "version").order_by("pk"))
    # Cases returned to draft are their grants managers' again: link only to the ones
    # the secretariat can still open.
    visible = set(
        cases_visible_to(request.user)
        .filter(pk__in=[item.case_id for item in items])
        .values_list("pk", flat=True)
    )
    facts = CaseFacts.prefetch({item.case for item in items})
    for item in items:
        item.case_visible = item.case_id in visible
        item.can_record = item.outcome == IamOutcome.PENDING and any(
            can(request.user, name, item.case, facts[item.case_id]) is None
            for name in IAM_OUTCOME_STEPS
        )
    waiting = cases_waiting(request.user)
    if form is None:
        form = AgendaForm(waiting=waiting, visible=cases_visible_to(request.user))
    pack = meeting.packs.order_by("-number").first()
    return form_page(
        request,
        "approvals/iam/meeting_detail.html",
        {
            "meeting": meeting,
            "items": items,
            "form": form,
            "any_waiting": waiting.exists(),
            "pack": pack,
            "pack_current": pack is not None and pack.contents == iam_pack.pack_contents(meeting),
        },
    )


@secretariat_only
@require_safe
def meeting_detail(request, meeting_pk):
    return _meeting_page(request, get_object_or_404(IamMeeting, pk=meeting_pk))


@secretariat_only
@require_safe
def meeting_pack(request, meeting_pk):
    """The meeting's pack as its agenda stands: drawn when it changed, and each
    download audited with the pack's number."""
    meeting = get_object_or_404(IamMeeting, pk=meeting_pk)
    if request.method == "HEAD":
        pack = iam_pack.current_pack(meeting, by=request.user)
    else:
        pack = iam_pack.download(meeting, by=request.user)
    return pdf.stored_response(pack, filename=iam_pack.filename(pack))


@secretariat_only
@require_POST
def add_to_agenda(request, meeting_pk):
    meeting = get_object_or_404(IamMeeting, pk=meeting_pk)
    form = AgendaForm(
        request.POST,
        waiting=cases_waiting(request.user),
        visible=cases_visible_to(request.user),
    )
    if form.is_valid():
        case = form.cleaned_data["case"]
        try:
            services.add_to_agenda(meeting, case, by=request.user)
        except CaseChanged as changed:
            messages.warning(request, str(changed))
            return redirect("approvals:meeting", meeting.pk)
        except WorkflowError as refused:
            form.add_error("case", str(refused))
        else:
            messages.success(request, f"‘{case.title}’ has been added to the agenda.")
            return redirect("approvals:meeting", meeting.pk)
    return _meeting_page(request, meeting, form)


def _next_step(outcome: IamOutcome) -> str:
    if outcome == IamOutcome.RETURNED:
        return "The case is back in draft with its grants manager."
    return "The case now goes to the advisers for sign-off and then to the DMPC."


@secretariat_only
@form_view
def record_outcome(request, meeting_pk, item_pk):
    item = get_object_or_404(
        AgendaItem.objects.select_related("meeting", "case", "version"),
        pk=item_pk,
        meeting_id=meeting_pk,
    )
    case = item.case
    if item.outcome != IamOutcome.PENDING:
        messages.warning(
            request,
            f"IAM’s outcome for ‘{case.title}’ has already been recorded: "
            f"{item.get_outcome_display().lower()}. Nothing has been changed.",
        )
        return redirect("approvals:meeting", meeting_pk)
    if case.state != CaseState.IAM_REVIEW:
        messages.warning(
            request,
            f"‘{case.title}’ is no longer waiting for IAM (it is now "
            f"‘{case.get_state_display()}’), so IAM’s outcome cannot be recorded.",
        )
        return redirect("approvals:meeting", meeting_pk)

    form = OutcomeForm(
        posted_data(request),
        initial={
            "seen_version": item.version.number,
            "attendees": item.meeting.attendees or item.meeting.invitees,
        },
    )
    if request.method == "POST" and form.is_valid():
        outcome = form.chosen_outcome
        try:
            services.record_iam_outcome(
                case,
                by=request.user,
                outcome=outcome,
                note=form.note,
                attendees=form.cleaned_data["attendees"],
                minutes=form.cleaned_data["minutes"],
                seen_version=form.cleaned_data["seen_version"],
            )
        except CaseChanged as changed:
            messages.warning(request, str(changed))
            return redirect("approvals:meeting", meeting_pk)
        except WorkflowError as refused:
            form.add_error(None, str(refused))
        else:
            messages.success(
                request,
                f"IAM’s outcome for ‘{case.title}’ has been recorded: "
                f"{outcome.label.lower()}. {_next_step(outcome)}",
            )
            return redirect("approvals:meeting", meeting_pk)
    return form_page(
        request,
        "approvals/iam/record_outcome.html",
        {"item": item, "meeting": item.meeting, "case": case, "form": form},
    )
