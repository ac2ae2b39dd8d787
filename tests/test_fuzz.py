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

import contextlib
import datetime
import io
import string

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import transaction
from django.test import Client
from django.urls import reverse
from django_otp.plugins.otp_totp.models import TOTPDevice
from hypothesis import given, settings
from hypothesis import strategies as st
from reportlab.platypus import SimpleDocTemplate, Spacer

from approvals.models import AuditAction
from approvals.publication.pdf import _register_fonts, formatted
from grants.formatting import render_text
from grants.forms import MoneyField, TimeSensitivityForm
from tests.factories import PASSWORD
from tests.matrix import W, build_world, client_for, snapshot
from tests.workflow import publish

pytestmark = pytest.mark.django_db


SCRIPT = "<script>alert(1)</script>"
HOSTILE = (
    SCRIPT,
    SCRIPT * 4_000,  # 100,000 characters of markup
    "x" * 100_000,
    "\x00",
    "nul\x00byte",
    "1e309",
    "-1e309",
    "NaN",
    "Infinity",
    "--5",
    "١٢٣",
    "²",
    "9" * 40,
    "9" * 5_000,
    "-1",
    "0",
    "1",
    "0.001",
    "2023/24",
    "2023/25",
    "£1.5m",
    "£-1m",
    "1,2,3",
    "",
    " ",
    "\t\r\n",
    "\u202eevil",
    "' OR '1'='1",
    "{{ 7|add:7 }}{% debug %}",
    "<img src=x onerror=alert(1)>",
    "[link](javascript:alert(1))",
    "Feb",
)
VALUES = st.one_of(
    st.just(SCRIPT),  # often, so that every form gets to echo it
    st.sampled_from(HOSTILE),
    st.text(max_size=20),
    st.integers().map(str),
    st.floats().map(str),
    st.tuples(st.sampled_from(HOSTILE), st.text(max_size=5)).map("".join),
)
# What people type in a day, month or year box, and what they should not.
DATE_PARTS = st.one_of(
    st.sampled_from(["1", "29", "31", "2", "12", "13", "2024", "2026", "0000", "February"]),
    VALUES,
)
# Management form counts.
COUNTS = st.one_of(
    st.sampled_from(["", "-1", "1e309", "NaN", "١٢٣", "99999999999", SCRIPT, "\x00", "1000"]),
    st.integers(-5, 12).map(str),
)
# Lock versions no page was ever rendered with.
STALE_LOCKS = ("", "-1", "1e309", "NaN", "stale", SCRIPT, "\x00", "99999999999999999999")


def fields(names, **special) -> st.SearchStrategy[dict]:
    """A POST with any of `names`, each hostile or random unless given in `special`."""
    return st.fixed_dictionaries({}, optional={name: special.get(name, VALUES) for name in names})


def date(name: str) -> list[str]:
    return [f"{name}_0", f"{name}_1", f"{name}_2"]


def formset(prefix: str, row_fields: list[str], ids: list[int]) -> st.SearchStrategy[dict]:
    """Up to three rows of a formset, with a management form that is often garbled and
    row ids that are real, someone else's or nonsense."""
    counts = [f"{prefix}-{name}" for name in ("TOTAL_FORMS", "INITIAL_FORMS")]
    management = st.one_of(
        st.fixed_dictionaries(
            dict.fromkeys(counts, COUNTS),
            optional=dict.fromkeys([f"{prefix}-MIN_NUM_FORMS", f"{prefix}-MAX_NUM_FORMS"], COUNTS),
        ),
        st.just({}),
    )
    row_ids = st.one_of(st.sampled_from([*ids, 1, 2]).map(str), VALUES)
    rows = [
        fields(
            [f"{prefix}-{index}-{name}" for name in [*row_fields, "id", "DELETE", "ORDER"]],
            **{f"{prefix}-{index}-id": row_ids},
        )
        for index in range(3)
    ]
    return st.tuples(management, *rows).map(
        lambda parts: {k: v for p in parts for k, v in p.items()}
    )


@contextlib.contextmanager
def rolled_back():
    """One example's changes, undone when it ends."""
    with transaction.atomic():
        yield
        transaction.set_rollback(True)


def body(response) -> bytes:
    return b"".join(response.streaming_content) if response.streaming else response.content


def check(response):
    """Never a server error; never the posted script as markup."""
    assert response.status_code < 500
    assert SCRIPT.encode() not in body(response)
    return response


def audit_trail_without_refused_signatures(state: dict) -> dict:
    return {**state, "audit": [a for a in state["audit"] if a != AuditAction.SIGNATURE_REFUSED]}


