"""The documents part of `make bench`: drawing the seed's decision form, and serving a
published decision form, in this process against the benchmark's database.

Drawing is timed (target: under 2 s for the seed's form, each draw after the first);
serving a published form must draw nothing and run a constant number of queries, so
both are counted.
"""

import statistics
import time
from unittest import mock

DRAWS = 5
TARGET_S = 2.0


def measure() -> dict:
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    from approvals.documents import decision_form
    from approvals.models import PublishedRevision
    from tests.bench.generate import ensure_template

    publication = ensure_template()  # the demo's seed report, published
    version = publication.decision.version
    form = decision_form.for_version(version)
    times, pages = [], 0
    for _ in range(DRAWS):
        started = time.perf_counter()
        content = decision_form.draw(form)
        times.append(time.perf_counter() - started)
    pages = content.count(b"/Type /Page\n") or content.count(b"/Type/Page")

    revision = PublishedRevision.objects.filter(publication=publication).order_by("-number")[0]
    decision_form.revision_pdf(revision)  # drawn when published; here, if it was not
    url = f"/decisions/{publication.slug}/decision.pdf"
    queries = []
    with mock.patch.object(decision_form, "draw", side_effect=AssertionError("drawn")):
        for _ in range(3):
            with CaptureQueriesContext(connection) as captured:
                response = Client().get(url, HTTP_HOST="localhost")
                b"".join(response.streaming_content)
            assert response.status_code == 200, response.status_code
            queries.append(len(captured))
    warm = times[1:]
    return {
        "first_s": times[0],
        "median_s": statistics.median(warm),
        "max_s": max(warm),
        "bytes": len(content),
        "pages": pages,
        "serve_queries": queries,
        "met": max(warm) < TARGET_S,
    }


def table(result: dict) -> str:
    verdict = "met" if result["met"] else "**missed**"
    size = result["bytes"] // 1024
    queries = ", ".join(map(str, result["serve_queries"]))
    rows = [
        ("What", "Figure", "Target"),
        ("---", "---", "---"),
        (
            f"Drawing the seed's decision form ({size} KB), first draw",
            f"{result['first_s']:.2f} s",
            "–",
        ),
        (
            f"The same, each later draw: median / slowest of {DRAWS - 1}",
            f"{result['median_s']:.2f} s / {result['max_s']:.2f} s",
            f"under {TARGET_S:g} s: {verdict}",
        ),
        ("Serving the published decision form: SQL queries, 3 requests", queries, "constant"),
    ]
    lines = "\n".join(f"| {' | '.join(row)} |" for row in rows)
    return f"## Documents\n\n{lines}\n"
