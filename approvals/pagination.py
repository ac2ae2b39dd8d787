"""GOV.UK pagination for any paged list: the register, the audit anchors, a case's
history and its versions."""

from collections.abc import Callable

from django.core.paginator import Page


def govuk_pagination(page: Page, url: Callable[[int], str]) -> dict:
    """The pagination component's items for a page; url(number) links to another page."""
    items = [
        None
        if number == page.paginator.ELLIPSIS
        else {"number": number, "url": url(number), "current": number == page.number}
        for number in page.paginator.get_elided_page_range(page.number, on_each_side=1, on_ends=1)
    ]
    return {
        "items": items if page.paginator.num_pages > 1 else [],
        "previous": url(page.previous_page_number()) if page.has_previous() else "",
        "next": url(page.next_page_number()) if page.has_next() else "",
    }
