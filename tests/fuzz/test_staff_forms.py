"""Hostile input to every form and every public query parameter.

Each test builds the world of tests.matrix once, then Hypothesis posts
random and hostile data: 100,000-character strings, NUL bytes, numbers that are not
numbers ("1e309", "NaN", "--5", "١٢٣", "²"), markup and script, random unicode, and
formsets whose management form counts are garbled. Every example runs in a transaction
that is rolled back, so a post that happens to be valid cannot change what the next
example sees.

Whatever is posted: the answer is never a server error, and "<script>alert(1)</script>"
never comes back unescaped. When the post is clearly invalid (a stale lock, a missing or
impossible value), nothing in the database changes.
"""

import re

import pytest
from django.test import Client
from django.urls import reverse
from django_otp.plugins.otp_totp.models import TOTPDevice
from hypothesis import given, settings
from hypothesis import strategies as st

from grants.forms.paste import split_rows
from grants.models import BudgetYear
from tests.factories import PASSWORD
from tests.fuzz.strategies import (
    DATE_PARTS,
    SCRIPT,
    SHORT_DATES,
    STALE_LOCKS,
    VALUES,
    audit_trail_without_refused_signatures,
    check,
    date,
    fields,
    formset,
    post_and_check,
    rolled_back,
)
from tests.grants.editor_pages import form_values
from tests.matrix import W, client_for, snapshot

pytestmark = pytest.mark.django_db


# Signing in ---------------------------------------------------------------------------------


@settings(max_examples=25)
@given(data=fields(["username", "password", "next"]), next_url=VALUES)
def test_signing_in_with_hostile_credentials_fails_safely(world, data, next_url):
    with rolled_back():
        before = snapshot()
        client = Client()
        check(client.get(reverse("login"), {"next": next_url}))
        response = check(client.post(reverse("login"), data))
        assert response.status_code == 200
        assert "_auth_user_id" not in client.session
        assert snapshot() == before


@settings(max_examples=25)
@given(code=st.one_of(VALUES, st.sampled_from(["123456", "١٢٣٤٥٦", "12 34 56", "7kq2m-xh4pd"])))
def test_multi_factor_codes_take_hostile_input_and_confirm_nothing(world, code):
    with rolled_back():
        # The DMPC has an authenticator; the finance adviser is setting one up.
        TOTPDevice.objects.create(user=world.users["dmpc"], name="Phone", confirmed=True)
        setting_up = client_for(world.users["finance"])
        check(setting_up.get(reverse("mfa-setup")))
        check(setting_up.post(reverse("mfa-setup"), {"code": code}))
        assert not TOTPDevice.objects.filter(user=world.users["finance"], confirmed=True).exists()
        verifying = client_for(world.users["dmpc"])
        for method in ("authenticator", "recovery-code"):
            url = f"{reverse('mfa-verify')}?method={method}"
            assert check(verifying.post(url, {"code": code})).status_code == 400
        assert "otp_device_id" not in verifying.session


# The case editor ----------------------------------------------------------------------------


@settings(max_examples=25)
@given(data=fields(["title", "scheme", "financial_year"]), spoil=st.integers(0, 3))
def test_starting_a_case_with_hostile_data_never_fails(world, data, spoil):
    if spoil:  # a financial year that cannot be one
        data["financial_year"] = ["", "1e309", "NaN", "١٢٣٤/٢٥", "2023/25", SCRIPT][spoil]
    post_and_check(
        world,
        "owner",
        reverse("grants:case-create"),
        data,
        invalid=bool(spoil),
        shows=[reverse("grants:case-list")],
    )


