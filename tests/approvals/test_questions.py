"""Questions and comments on a case: asked, answered and resolved through the thread's
page, each written with its audit event; who may do what; what waits for whom; and none
of it ever reaches the public."""

import io
import re

import pytest
from django.urls import URLPattern, URLResolver, get_resolver, reverse
from pypdf import PdfReader

from approvals import questions, services
from approvals.accounts.roles import Role
from approvals.models import (
    Answer,
    AuditAction,
    AuditEvent,
    ImmutableRecordError,
    Question,
    QuestionKind,
    Resolution,
)
from approvals.models.questions import TEXT_LIMIT
from tests.factories import make_case, make_user
from tests.workflow import approve, to_dmpc_review, to_ready

pytestmark = pytest.mark.django_db


@pytest.fixture
def case(people):
    """A case at DMPC review: version 1, which every reviewing role can see."""
    case = make_case(people.manager, title="Organised Crime Grant")
    to_dmpc_review(case, people)
    return case


@pytest.fixture
def draft(people):
    return make_case(people.manager, title="A draft never submitted")


def thread_url(case) -> str:
    return reverse("approvals:questions", args=[case.pk])


def answer_url(question) -> str:
    return reverse("approvals:answer", args=[question.case_id, question.pk])


def resolve_url(question) -> str:
    return reverse("approvals:resolve", args=[question.case_id, question.pk])


def as_user(client, user):
    client.force_login(user)
    return client


def events(action) -> list[AuditEvent]:
    return list(AuditEvent.objects.filter(action=action).order_by("sequence"))


def text_of(html: str) -> str:
    return " ".join(re.sub(r"<[^>]+>", " ", html).split())


def ask(client, case, text="Why is overtime so high?", **fields):
    data = {"kind": "question", "text": text, "section": "", "addressee": "", **fields}
    data.setdefault("seen_version", case.current_version().number if case.current_version() else 0)
    return client.post(thread_url(case), data)


# Asking, answering and resolving --------------------------------------------------------


def test_an_adviser_asks_the_grants_manager_about_a_figure_of_the_current_version(
    client, people, case
):
    as_user(client, people.finance)
    form = client.get(thread_url(case)).content.decode()
    # The case's sections and figures, and its people and roles, are offered.
    assert '<option value="unit-1">Figures: Unit 1</option>' in form
    assert '<option value="executive_summary">Executive summary</option>' in form
    assert f'<option value="user:{people.manager.pk}">' in form
    assert '<option value="role:legal adviser">The legal adviser</option>' in form

    response = ask(
        client,
        case,
        "Is the overtime line right?",
        section="unit-1",
        addressee=f"user:{people.manager.pk}",
    )

    question = Question.objects.get()
    assert response.status_code == 302
    assert response["Location"] == f"{thread_url(case)}#question-{question.pk}"
    assert question.kind == QuestionKind.QUESTION
    assert question.author == people.finance
    assert question.text == "Is the overtime line right?"
    assert question.version == case.current_version() and question.version.number == 1
    assert (question.section, question.section_label) == ("unit-1", "Figures: Unit 1")
    assert question.addressee == people.manager
    [event] = events(AuditAction.QUESTION_ASKED)
    assert event.case_id == case.pk and event.actor == people.finance
    assert event.version_id == question.version_id
    assert event.details["question"] == question.pk
    assert event.details["section"] == "unit-1"
    assert event.details["version"] == 1
    assert event.details["text"] == "Is the overtime line right?"
    assert event.details["addressed_to"] == "Manager"

    page = client.get(thread_url(case)).content.decode()
    version_page = reverse("approvals:version", args=[case.pk, 1])
    assert f'href="{version_page}#unit-1-caption"' in page
    shown = text_of(page.split(f'id="question-{question.pk}"', 1)[1].split("</section>", 1)[0])
    assert "Is the overtime line right?" in shown
    assert "Finance, " in shown and "version 1" in shown and "For Manager" in shown
    assert "Open" in shown
    # The anchor it links to is on the version's page.
    assert 'id="unit-1-caption"' in client.get(version_page).content.decode()