@pytest.fixture
def world(people, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    return build_world(people)


def post_and_check(world, role, url, data, *, invalid: bool, shows=()):
    """Post as `role` in an example of its own. If the post is clearly invalid, nothing
    may change; if it was taken, the pages in `shows` must show it safely."""
    with rolled_back():
        before = snapshot() if invalid else None
        response = check(client_for(world.users[role]).post(url, data))
        if invalid:
            assert snapshot() == before
        elif response.status_code == 302:
            reader = client_for(world.users[role])
            for page in shows:
                assert check(reader.get(page)).status_code == 200, page
    return response


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
    posts = list(unit.posts.values_list("pk", flat=True))
    offer_fields = ["funder", "new_funder", "scheme", "amount", "financial_year", "conditions"]
    offer_fields += [*date("period_start"), *date("period_end"), *date("offer_date")]
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
            formset("units", ["name", "grant_allocation"], [unit.pk, world.other_unit.pk]),
        ),
        "unit": (
            url("edit-unit", unit.pk),
            st.tuples(
                formset(
                    "posts", ["group", "grade", "annual_cost", "grant_fte", "match_fte"], posts
                ),
                formset("costs", ["description", "amount"], [unit.cost_lines.get().pk]),
            ).map(lambda pair: pair[0] | pair[1]),
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


# IAM, clearance and the decision ------------------------------------------------------------


@settings(max_examples=25)
@given(
    data=fields(["attendees", "minutes"]),
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
    data=fields(["conditions", "changes", "reasons", "seen_version"]),
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
        {"advice": advice, "seen_version": seen_version},
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
        ["outcome", "reasons", "alternatives_considered", "interests_declared", "interests"],
        outcome=st.one_of(VALUES, st.sampled_from(["approve", "reject", "return"])),
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


# Publication and agreements -----------------------------------------------------------------


@settings(max_examples=25)
@given(
    reason=VALUES,
    day=st.sampled_from(["", "1e309", "NaN", "²", "32", "0", SCRIPT, "9" * 40, None]),
    month=DATE_PARTS,
    year=DATE_PARTS,
)
def test_deferring_publication_with_hostile_data_never_fails(world, reason, day, month, year):
    data = {"reason": reason, "until_0": "1" if day is None else day, "until_1": month}
    data["until_2"] = year
    post_and_check(
        world,
        "publisher",
        reverse("approvals:defer", args=[world.deferred.pk]),
        data,
        invalid=day is not None,
        shows=[reverse("approvals:publication", args=[world.deferred.pk])],
    )


@settings(max_examples=25)
@given(
    data=fields(["title", "reasons", "alternatives_considered", "legal_basis", "seen_revision"]),
    note=st.one_of(VALUES, st.sampled_from(["", " ", "x" * 5_001])),
)
def test_correcting_a_published_record_with_hostile_data_never_fails(world, data, note):
    data["note"] = note
    slug = world.publication.slug
    post_and_check(
        world,
        "publisher",
        reverse("approvals:correct", args=[world.publication.pk]),
        data,
        invalid=not note.strip() or len(note.strip()) > 5_000,
        shows=[
            reverse("approvals:publication", args=[world.publication.pk]),
            reverse("decision", args=[slug]),
            reverse("register"),
            reverse("decisions-feed"),
        ],
    )


@settings(max_examples=25)
@given(
    content=st.one_of(
        st.binary(max_size=2_000),
        st.binary(max_size=500).map(lambda b: b"%PDF-1.7\n" + b),
        st.sampled_from([b"", b"%PDF-", b"\x00" * 1000, SCRIPT.encode()]),
    ),
    name=st.one_of(
        VALUES, st.sampled_from(["a.pdf", "../../etc/passwd.pdf", f"{SCRIPT}.pdf", "\x00.pdf"])
    ),
)
def test_uploading_random_bytes_as_an_agreement_stores_nothing(world, content, name):
    upload = SimpleUploadedFile(name or "blank", content, content_type="application/pdf")
    url = reverse("approvals:upload-agreement", args=[world.published.pk])
    stored = sorted(world.decision.agreements.values_list("file", flat=True))
    response = post_and_check(world, "owner", url, {"file": upload}, invalid=True)
    assert response.status_code == 400
    assert sorted(world.decision.agreements.values_list("file", flat=True)) == stored


@settings(max_examples=25)
@given(
    data=fields(
        ["recommendation", "funder", "financial_year", "note", *date("offer_date")],
        recommendation=st.one_of(VALUES, st.sampled_from(["1", "2"])),
        financial_year=st.one_of(VALUES, st.sampled_from(["2024/25", "2026/27"])),
    ),
    amount=st.one_of(
        st.sampled_from(["1e309", "NaN", "--5", "١٢٣", "9" * 40, "-5", "£", "0.001", SCRIPT]),
        st.sampled_from(["£1m", "250000"]),
    ),
)
def test_accepting_an_offer_under_a_standing_authority_never_fails(world, data, amount):
    data["amount"] = amount
    post_and_check(
        world,
        "owner",
        reverse("approvals:standing-authority", args=[world.standing.pk]),
        data,
        invalid=amount not in ("£1m", "250000"),
        shows=[reverse("approvals:standing-authority", args=[world.standing.pk])],
    )


# Query parameters ---------------------------------------------------------------------------

REGISTER_URLS = ["/decisions/", "/decisions.csv", "/decisions.json", "/decisions/feed/"]
PARAMETER = st.one_of(VALUES, st.lists(VALUES, min_size=2, max_size=3))


@settings(max_examples=25)
@given(
    params=fields(
        ["q", "year", "funder", "outcome", "page", "format"],
        year=st.one_of(PARAMETER, st.sampled_from(["2025/26", "2025-26", "2099/00"])),
        funder=st.one_of(PARAMETER, st.just("Home Office")),
        outcome=st.one_of(PARAMETER, st.sampled_from(["approved", "rejected"])),
        page=st.one_of(PARAMETER, st.sampled_from(["2", "0", "١", "99999999999999999999"])),
    ),
    path=st.sampled_from(REGISTER_URLS),
)
def test_the_register_and_its_exports_take_any_query(world, params, path):
    response = check(Client().get(path, params))
    assert response.status_code in (200, 400)


@settings(max_examples=25)
@given(
    state=PARAMETER,
    figures=PARAMETER,
    order=PARAMETER,
    versions=fields(
        ["from", "to"], **dict.fromkeys(["from", "to"], st.one_of(VALUES, st.just("1")))
    ),
    method=PARAMETER,
    next_url=PARAMETER,
)
def test_staff_pages_take_any_query(world, state, figures, order, versions, method, next_url):
    ready = world.ready.pk
    client = client_for(world.users["dmpc"])
    check(client.get(reverse("grants:case-list"), {"state": state}))
    check(client.get(reverse("grants:report", args=[ready]), {"figures": figures}))
    check(client.get(reverse("approvals:version", args=[ready, 1]), {"figures": figures}))
    check(client.get(reverse("approvals:history", args=[ready]), {"order": order}))
    check(client.get(reverse("approvals:compare", args=[ready]), versions))
    check(client.get(reverse("mfa-verify"), {"method": method, "next": next_url}))


@settings(max_examples=25)
@given(slug=st.text(alphabet=string.ascii_letters + string.digits + "-_", min_size=1))
def test_any_decision_reference_in_a_public_url_is_found_or_not_found(world, slug):
    client = Client()
    for suffix in ("", "document.json", "decision.pdf", "agreement.pdf"):
        response = check(client.get(f"/decisions/{slug}/{suffix}"))
        assert response.status_code in (200, 404)


# What people write in a report's sections -----------------------------------------------

# Blocks of Markdown, each its own paragraph or list. Long texts are left to the forms'
# tests: laying out 100,000 characters in a PDF takes seconds, and finds nothing new.
MARKDOWN = st.lists(
    st.one_of(
        st.text(max_size=30),
        st.sampled_from([value for value in HOSTILE if len(value) < 1_000]),
        st.sampled_from(
            [
                "1. first\n2. second",
                "9" * 5_000 + ". far on",
                "99999999999. further",
                "0. zero",
                "- a bullet\n    - nested",
                "**bold** and *italic*",
                "[a link](https://example.org)",
                "[bad](javascript:alert(1))",
                "<b>markup</b> &amp; &#0; &#x110000;",
                "> quoted",
                "```\ncode\n```",
            ]
        ),
    ),
    max_size=5,
).map("\n\n".join)


@settings(max_examples=50)
@given(text=MARKDOWN)
def test_any_section_text_is_shown_safely_and_laid_out_in_the_decision_pdf(text):
    assert SCRIPT not in render_text(text)
    _register_fonts()  # as render_decision_pdf does first
    document = SimpleDocTemplate(io.BytesIO())
    document.build(formatted(text) or [Spacer(1, 1)])


def test_a_published_list_numbered_from_thousands_of_digits_still_makes_a_pdf(people):
    numbered = "9" * 5_000 + ". A list that starts very far on."
    published = publish(people, title="Far on", introduction=numbered)
    response = Client().get(reverse("decision-pdf", args=[published.slug]))
    assert response.status_code == 200
    assert response.content.startswith(b"%PDF-")


# What the tests above found, pinned down --------------------------------------------------


@pytest.mark.parametrize(
    ("day", "month"),
    [
        ("²", "3"),
        ("1", "²"),
        ("9" * 20, "3"),
        ("1", "9" * 20),
        ("9" * 5_000, "3"),
        ("1", "9" * 5_000),
    ],
)
def test_a_date_no_one_could_mean_is_refused_with_a_message(day, month):
    form = TimeSensitivityForm({"needed_by_0": day, "needed_by_1": month, "needed_by_2": "2024"})
    assert not form.is_valid()
    assert form.errors["needed_by"] == ["The date the decision is needed by must be a real date"]


def test_a_date_in_other_scripts_digits_is_still_read():
    form = TimeSensitivityForm({"needed_by_0": "١٢", "needed_by_1": "٣", "needed_by_2": "٢٠٢٤"})
    assert form.is_valid()
    assert form.cleaned_data["needed_by"] == datetime.date(2024, 3, 12)


@pytest.mark.parametrize("amount", ["9" * 40, "9" * 27 + ".5", "1" + "0" * 30 + "m"])
def test_an_amount_with_more_digits_than_money_has_is_too_large(amount):
    with pytest.raises(ValidationError) as refused:
        MoneyField(label="Amount").clean(amount)
    assert refused.value.code == "too_large"
