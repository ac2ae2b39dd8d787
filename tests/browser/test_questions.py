"""A case's questions and comments in a real browser: asked, refused, answered and
resolved with the keyboard and the error summary, and checked by every engine on the way,
with the addressee's staff home too."""

import os

import pytest

from approvals import questions
from approvals.models import Answer, Question, Resolution
from tests.browser.helpers import ARTIFACTS, assert_accessible, sign_in
from tests.factories import PASSWORD, make_case
from tests.workflow import to_dmpc_review

pytestmark = pytest.mark.django_db(transaction=True)


def shoot(page, name: str):
    """Screenshots at desktop and phone widths, for a person to look at, when asked for
    (SCREENSHOTS=1); never part of the result."""
    if not os.environ.get("SCREENSHOTS"):
        return
    ARTIFACTS.mkdir(exist_ok=True)
    for width in (1280, 375):
        page.set_viewport_size({"width": width, "height": 900})
        page.screenshot(path=ARTIFACTS / f"{name}-{width}.png", full_page=True)
    page.set_viewport_size({"width": 1280, "height": 720})


def test_an_adviser_asks_the_grants_manager_who_answers_and_resolves(page, people):
    case = make_case(people.manager, title="Organised Crime Grant")
    to_dmpc_review(case, people)
    url = f"/staff/cases/{case.pk}/questions/"
    sign_in(page, "finance", PASSWORD)
    page.goto(url)
    assert page.get_by_role("heading", level=2, name="Questions and comments").is_visible()
    assert_accessible(page)

    # Sent empty: the summary takes focus and its link leads to the box.
    page.get_by_role("button", name="Send", exact=True).click()
    page.wait_for_selector(".govuk-error-summary")
    assert page.title().startswith("Error: ")
    assert "govuk-error-summary" in page.evaluate("document.activeElement.className")
    assert_accessible(page)
    shoot(page, "questions-refused")
    page.get_by_role("link", name="Enter your question or comment").click()
    assert page.evaluate("document.activeElement.id") == "id_text"

    page.keyboard.type("Is the overtime line in Unit 1 right?")
    page.get_by_label("Which section or figure is it about? (optional)").select_option("unit-1")
    page.get_by_label("Who is the question for? (optional)").select_option(
        f"user:{people.manager.pk}"
    )
    page.get_by_role("button", name="Send", exact=True).click()
    page.wait_for_selector(".govuk-notification-banner")
    question = Question.objects.get()
    assert f"#question-{question.pk}" in page.url
    assert page.get_by_role("link", name="Figures: Unit 1").is_visible()
    assert_accessible(page)

    # The manager finds it waiting on their staff home, and answers it.
    page.get_by_role("button", name="Sign out").click()
    sign_in(page, "manager", PASSWORD)
    assert page.get_by_role("heading", name="Questions for you (1)").is_visible()
    assert_accessible(page)
    shoot(page, "questions-staff-home")
    page.get_by_role("link", name=f"Question {question.pk}: Figures: Unit 1").click()
    page.wait_for_url(f"**{url}#question-{question.pk}")
    page.get_by_label(f"Your answer to question {question.pk}").fill("Yes: 52 shifts.")
    page.get_by_role("button", name="Send the answer").click()
    page.wait_for_selector(".govuk-notification-banner")
    assert Answer.objects.get().text == "Yes: 52 shifts."
    page.get_by_role("button", name=f"Resolve question {question.pk}").click()
    page.wait_for_selector("text=Resolved by Manager")
    assert Resolution.objects.get().resolved_by == people.manager
    assert_accessible(page)
    shoot(page, "questions-thread")


def test_an_answer_refused_after_the_question_was_resolved_keeps_what_was_typed(page, people):
    case = make_case(people.manager, title="Organised Crime Grant")
    to_dmpc_review(case, people)
    question = questions.ask(case, by=people.legal, text="Still needed?")
    sign_in(page, "manager", PASSWORD)
    page.goto(f"/staff/cases/{case.pk}/questions/")
    box = page.get_by_label(f"Your answer to question {question.pk}")
    box.fill("My answer, typed while it was resolved.")
    questions.resolve(question, by=people.legal)
    page.get_by_role("button", name="Send the answer").click()
    page.wait_for_selector(".govuk-error-summary")
    summary = page.locator(".govuk-error-summary").inner_text()
    assert "This question was resolved by Legal" in summary
    assert box.input_value() == "My answer, typed while it was resolved."
    assert not Answer.objects.exists()
    assert_accessible(page)
    shoot(page, "questions-resolved-meanwhile")
