"""What the fuzz tests post: Hypothesis strategies of hostile values, and the checks
every answer must pass."""

import contextlib

from django.db import transaction
from hypothesis import strategies as st

from approvals.models import AuditAction
from tests.matrix import client_for, snapshot

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
# What people type in a one-box date, and what they should not.
SHORT_DATES = st.one_of(
    st.sampled_from(
        [
            "1/10/2023",
            "31/3/2027",
            "29/2/2023",
            "2023-10-01",
            "1 Sept 2023",
            "0/0/0000",
            "31 Feb 2024",
        ]
    ),
    st.tuples(DATE_PARTS, st.sampled_from(["/", "-", " ", "."]), DATE_PARTS, DATE_PARTS).map(
        lambda parts: f"{parts[0]}{parts[1]}{parts[2]}{parts[1]}{parts[3]}"
    ),
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


def formset(
    prefix: str, row_fields: list[str], ids: list[int], special: dict | None = None
) -> st.SearchStrategy[dict]:
    """Up to three rows of a formset, with a management form that is often garbled and
    row ids that are real, someone else's or nonsense; `special` gives some fields their
    own strategy."""
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
            **{f"{prefix}-{index}-{name}": value for name, value in (special or {}).items()},
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
