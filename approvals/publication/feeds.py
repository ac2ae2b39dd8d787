"""The Atom feed of the newest published decisions, for feed readers and anyone who wants
to hear of a decision as soon as it is published."""

from django.conf import settings
from django.contrib.syndication.views import Feed
from django.urls import reverse
from django.utils.feedgenerator import Atom1Feed
from django.utils.html import format_html
from django.utils.safestring import mark_safe
from django.views.decorators.http import require_safe

from approvals import anchors
from approvals.publication import register as reg
from approvals.publication.cache import Version, public
from approvals.publication.views.forward_plan import plan_entries, plan_tag
from approvals.publication.views.public import open_data
from grants.formatting import render_text

FEED_FIELDS = (
    "pk",
    "slug",
    "reference",
    "title",
    "outcome",
    "summary",
    "published_at",
    "funders",
    "imported",
)


IMPORTED_NOTE = "Imported from the earlier register, without structured figures."


class AnchoredAtomFeed(Atom1Feed):
    """Atom, with each entry's audit anchor (approvals.anchors) as an element of its own,
    so a saved copy of the feed can be checked with `verify_audit --anchors`."""

    def root_attributes(self):
        return {**super().root_attributes(), "xmlns:audit": anchors.FEED_NAMESPACE}

    def add_item_elements(self, handler, item):
        super().add_item_elements(handler, item)
        if item.get("anchor_sequence"):
            handler.addQuickElement(
                "audit:anchor",
                attrs={"sequence": str(item["anchor_sequence"]), "hash": item["anchor_hash"]},
            )


def _absolute(name: str, **kwargs) -> str:
    # Every link is built on SITE_URL, as the open data's are, not on the Host header.
    return settings.SITE_URL + reverse(name, kwargs=kwargs)


class DecisionsFeed(Feed):
    feed_type = AnchoredAtomFeed
    title = "Grant decisions – MOPAC"
    subtitle = (
        "Decisions by the Mayor’s Office for Policing and Crime on grants offered to the "
        "Metropolitan Police, newest first."
    )
    author_name = "Mayor’s Office for Policing and Crime"

    def __call__(self, request, *args, **kwargs):
        return require_safe(open_data(self._render))(request, *args, **kwargs)

    def _render(self, request, *args, version, **kwargs):
        response = super().__call__(request, *args, **kwargs)
        # Feed dates Last-Modified by the newest entry; the register's own time, which
        # counts corrections too, is set in its place.
        del response.headers["Last-Modified"]
        return response

    def link(self):
        return _absolute("register")

    def feed_url(self):
        return _absolute("decisions-feed")

    def items(self):
        published = list(reg.newest_first(reg.published()).only(*FEED_FIELDS)[: reg.FEED_SIZE])
        # Kept on each item, not on the feed: one feed object serves every request.
        current = anchors.current_anchors(item.pk for item in published)
        for item in published:
            item.current_anchor = current.get(item.pk)
        return published

    def item_extra_kwargs(self, item):
        anchor = item.current_anchor
        if anchor is None:
            return {}
        return {"anchor_sequence": anchor.sequence, "anchor_hash": anchor.hash}

    def item_title(self, item):
        return f"{item.reference}: {item.title}"

    def item_link(self, item):
        return _absolute("decision", slug=item.slug)

    def item_pubdate(self, item):
        return item.published_at

    def item_updateddate(self, item):
        return item.published_at

    def item_description(self, item):
        # Atom's summary is HTML here: the outcome, then the summary as the register
        # shows it (sanitised, so nothing a writer typed becomes markup).
        outcome = format_html("<p>{}.</p>", item.get_outcome_display()) if item.outcome else ""
        if item.imported:
            outcome += format_html("<p>{}</p>", IMPORTED_NOTE)
        summary = outcome + mark_safe(render_text(item.summary))  # render_text sanitises
        anchor = item.current_anchor
        if anchor is not None:
            summary += format_html(
                "<p>Audit anchor: entry {}, fingerprint {}.</p>", anchor.sequence, anchor.hash
            )
        return summary

    def item_categories(self, item):
        return reg.split_list(item.funders)


class ForwardPlanFeed(Feed):
    """The forward plan as Atom: an entry for each decision expected, soonest first."""

    feed_type = Atom1Feed
    title = "Forward plan of grant decisions – MOPAC"
    subtitle = (
        "Decisions the Mayor’s Office for Policing and Crime expects to take in the coming "
        "months on grants offered to the Metropolitan Police."
    )
    author_name = "Mayor’s Office for Policing and Crime"

    def __call__(self, request, *args, **kwargs):
        return require_safe(public(_plan_feed_version, per_user=False)(self._render))(
            request, *args, **kwargs
        )

    def _render(self, request, *args, version, **kwargs):
        request.plan_entries = version.data
        return super().__call__(request, *args, **kwargs)

    def get_object(self, request, *args, **kwargs):
        return request.plan_entries

    def link(self):
        return _absolute("forward-plan")

    def feed_url(self):
        return _absolute("forward-plan-feed")

    def items(self, entries):
        return entries

    def item_title(self, item):
        return item["title"]

    def item_link(self, item):
        return f"{_absolute('forward-plan')}#entry-{item['pk']}"

    def item_guid(self, item):
        return f"{_absolute('forward-plan')}#entry-{item['pk']}"

    def item_guid_is_permalink(self, item):
        return False

    def item_updateddate(self, item):
        return item["changed_at"] or item["added_at"]

    def item_description(self, item):
        funders = ", ".join(item["funders"]) or "Not yet confirmed"
        return format_html(
            "<p>Needed by: {}.</p><p>Funders: {}.</p><p>Decision maker: {}.</p>",
            item["needed_by"].strftime("%B %Y"),
            funders,
            item["decision_maker"],
        )

    def item_categories(self, item):
        return item["funders"]


def _plan_feed_version(request) -> Version:
    entries = plan_entries()
    return Version(f'W/"{plan_tag(entries)}"', None, entries)