def test_a_comment_on_a_draft_never_submitted_is_about_no_version(client, people, draft):
    as_user(client, people.manager)
    form = client.get(thread_url(draft)).content.decode()
    # Nobody but the case's own managers can see a draft, so no role is offered.
    assert "role:" not in form
    response = ask(client, draft, "Reminder: check the rate card.", kind="comment", section="")
    assert response.status_code == 302
    comment = Question.objects.get()
    assert comment.kind == QuestionKind.COMMENT and comment.version is None
    [event] = events(AuditAction.COMMENT_ADDED)
    assert event.details["version"] is None and event.version is None
    assert event.details["text"] == "Reminder: check the rate card."
    assert events(AuditAction.QUESTION_ASKED) == []
    page = client.get(thread_url(draft)).content.decode()
    assert "the draft before its first submission" in page
    assert "Reminder: check the rate card." in page
    assert "Resolve question" not in page  # a comment has nothing to resolve
    assert questions.open_questions([draft.pk]) == {draft.pk: 0}


def test_the_addressee_answers_and_resolves_and_the_thread_shows_it(client, people, case):
    question = questions.ask(
        case, by=people.finance, text="Which year?", addressee=f"user:{people.manager.pk}"
    )
    assert questions.open_questions([case.pk]) == {case.pk: 1}

    as_user(client, people.manager)
    response = client.post(answer_url(question), {f"question-{question.pk}-text": "2025/26."})
    assert response.status_code == 302
    reply = Answer.objects.get()
    assert (reply.question, reply.author, reply.text) == (question, people.manager, "2025/26.")
    [answered] = events(AuditAction.COMMENT_ADDED)
    assert answered.details["question"] == question.pk
    assert answered.details["answer"] == reply.pk
    assert answered.details["text"] == "2025/26."
    assert answered.details["version"] == 1

    response = client.post(resolve_url(question))
    assert response.status_code == 302
    resolution = Resolution.objects.get()
    assert (resolution.question, resolution.resolved_by) == (question, people.manager)
    [resolved] = events(AuditAction.QUESTION_RESOLVED)
    assert resolved.details["question"] == question.pk and resolved.case_id == case.pk
    assert questions.open_questions([case.pk]) == {case.pk: 0}

    page = text_of(client.get(thread_url(case)).content.decode())
    assert "2025/26." in page
    assert "Resolved by Manager" in page
    assert "Resolve question" not in page


def test_the_person_who_asked_may_resolve_and_anyone_holding_the_role_asked(client, people, case):
    to_finance = questions.ask(
        case, by=people.legal, text="Priced right?", addressee="role:finance adviser"
    )
    other_finance = make_user("finance-two", Role.FINANCE_ADVISER)
    as_user(client, other_finance)
    assert client.post(resolve_url(to_finance)).status_code == 302
    assert Resolution.objects.get().resolved_by == other_finance

    own = questions.ask(case, by=people.legal, text="Anyone?")
    as_user(client, people.legal)
    assert client.post(resolve_url(own)).status_code == 302
    assert Resolution.objects.filter(question=own).exists()


@pytest.mark.parametrize("who", ["dmpc", "iam", "finance"])
def test_nobody_else_may_resolve_a_question(client, people, case, who):
    question = questions.ask(
        case, by=people.legal, text="Clear?", addressee=f"user:{people.manager.pk}"
    )
    as_user(client, getattr(people, who))
    assert "Resolve question" not in client.get(thread_url(case)).content.decode()
    response = client.post(resolve_url(question))
    assert response.status_code == 403
    assert not Resolution.objects.exists()
    assert events(AuditAction.QUESTION_RESOLVED) == []
    with pytest.raises(questions.QuestionNotAllowed):
        questions.resolve(question, by=getattr(people, who))


def test_a_comment_cannot_be_resolved(client, people, case):
    comment = questions.ask(case, by=people.legal, text="Noted.", kind=QuestionKind.COMMENT)
    as_user(client, people.legal)
    assert client.post(resolve_url(comment)).status_code == 403
    assert not Resolution.objects.exists()


