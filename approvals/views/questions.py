"""A case's questions and comments: the thread, and the forms to ask, answer and resolve.
Anyone who can see the case sees its thread; the actions go through approvals.questions,
whose refusals are shown on the same page with what was typed kept."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.db.models import Prefetch
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_http_methods, require_POST

from approvals import questions as service
from approvals.forms import AnswerForm, QuestionForm
from approvals.models import Answer, Question
from grants.permissions import get_case_for_user
from grants.views.pages import posted_data


def _question_form(case, version, data=None) -> QuestionForm:
    return QuestionForm(
        data,
        parts=service.case_parts(service.document_for(case, version)),
        addressees=service.addressees(case),
        initial={"kind": "question", "seen_version": version.number if version else 0},
    )


def _thread(case):
    return (
        Question.objects.filter(case=case)
        .select_related("author", "version", "addressee", "resolution__resolved_by")
        .prefetch_related(
            Prefetch("answers", queryset=Answer.objects.select_related("author").order_by("pk"))
        )
        .order_by("-created_at", "-pk")
    )


def _page(request, case, version, *, ask_form, failed=None, refusal="", resolved_meanwhile=False):
    """The thread page. `failed`: a refused answer form, shown again under its question
    with what was typed; `refusal`: why the service refused what was sent."""
    items = []
    for question in _thread(case):
        resolution = getattr(question, "resolution", None) if question.is_question else None
        form = None
        if failed is not None and failed.question.pk == question.pk:
            form = failed.form
        elif resolution is None:
            form = AnswerForm(question=question)
        items.append(
            {
                "question": question,
                "resolution": resolution,
                "addressed_to": service.addressed_to(question),
                "section_url": service.section_url(question),
                "answer_form": form,
                "may_resolve": resolution is None
                and service.resolve_refusal(request.user, question) is None,
            }
        )
    errors = []
    for form in (ask_form, failed.form if failed else None):
        if form is not None and form.is_bound and form.errors:
            errors += form.error_links()
    open_count = sum(1 for item in items if item["question"].is_question and not item["resolution"])
    return render(
        request,
        "approvals/questions.html",
        {
            "case": case,
            "version": version,
            "items": items,
            "open_count": open_count,
            "form": ask_form,
            "errors": errors,
            "refusal": refusal,
            "case_changed": resolved_meanwhile,
        },
        status=400 if errors or refusal else 200,
    )


class _Failed:
    def __init__(self, question, form):
        self.question, self.form = question, form


@login_required
@require_http_methods(["GET", "HEAD", "POST"])
def thread(request, pk):
    """The thread; a POST asks a question or adds a comment."""
    case = get_case_for_user(request.user, pk)
    version = case.current_version()
    form = _question_form(case, version, posted_data(request))
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            question = service.ask(
                case,
                by=request.user,
                text=data["text"],
                kind=data["kind"],
                section=data["section"],
                addressee=data["addressee"],
                seen_version=data["seen_version"],
            )
        except service.QuestionError as refused:
            return _page(request, case, version, ask_form=form, refusal=str(refused))
        noun = "question" if question.is_question else "comment"
        messages.success(request, f"Your {noun} has been added.")
        return redirect(service.question_url(question))
    return _page(request, case, version, ask_form=form)


def _question_for(request, pk, question_pk) -> tuple:
    case = get_case_for_user(request.user, pk)
    questions = Question.objects.select_related("version")
    question = get_object_or_404(questions, pk=question_pk, case=case)
    return case, question


@login_required
@require_POST
def answer(request, pk, question_pk):
    case, question = _question_for(request, pk, question_pk)
    form = AnswerForm(request.POST, question=question)
    version = case.current_version()
    if form.is_valid():
        try:
            service.answer(question, by=request.user, text=form.cleaned_data["text"])
        except service.QuestionError as refused:
            return _page(
                request,
                case,
                version,
                ask_form=_question_form(case, version),
                failed=_Failed(question, form),
                refusal=str(refused),
                resolved_meanwhile=isinstance(refused, service.QuestionClosed),
            )
        messages.success(request, "Your answer has been added.")
        return redirect(service.question_url(question))
    return _page(
        request,
        case,
        version,
        ask_form=_question_form(case, version),
        failed=_Failed(question, form),
    )


@login_required
@require_POST
def resolve(request, pk, question_pk):
    _, question = _question_for(request, pk, question_pk)
    if reason := service.resolve_refusal(request.user, question):
        raise PermissionDenied(reason)
    try:
        service.resolve(question, by=request.user)
    except service.QuestionClosed as closed:
        messages.warning(request, str(closed))
    else:
        messages.success(request, f"Question {question.pk} is resolved.")
    return redirect(service.question_url(question))
