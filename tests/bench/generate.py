"""A fast bulk generator of published decisions, for the benchmark.

It copies one real published decision (the demo's seed report, made by `load_demo`
through the workflow) into as many more as asked for, varying what the register lists,
searches and filters on: titles, summaries, funders, financial years, outcomes and
amounts. tests.workflow.bulk_publish makes them as the tests' copies are made: rows
inserted with bulk_create in batches, the filter options linked, and the large
documents and Part 1 drawings copied inside the database, so they never travel through
Python.

    python -m tests.bench.generate --total 10000

It refuses to run on a database whose name does not contain "bench" or "test", so it
cannot fill a real register with made-up decisions.
"""

import argparse
import datetime
import os
import random
import sys
import time
from decimal import Decimal
from pathlib import Path

TOPICS = [
    ("knife crime", "Reducing knife crime among young Londoners"),
    ("county lines", "Disrupting county lines drug supply and protecting exploited children"),
    ("domestic abuse", "Supporting victims of domestic abuse through the courts"),
    ("violence against women and girls", "Tackling violence against women and girls"),
    ("youth diversion", "Diverting young people away from the criminal justice system"),
    ("cyber crime", "Investigating fraud and cyber crime against Londoners"),
    ("road safety", "Reducing deaths and serious injuries on London's roads"),
    ("hate crime", "Improving the response to hate crime"),
    ("drug testing on arrest", "Testing for drugs on arrest and referring to treatment"),
    ("victim support", "Services for victims and witnesses of crime"),
    ("modern slavery", "Identifying and safeguarding victims of modern slavery"),
    ("serious violence", "Preventing serious violence through early intervention"),
    ("organised crime", "Dismantling organised crime groups"),
    ("neighbourhood policing", "Strengthening neighbourhood policing and community trust"),
    ("counter terrorism", "Protecting crowded places from terrorism"),
    ("economic crime", "Recovering the proceeds of crime"),
]
KINDS = ["grant", "programme", "pilot", "partnership", "fund", "project", "initiative"]
FUNDERS = [
    "Home Office",
    "Ministry of Justice",
    "Department for Education",
    "Department of Health and Social Care",
    "Youth Endowment Fund",
    "National Crime Agency",
    "East Midlands Special Operations Unit",
    "Greater London Authority",
]
FIRST_YEAR = 2018
YEARS = 9  # 2018/19 to 2026/27
# Decisions a transaction.
BATCH = 10_000


def financial_year(start: int) -> str:
    return f"{start}/{(start + 1) % 100:02d}"


def varied_rows(count: int, *, start: int, seed: int = 2024) -> list[dict]:
    """Listing fields for `count` decisions, the same every run for the same `start`."""
    rng = random.Random(seed + start)
    rows = []
    for offset in range(count):
        topic, aim = rng.choice(TOPICS)
        kind = rng.choice(KINDS)
        funders = sorted(set(rng.sample(FUNDERS, rng.choice([1, 1, 1, 2, 2, 3]))))
        first_year = FIRST_YEAR + rng.randrange(YEARS)
        span = min(rng.choice([1, 1, 2, 3]), FIRST_YEAR + YEARS - first_year)
        years = [financial_year(first_year + n) for n in range(span)]
        number = start + offset
        rows.append(
            {
                "title": f"{topic.capitalize()} {kind} {number}",
                "outcome": "rejected" if rng.random() < 0.12 else "approved",
                "funders": "; ".join(funders),
                "financial_years": "; ".join(years),
                "total_grant_amount": Decimal(rng.randrange(10_000, 5_000_000_00)) / 100,
                "summary": (
                    f"{aim}. The {', '.join(funders)} offered funding for {' and '.join(years)} "
                    f"to the Metropolitan Police Service for this {kind}."
                ),
                "recommendations": (
                    f"The DMPC is recommended to accept the {kind} funding for {topic}."
                ),
            }
        )
    return rows


def published_count() -> int:
    from approvals.models import Publication

    return Publication.objects.filter(published_at__isnull=False).count()


def ensure_template():
    """The first real published decision (the demo's seed report), loaded if need be."""
    from django.core.management import call_command

    from approvals.models import Publication

    template = (
        Publication.objects.filter(published_at__isnull=False, revisions__number=1)
        .order_by("id")
        .select_related("decision__version")
        .first()
    )
    if template is None:
        os.environ.setdefault("DEMO_PASSWORD", "benchmark-demo-password")
        call_command("load_demo", stdout=open(os.devnull, "w"))  # noqa: SIM115
        return ensure_template()
    return template


def extend_to(total: int) -> int:
    """Add published decisions until `total` are published; returns how many were made.
    tests.workflow.bulk_publish makes them, as the tests' copies are made, a batch at a
    time in a transaction each."""
    from django.db import transaction

    from approvals.models import CaseVersion
    from tests.workflow import bulk_publish

    # The demo first: its own published decisions count towards the total.
    template = ensure_template()
    missing = total - published_count()
    if missing <= 0:
        return 0
    case_id = template.decision.version.case_id
    made = 0
    while made < missing:
        size = min(BATCH, missing - made)
        with transaction.atomic():
            # The numbers bulk_publish gives the new versions, and so their references.
            first_number = 1 + max(
                CaseVersion.objects.filter(case_id=case_id).values_list("number", flat=True)
            )
            rows = varied_rows(size, start=first_number)
            # Older than the template, spread over years: a decision every few hours.
            oldest = template.published_at - datetime.timedelta(hours=3 * (first_number + 1))
            for index, row in enumerate(rows):
                row["published_at"] = oldest - datetime.timedelta(hours=3 * index)
                row["due_at"] = row["published_at"]
                row["decision_date"] = (row["published_at"] - datetime.timedelta(days=1)).date()
            bulk_publish(template, rows)
        made += size
    return made


def middle_slug() -> str:
    """A decision halfway down the register, for the decision page's figures."""
    from approvals.publication.register import newest_first, published

    slugs = newest_first(published()).values_list("slug", flat=True)
    return slugs[published_count() // 2]


def analyse() -> None:
    """Fresh planner statistics after a bulk load, as autovacuum would soon gather."""
    from django.db import connection

    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("VACUUM ANALYZE")


def check_database_name() -> None:
    from django.db import connection

    name = str(connection.settings_dict["NAME"])
    if "bench" not in name and "test" not in name:
        sys.exit(f"Refusing to generate decisions in {name!r}: use a benchmark database.")


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--total", type=int, default=10_000, help="published decisions wanted")
    args = parser.parse_args(argv)
    sys.path.insert(0, str(Path(__file__).resolve().parents[2]))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    import django

    django.setup()
    check_database_name()
    began = time.perf_counter()
    made = extend_to(args.total)
    analyse()
    print(f"{made} published decisions made in {time.perf_counter() - began:.1f} s")


if __name__ == "__main__":
    main()