def test_text_once_posted_cannot_be_changed(people, case):
    question = questions.ask(case, by=people.legal, text="As posted.")
    reply = questions.answer(question, by=people.manager, text="Answered.")
    question.text = "Rewritten."
    with pytest.raises(ImmutableRecordError):
        question.save()
    reply.text = "Rewritten."
    with pytest.raises(ImmutableRecordError):
        reply.save()
    with pytest.raises(ImmutableRecordError):
        question.delete()
    assert Question.objects.get().text == "As posted."


# Who may see the thread -------------------------------------------------------------------


def test_someone_who_cannot_see_the_case_gets_404_everywhere(client, people, draft, outsider):
    question = questions.ask(draft, by=people.manager, text="Note to self?")
    other = make_user("other-manager", Role.GRANTS_MANAGER)
    for user in (other, people.finance, outsider):
        as_user(client, user)
        assert client.get(thread_url(draft)).status_code == 404
        assert ask(client, draft, "Let me in").status_code == 404
        post = {f"question-{question.pk}-text": "Me too"}
        assert client.post(answer_url(question), post).status_code == 404
        assert client.post(resolve_url(question)).status_code == 404
    assert Question.objects.count() == 1
    assert not Answer.objects.exists() and not Resolution.objects.exists()
    with pytest.raises(questions.QuestionNotAllowed):
        questions.ask(draft, by=people.finance, text="Sneaking in")


def test_a_question_of_another_case_is_not_found_under_this_one(client, people, case):
    elsewhere = make_case(people.manager, title="Elsewhere")
    to_dmpc_review(elsewhere, people)
    question = questions.ask(elsewhere, by=people.legal, text="Here?")
    as_user(client, people.legal)
    url = reverse("approvals:resolve", args=[case.pk, question.pk])
    assert client.post(url).status_code == 404


def test_anonymous_visitors_are_sent_to_sign_in(client, people, case):
    question = questions.ask(case, by=people.legal, text="Signed in?")
    for url in (thread_url(case), answer_url(question), resolve_url(question)):
        response = client.post(url, {}) if url != thread_url(case) else client.get(url)
        assert response.status_code == 302
        assert response["Location"] == f"/accounts/login/?next={url}"


def test_answering_and_resolving_take_only_post(client, people, case):
    question = questions.ask(case, by=people.legal, text="Post only?")
    as_user(client, people.legal)
    assert client.get(answer_url(question)).status_code == 405
    assert client.get(resolve_url(question)).status_code == 405
    assert not Resolution.objects.exists()


def test_the_forms_carry_a_csrf_token_and_refuse_a_post_without_one(people, case):
    from django.test import Client

    question = questions.ask(case, by=people.legal, text="Tokens?")
    client = Client(enforce_csrf_checks=True)
    client.force_login(people.legal)
    page = client.get(thread_url(case)).content.decode()
    forms = re.findall(r"<form[^>]*>.*?</form>", page, re.DOTALL)
    actions = [form for form in forms if "/questions/" in form.split(">", 1)[0]]
    assert len(actions) == 3  # ask, answer, resolve
    assert all('name="csrfmiddlewaretoken"' in form for form in actions)
    assert client.post(resolve_url(question)).status_code == 403
    assert not Resolution.objects.exists()


# Bad input ------------------------------------------------------------------------------


def test_an_empty_question_is_refused_with_a_linked_error(client, people, case):
    as_user(client, people.legal)
    response = ask(client, case, "   ", section="legal_comments")
    assert response.status_code == 400
    page = response.content.decode()
    assert '<a href="#id_text">Enter your question or comment</a>' in page
    assert "<title>Error: " in page
    # What else was chosen is kept.
    assert '<option value="legal_comments" selected>' in page
    assert not Question.objects.exists() and events(AuditAction.QUESTION_ASKED) == []