def editor_pages(world) -> dict[str, tuple[str, st.SearchStrategy[dict]]]:
    """Each editing page of the owner's draft, and what may be posted to it."""
    draft = world.draft
    unit = world.unit
    # A second budget year, so the units page has another year's allocations to take.
    BudgetYear.objects.get_or_create(case=draft, financial_year=draft.financial_year + 1)
    posts = list(unit.posts.values_list("pk", flat=True))
    other_year = f"allocation_{draft.financial_year + 1}"
    offer_fields = ["funder", "new_funder", "scheme", "amount", "financial_year", "conditions"]
    offer_fields += [*date("period_start"), *date("period_end"), *date("offer_date")]
    offer_fields += ["amount_confirmed"]
    recommendation_fields = ["text", "is_standing_authority", "annual_cap", *date("ends_on")]

    def url(name, *args):
        return reverse(f"grants:{name}", args=[draft.pk, *args])

    return {
        "details": (
            url("edit-details"),
            fields(["title", "scheme", "financial_year", "report_by", "report_author"]),
        ),
        "offers": (
            url("edit-offers"),
            formset("offers", offer_fields, list(draft.offers.values_list("pk", flat=True))),
        ),
        "units": (
            url("edit-units"),
            formset(
                "units", ["name", "grant_allocation", other_year], [unit.pk, world.other_unit.pk]
            ),
        ),
        "unit": (
            url("edit-unit", unit.pk),
            st.tuples(
                formset(
                    "posts",
                    [
                        *("group", "grade", "annual_cost", "grant_fte", "match_fte"),
                        *("starts_on", "ends_on"),
                    ],
                    posts,
                    special={"starts_on": SHORT_DATES, "ends_on": SHORT_DATES},
                ),
                formset(
                    "costs",
                    ["description", "amount", "financial_year"],
                    [unit.cost_lines.get().pk],
                ),
                fields(["paste-rows"]),
            ).map(lambda parts: parts[0] | parts[1] | parts[2]),
        ),
        "budget years": (
            url("edit-budget-years"),
            st.fixed_dictionaries(
                {}, optional={"years": st.lists(st.one_of(st.sampled_from(["2025"]), VALUES))}
            ),
        ),
        "recommendations": (
            url("edit-recommendations"),
            formset(
                "recommendations",
                recommendation_fields,
                list(draft.recommendations.values_list("pk", flat=True)),
            ),
        ),
        "time sensitivity": (
            url("edit-time-sensitivity"),
            fields(
                [*date("needed_by"), "time_sensitivity"],
                **dict.fromkeys(date("needed_by"), DATE_PARTS),
            ),
        ),
        "section": (url("edit-section", "introduction"), fields(["text"])),
        "part 2": (url("edit-part2"), fields(["part2_content", "part2_exemption_reason"])),
    }


EDITOR_PAGES = [
    "details",
    "offers",
    "units",
    "unit",
    "budget years",
    "recommendations",
    "time sensitivity",
    "section",
    "part 2",
]


@pytest.mark.parametrize("page", EDITOR_PAGES)
@settings(max_examples=25)
@given(data=st.data())
def test_editor_pages_take_hostile_posts_without_failing_or_saving_stale_ones(world, page, data):
    url, strategy = editor_pages(world)[page]
    post = data.draw(strategy, label="post")
    lock = data.draw(st.sampled_from([None, *STALE_LOCKS]), label="lock_version")
    world.draft.refresh_from_db()
    post["lock_version"] = world.draft.lock_version if lock is None else lock
    post_and_check(
        world,
        "owner",
        url,
        post,
        invalid=lock is not None,
        shows=[
            reverse("grants:task-list", args=[world.draft.pk]),
            reverse("grants:report", args=[world.draft.pk]),
        ],
    )


# Cells a spreadsheet could hold, good and hostile, and pastes of rows of them.
CELLS = st.one_of(
    VALUES,
    st.sampled_from(
        ["Detective Inspector", "£102,400.00", "66,230", "1", "0.5", "", " ", "\xa0", '"""']
    ),
)
PASTES = st.one_of(
    VALUES,
    st.tuples(
        st.lists(st.lists(CELLS, max_size=7).map("\t".join), max_size=12),
        st.sampled_from(["\n", "\r\n", "\r"]),
    ).map(lambda rows_and_end: rows_and_end[1].join(rows_and_end[0])),
)


