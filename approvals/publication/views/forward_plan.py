"""The public forward plan: the decisions the DMPC office expects in the coming months.

It shows only what the office put on each entry (approvals.models.forward_plan), never
the case's own title or sections. Its ETag is a digest of the rows themselves, read once
a request: an entry changed, taken off, withdrawn or published changes it at once, so
there is nothing to go stale.
"""

import hashlib
import json

from django.shortcuts import render
from django.views.decorators.http import require_safe

from approvals.models import ForwardPlanEntry
from approvals.publication.cache import Version, page_etag, public

ENTRY_FIELDS = ("pk", "title", "funders", "needed_by", "decision_maker", "added_at", "changed_at")


def plan_entries() -> list[dict]:
    """The entries on the plan, soonest needed first, as plain rows."""
    return list(ForwardPlanEntry.objects.on_plan().values(*ENTRY_FIELDS))


def plan_tag(entries: list[dict]) -> str:
    text = json.dumps(entries, default=str, sort_keys=True)
    return "plan-" + hashlib.sha256(text.encode()).hexdigest()[:20]


def plan_version(request) -> Version:
    entries = plan_entries()
    return Version(page_etag(request, plan_tag(entries)), None, entries)


@require_safe
@public(plan_version)
def forward_plan(request, *, version):
    return render(request, "public/forward_plan.html", {"entries": version.data})