def test_a_question_too_long_is_refused_and_the_text_kept(client, people, case):
    as_user(client, people.legal)
    typed = "Why? " + "x" * TEXT_LIMIT
    response = ask(client, case, typed)
    assert response.status_code == 400
    page = response.content.decode()
    assert f"Your question or comment must be {TEXT_LIMIT:,} characters or fewer" in page
    assert typed in page
    assert not Question.objects.exists()


def test_no_choice_of_kind_links_to_the_first_radio(client, people, case):
    as_user(client, people.legal)
    response = ask(client, case, "Kind?", kind="")
    assert response.status_code == 400
    page = response.content.decode()
    assert 'href="#id_kind_1"' in page and 'id="id_kind_1"' in page
    assert "Kind?" in page


@pytest.mark.parametrize(
    ("fields", "message", "anchor"),
    [
        ({"section": "no-such-part"}, "Choose a section or figure from the list", "id_section"),
        (
            {"addressee": "user:99999"},
            "Choose who the question is for from the list",
            "id_addressee",
        ),
        (
            {"kind": "comment", "addressee": "role:DMPC"},
            "A comment is not addressed to anyone: choose a question, or no one",
            "id_addressee",
        ),
    ],
)
def test_choices_not_offered_are_refused(client, people, case, fields, message, anchor):
    as_user(client, people.legal)
    response = ask(client, case, "Typed and kept.", **fields)
    assert response.status_code == 400
    page = response.content.decode()
    assert f'<a href="#{anchor}">{message}</a>' in page
    assert "Typed and kept." in page
    assert not Question.objects.exists()


def test_a_question_sent_after_a_new_version_was_submitted_is_refused(client, people, draft):
    as_user(client, people.manager)
    # The page was opened while the case was a draft; it was submitted before sending.
    services.submit(draft, by=people.manager)
    response = ask(client, draft, "About the draft I read.", seen_version=0)
    assert response.status_code == 400
    page = text_of(response.content.decode())
    assert "A new version of the case (version 1) was submitted since you opened this page" in page
    assert "About the draft I read." in page
    assert not Question.objects.exists()


def test_an_empty_answer_is_refused_with_a_link_to_its_own_box(client, people, case):
    question = questions.ask(case, by=people.legal, text="Answer me")
    as_user(client, people.manager)
    response = client.post(answer_url(question), {f"question-{question.pk}-text": ""})
    assert response.status_code == 400
    page = response.content.decode()
    box = f"id_question-{question.pk}-text"
    assert f'<a href="#{box}">Enter your answer</a>' in page
    assert f'id="{box}"' in page
    assert not Answer.objects.exists()


def test_an_answer_to_a_question_resolved_meanwhile_is_refused_and_kept(client, people, case):
    question = questions.ask(case, by=people.legal, text="Still open?")
    as_user(client, people.manager)
    client.get(thread_url(case))  # the manager opens the page and starts typing...
    questions.resolve(question, by=people.legal)  # ...and the asker resolves it first.

    typed = "Here is the answer you wanted."
    response = client.post(answer_url(question), {f"question-{question.pk}-text": typed})

    assert response.status_code == 400
    page = response.content.decode()
    assert "This question was resolved by Legal on" in text_of(page)
    assert "Your answer has not been saved." in page
    assert f">\n{typed}</textarea>" in page
    assert not Answer.objects.exists()
    assert events(AuditAction.COMMENT_ADDED) == []


def test_resolving_twice_says_who_resolved_it_first(client, people, case):
    question = questions.ask(
        case, by=people.legal, text="Twice?", addressee=f"user:{people.manager.pk}"
    )
    questions.resolve(question, by=people.manager)
    as_user(client, people.legal)
    response = client.post(resolve_url(question), follow=True)
    assert "This question was resolved by Manager on" in text_of(response.content.decode())
    assert Resolution.objects.count() == 1
    assert len(events(AuditAction.QUESTION_RESOLVED)) == 1


# Email and the addressee's queue ------------------------------------------------------------