@settings(max_examples=50)
@given(text=PASTES, lock=st.sampled_from([None, *STALE_LOCKS]))
def test_the_paste_box_takes_hostile_rows_and_loses_none(world, text, lock):
    """Whatever is pasted, each row is either added as a post or left in the box: a row
    with problems goes back in the box, and a paste refused whole stays as it was."""
    url = reverse("grants:edit-unit", args=[world.draft.pk, world.unit.pk])
    with rolled_back():
        client = client_for(world.users["owner"])
        data = form_values(check(client.get(url)).content.decode())
        if lock is not None:
            data["lock_version"] = lock
        before = snapshot()
        posts = world.unit.posts.count()
        response = check(client.post(url, data | {"paste-rows": text}))
        if lock is not None:
            assert response.status_code == 409
            assert snapshot() == before
            return
        added = world.unit.posts.count() - posts
        if response.status_code == 302:
            assert added == len(split_rows(text))
            return
        assert response.status_code == 200
        kept = form_values(response.content.decode())["paste-rows"]
        if added == 0 and snapshot() == before:
            assert kept == text  # refused whole
        else:
            kept_rows = [line for line in re.split(r"\r\n|\r|\n", kept) if line.strip()]
            assert added + len(kept_rows) == len(split_rows(text))


@settings(max_examples=25)
@given(data=st.data())
def test_confirming_carried_forward_offers_with_hostile_posts_never_fails(world, data):
    draft = world.rolled_draft
    ids = list(draft.offers.values_list("pk", flat=True))
    row = ["funder", "amount", "financial_year", "amount_confirmed", "conditions"]
    post = data.draw(formset("offers", row, ids), label="post")
    draft.refresh_from_db()
    post["lock_version"] = draft.lock_version
    post_and_check(
        world,
        "owner",
        reverse("grants:edit-offers", args=[draft.pk]),
        post,
        invalid=False,
        shows=[
            reverse("grants:task-list", args=[draft.pk]),
            reverse("grants:compared-with-earlier", args=[draft.pk]),
        ],
    )


@settings(max_examples=25)
@given(
    data=fields(["action", "reference", "kind", "link"], action=st.sampled_from(["add", "remove"])),
    lock=st.sampled_from([None, *STALE_LOCKS]),
)
def test_related_decisions_take_hostile_posts_without_failing(world, data, lock):
    world.draft.refresh_from_db()
    data["lock_version"] = world.draft.lock_version if lock is None else lock
    post_and_check(
        world,
        "owner",
        reverse("approvals:related-decisions", args=[world.draft.pk]),
        data,
        invalid=lock is not None,
        shows=[reverse("grants:report", args=[world.draft.pk])],
    )


# Starting from an earlier case --------------------------------------------------------------

EARLIER = ["published.pk", "standing.case_id", "draft.pk", "rolled.pk", "other_draft.pk"]


@settings(max_examples=25)
@given(case=st.one_of(VALUES, st.sampled_from(EARLIER).map(W)), q=VALUES)
def test_starting_from_a_hostile_or_refused_case_changes_nothing(world, case, q):
    """Every case is refused: the published and the seed's decisions are extended
    already, the others are not decided or not the owner's to see."""
    if isinstance(case, W):
        case = case.find(world)
    url = reverse("grants:start-from-earlier")
    check(client_for(world.users["owner"]).get(url, {"q": q, "page": q}))
    response = post_and_check(world, "owner", f"{url}?q=x", {"case": case}, invalid=True)
    assert response.status_code in (400, 404, 409)


# IAM, clearance and the decision ------------------------------------------------------------


@settings(max_examples=25)
@given(
    data=fields(["time", "place", "invitees"]),
    day=st.sampled_from(["", "1e309", "NaN", "²", "32", "0", SCRIPT, "9" * 5_000, None]),
    month=DATE_PARTS,
    year=DATE_PARTS,
)
def test_recording_an_iam_meeting_with_hostile_data_never_fails(world, data, day, month, year):
    data.update(date_0="1" if day is None else day, date_1=month, date_2=year)
    post_and_check(
        world,
        "iam",
        reverse("approvals:meeting-create"),
        data,
        invalid=day is not None,
        shows=[reverse("approvals:meetings")],
    )


@settings(max_examples=25)
@given(
    case=st.one_of(
        VALUES, st.sampled_from(["at_iam", "clearing", "draft", "other_draft"]).map(W.pk_of)
    )
)
def test_adding_a_hostile_case_to_an_agenda_changes_nothing(world, case):
    """Every case is refused: the one at IAM is on this agenda already, the others are
    past IAM or drafts the secretariat cannot see."""
    if isinstance(case, W):
        case = case.find(world)
    url = reverse("approvals:add-to-agenda", args=[world.meeting.pk])
    post_and_check(world, "iam", url, {"case": case}, invalid=True)


