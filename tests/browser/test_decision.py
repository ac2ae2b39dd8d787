import pytest

from approvals.models import Decision
from tests.browser.helpers import assert_accessible, sign_in
from tests.factories import PASSWORD, make_case
from tests.workflow import to_ready

pytestmark = pytest.mark.django_db(transaction=True)


def test_the_dmpc_decides_on_an_accessible_page(page, people):
    case = make_case(people.manager, title="Serious violence grant")
    to_ready(case, people)
    sign_in(page, "dmpc", PASSWORD)
    page.goto(f"/staff/cases/{case.pk}/")
    page.get_by_role("button", name="Decide").click()
    assert page.get_by_role("heading", name="Your decision").is_visible()
    assert_accessible(page)

    # A decision without a password is refused, accessibly, and nothing is signed.
    page.get_by_label("Approve").check()
    page.get_by_role("group", name="Do you have any interests to declare?").get_by_label(
        "No"
    ).check()
    page.get_by_role("button", name="Sign the decision").click()
    summary = page.locator(".govuk-error-summary")
    assert "Enter your password to sign the decision" in summary.inner_text()
    assert page.title().startswith("Error: ")
    assert_accessible(page)
    assert not Decision.objects.exists()

    page.get_by_label("Reasons for the decision").fill("Good value for London.")
    page.get_by_label("Your password").fill(PASSWORD)
    page.get_by_role("button", name="Sign the decision").click()
    assert (
        "Decision PCD 1 signed: approved."
        in page.locator(".govuk-notification-banner").inner_text()
    )
    assert Decision.objects.get().reasons == "Good value for London."
    assert_accessible(page)