def test_the_addressee_is_emailed_once_the_question_is_saved(
    people, case, mailoutbox, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        question = questions.ask(
            case,
            by=people.finance,
            text="Secret figure zqx?",
            section="unit-1",
            addressee=f"user:{people.manager.pk}",
        )
        assert mailoutbox == []  # nothing is sent before the transaction commits
    assert len(callbacks) == 1
    [email] = mailoutbox
    assert email.to == ["manager@example.org"]
    assert email.subject == "A question for you on the grant case: Organised Crime Grant"
    assert "Finance has asked Manager a question" in email.body
    assert "about “Figures: Unit 1”" in email.body
    assert f"/staff/cases/{case.pk}/questions/#question-{question.pk}" in email.body
    # The thread is read behind sign-in, not in an inbox.
    assert "Secret figure zqx?" not in email.body


def test_a_question_to_a_role_emails_everyone_holding_it_but_the_asker(
    people, case, mailoutbox, django_capture_on_commit_callbacks
):
    make_user("legal-two", Role.LEGAL_ADVISER)
    with django_capture_on_commit_callbacks(execute=True):
        questions.ask(case, by=people.legal, text="Lawful?", addressee="role:legal adviser")
    assert sorted(address for email in mailoutbox for address in email.to) == [
        "legal-two@example.org"
    ]


def test_comments_and_questions_to_nobody_send_no_email(
    people, case, mailoutbox, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        questions.ask(case, by=people.legal, text="FYI", kind=QuestionKind.COMMENT)
        questions.ask(case, by=people.legal, text="Anyone?")
    assert mailoutbox == []


def test_open_questions_for_someone_wait_on_their_staff_home(client, people, case):
    question = questions.ask(
        case,
        by=people.finance,
        text="Which year?",
        section="unit-1",
        addressee=f"user:{people.manager.pk}",
    )
    questions.ask(case, by=people.finance, text="To legal", addressee="role:legal adviser")
    as_user(client, people.manager)
    page = client.get(reverse("staff-home")).content.decode()
    assert "Questions for you (1)" in page
    link = f'href="/staff/cases/{case.pk}/questions/#question-{question.pk}"'
    assert link in page
    assert f"Question {question.pk}: Figures: Unit 1" in page
    assert "(not answered yet)" in page

    # The legal adviser sees the one to their role; the asker sees neither.
    as_user(client, people.legal)
    assert "Questions for you (1)" in client.get(reverse("staff-home")).content.decode()
    as_user(client, people.finance)
    assert "Questions for you (0)" in client.get(reverse("staff-home")).content.decode()

    questions.resolve(question, by=people.manager)
    as_user(client, people.manager)
    page = client.get(reverse("staff-home")).content.decode()
    assert "Questions for you (0)" in page and link not in page


def test_open_questions_counts_each_case_in_one_query(people, case, django_assert_num_queries):
    other = make_case(people.manager, title="Other")
    to_dmpc_review(other, people)
    quiet = make_case(people.manager, title="Quiet")
    for text in ("One", "Two", "Three"):
        questions.ask(case, by=people.legal, text=text)
    questions.ask(case, by=people.legal, text="A comment", kind=QuestionKind.COMMENT)
    resolved = questions.ask(other, by=people.legal, text="Done")
    questions.resolve(resolved, by=people.legal)
    questions.ask(other, by=people.legal, text="Open")
    with django_assert_num_queries(1):
        counts = questions.open_questions([case.pk, other.pk, quiet.pk])
    assert counts == {case.pk: 3, other.pk: 1, quiet.pk: 0}


def test_unanswered_questions_for_leaves_out_the_answered_and_the_resolved(people, case):
    to_me = f"user:{people.manager.pk}"
    waiting = questions.ask(case, by=people.legal, text="Waiting", addressee=to_me)
    answered = questions.ask(case, by=people.legal, text="Answered", addressee=to_me)
    questions.answer(answered, by=people.manager, text="Yes.")
    resolved = questions.ask(case, by=people.legal, text="Resolved", addressee=to_me)
    questions.resolve(resolved, by=people.legal)
    by_role = questions.ask(case, by=people.finance, text="Role", addressee="role:legal adviser")
    assert list(questions.unanswered_questions_for(people.manager)) == [waiting]
    assert list(questions.questions_for(people.manager)) == [waiting, answered]
    assert list(questions.unanswered_questions_for(people.legal)) == [by_role]
    assert list(questions.unanswered_questions_for(people.dmpc)) == []


def test_the_case_page_links_to_the_thread_with_its_open_count(client, people, case):
    questions.ask(case, by=people.legal, text="One")
    questions.ask(case, by=people.legal, text="Two")
    as_user(client, people.dmpc)
    page = client.get(reverse("grants:report", args=[case.pk])).content.decode()
    assert f'href="{thread_url(case)}"' in page
    assert "2 open questions" in page


# Never public ---------------------------------------------------------------------------

PLANTED = "zqxquestiontext"


def public_urls(slug: str) -> list[str]:
    """Every public URL pattern of the project (not staff, accounts or admin), with the
    published decision's slug where one is needed, and searches for the planted word."""
    urls = []

    def walk(patterns, prefix):
        for entry in patterns:
            route = prefix + str(entry.pattern)
            if isinstance(entry, URLResolver):
                walk(entry.url_patterns, route)
            elif isinstance(entry, URLPattern) and not route.startswith(
                ("staff/", "accounts/", "admin/")
            ):
                urls.append("/" + route.replace("<slug:slug>", slug).replace("<int:number>", "1"))

    walk(get_resolver().url_patterns, "")
    assert not [url for url in urls if "<" in url], urls
    for path in ("/decisions/", "/decisions.csv", "/decisions.json"):
        urls.append(f"{path}?q={PLANTED}")
    return urls


def readable(response) -> str:
    content = b"".join(response.streaming_content) if response.streaming else response.content
    headers = "\n".join(f"{name}: {value}" for name, value in response.items())
    if content.startswith(b"%PDF-"):
        text = "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(content)).pages)
    else:
        text = content.decode("utf-8", errors="replace")
    return f"{headers}\n{text}".casefold()


def test_questions_and_answers_never_reach_a_public_url(client, people):
    case = make_case(people.manager, title="A published grant")
    to_ready(case, people)
    question = questions.ask(
        case,
        by=people.finance,
        text=f"Question {PLANTED}?",
        section="executive_summary",
        addressee=f"user:{people.manager.pk}",
    )
    questions.answer(question, by=people.manager, text=f"Answer {PLANTED}.")
    questions.ask(case, by=people.legal, text=f"Comment {PLANTED}.", kind=QuestionKind.COMMENT)
    decision = approve(case, people)
    from approvals.publication import services as publishing

    publishing.publish_now(decision.publication, by=people.publisher)
    questions.resolve(question, by=people.manager)
    slug = decision.publication.slug

    # The words are on the staff page, so they are there to be leaked.
    staff = as_user(client.__class__(), people.dmpc)
    assert PLANTED in staff.get(thread_url(case)).content.decode()

    visited = {}
    for url in public_urls(slug):
        response = client.get(url)
        visited[url] = response.status_code
        text = readable(response)
        if "?q=" in url and url.startswith("/decisions/?"):
            assert "0 decisions" in text, url
            text = text.replace(PLANTED, "")
        if "?q=" in url and url.startswith("/decisions.json?"):
            # The JSON's metadata repeats the search its rows match; it must match none.
            assert '"count": 0' in text and '"decisions": [\n]' in text, url
            text = text.replace(PLANTED, "")
        assert PLANTED not in text, url
    # The decision's own page, document, PDF and the open data were really read.
    for suffix in ("/", "/document.json", "/decision.pdf"):
        assert visited[f"/decisions/{slug}{suffix}"] == 200, suffix
    assert visited["/decisions.csv"] == 200 and visited["/decisions.json"] == 200
    # Nor are they in any version's document, which Part 1 is published from.
    assert all(PLANTED not in str(v.document) for v in case.versions.all())