@settings(max_examples=25)
@given(
    data=fields(["conditions", "changes", "reasons", "attendees", "minutes", "seen_version"]),
    outcome=st.one_of(
        VALUES, st.sampled_from(["endorsed", "endorsed_with_conditions", "returned"])
    ),
)
def test_recording_an_iam_outcome_with_hostile_data_never_fails(world, data, outcome):
    data["outcome"] = outcome
    url = reverse("approvals:record-outcome", args=[world.meeting.pk, world.item.pk])
    valid_outcome = outcome in ("endorsed", "endorsed_with_conditions", "returned")
    post_and_check(
        world,
        "iam",
        url,
        data,
        invalid=not valid_outcome,
        shows=[reverse("approvals:meeting", args=[world.meeting.pk])],
    )


@settings(max_examples=25)
@given(
    advice=st.one_of(VALUES, st.sampled_from(["", "   ", "x" * 100_000])),
    seen_version=st.one_of(VALUES, st.just("1")),
    area=st.sampled_from(["finance", "legal"]),
)
def test_signing_off_with_hostile_advice_never_fails(world, advice, seen_version, area):
    url = reverse("approvals:sign-off", args=[world.clearing.pk, area])
    invalid = not advice.strip() or len(advice.strip()) > 20_000
    post_and_check(
        world,
        area,
        url,
        {"outcome": "cleared_with_advice", "advice": advice, "seen_version": seen_version},
        invalid=invalid,
        shows=[reverse("approvals:clearance", args=[world.clearing.pk])],
    )


@settings(max_examples=15)
@given(seen_version=VALUES)
def test_marking_a_case_ready_before_clearance_changes_nothing(world, seen_version):
    url = reverse("approvals:mark-ready", args=[world.clearing.pk])
    post_and_check(world, "dmpc_office", url, {"seen_version": seen_version}, invalid=True)


@settings(max_examples=25)
@given(
    data=fields(
        [
            "outcome",
            "reasons",
            "alternatives",
            "alternatives_considered",
            "interests_declared",
            "interests",
            "recommendation_1",
        ],
        outcome=st.one_of(VALUES, st.sampled_from(["approve", "reject", "return"])),
        alternatives=st.one_of(VALUES, st.sampled_from(["yes", "no"])),
        recommendation_1=st.one_of(VALUES, st.sampled_from(["yes", "no"])),
        interests_declared=st.one_of(VALUES, st.sampled_from(["yes", "no"])),
    ),
    password=st.one_of(VALUES, st.just(PASSWORD)),
    seen_version=st.one_of(VALUES, st.just("1")),
)
def test_deciding_with_hostile_data_never_fails(world, data, password, seen_version):
    data.update(password=password, seen_version=seen_version)
    url = reverse("approvals:decide", args=[world.ready.pk])
    with rolled_back():
        before = audit_trail_without_refused_signatures(snapshot())
        response = check(client_for(world.users["dmpc"]).post(url, data))
        if password != PASSWORD:
            # A refused signature is audited, and nothing else is changed.
            assert audit_trail_without_refused_signatures(snapshot()) == before
        elif response.status_code == 302:
            dmpc = client_for(world.users["dmpc"])
            check(dmpc.get(reverse("grants:report", args=[world.ready.pk])))
            check(dmpc.get(reverse("approvals:history", args=[world.ready.pk])))


@settings(max_examples=25)
@given(
    reasons=st.one_of(VALUES, st.sampled_from(["", " ", "x" * 5_001])),
    case=st.sampled_from(["draft", "published"]),
)
def test_withdrawing_with_hostile_reasons_never_fails(world, reasons, case):
    case = getattr(world, case)
    too_short_or_long = not reasons.strip() or len(reasons.strip()) > 5_000
    post_and_check(
        world,
        "owner",
        reverse("approvals:withdraw", args=[case.pk]),
        {"reasons": reasons},
        # A published case cannot be withdrawn, whatever the reasons.
        invalid=too_short_or_long or case == world.published,
        shows=[reverse("grants:report", args=[case.pk])],
    )
