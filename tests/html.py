"""Reading tables out of rendered pages, so tests can assert whole rows."""

from html.parser import HTMLParser


class _Tables(HTMLParser):
    def __init__(self):
        super().__init__()
        self.tables: dict[str, list[list[str]]] = {}
        self._caption = None
        self._rows = None
        self._row = None
        self._cell = None

    def handle_starttag(self, tag, attrs):
        if tag == "table":
            self._rows, self._caption = [], ""
        elif tag == "caption":
            self._cell = []
        elif tag == "tr" and self._rows is not None:
            self._row = []
        elif tag in ("td", "th") and self._row is not None:
            self._cell = []

    def handle_endtag(self, tag):
        if tag == "caption" and self._cell is not None:
            self._caption = " ".join("".join(self._cell).split())
            self._cell = None
        elif tag in ("td", "th") and self._cell is not None and self._row is not None:
            self._row.append(" ".join("".join(self._cell).split()))
            self._cell = None
        elif tag == "tr" and self._row is not None:
            self._rows.append(self._row)
            self._row = None
        elif tag == "table" and self._rows is not None:
            self.tables[self._caption] = self._rows
            self._rows = None

    def handle_data(self, data):
        if self._cell is not None:
            self._cell.append(data)


def tables(html: str) -> dict[str, list[list[str]]]:
    """Every table in the page, by caption, as rows of cell texts."""
    parser = _Tables()
    parser.feed(html)
    return parser.tables


def table_starting(html: str, caption_start: str) -> list[list[str]]:
    matches = [rows for caption, rows in tables(html).items() if caption.startswith(caption_start)]
    assert len(matches) == 1, (
        f"expected one table captioned {caption_start!r}: {tables(html).keys()}"
    )
    return matches[0]


class _Text(HTMLParser):
    SKIPPED = frozenset({"script", "style", "template"})

    def __init__(self):
        super().__init__()
        self.parts: list[str] = []
        self._skipping = 0

    def handle_starttag(self, tag, attrs):
        if tag in self.SKIPPED:
            self._skipping += 1

    def handle_endtag(self, tag):
        if tag in self.SKIPPED and self._skipping:
            self._skipping -= 1

    def handle_data(self, data):
        if not self._skipping:
            self.parts.append(data)


def page_text(html: str) -> str:
    """The text a page shows, as one line with single spaces."""
    parser = _Text()
    parser.feed(html)
    parser.close()
    return " ".join("".join(parser.parts).split())


class _Charts(HTMLParser):
    """Each server-drawn chart's title and groups of bars, as the text drawn in the SVG."""

    def __init__(self):
        super().__init__()
        self.charts: dict[str, list[tuple[str, ...]]] = {}
        self._chart = None
        self._title = None
        self._group = None
        self._text = None
        self._part = ""

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "svg" and "app-bar-chart__svg" in (attrs.get("class") or ""):
            self._chart, self._title = [], None
        elif tag == "title" and self._chart is not None and self._title is None:
            self._text = []
        elif tag == "g" and self._chart is not None:
            self._group = {"label": "", "amounts": []}
        elif tag == "text" and self._group is not None:
            self._text = []
            self._part = attrs.get("class", "")

    def handle_endtag(self, tag):
        if tag == "title" and self._text is not None and self._title is None:
            self._title = "".join(self._text).strip()
            self._text = None
        elif tag == "text" and self._text is not None and self._group is not None:
            text = "".join(self._text).strip()
            if "amount" in self._part:
                self._group["amounts"].append(text)
            else:
                self._group["label"] = text
            self._text = None
        elif tag == "g" and self._group is not None:
            self._chart.append((self._group["label"], *self._group["amounts"]))
            self._group = None
        elif tag == "svg" and self._chart is not None:
            self.charts[self._title] = self._chart
            self._chart = None

    def handle_data(self, data):
        if self._text is not None:
            self._text.append(data)


def chart_bars(html: str) -> dict[str, list[tuple[str, ...]]]:
    """{chart title: [(group label, each bar's amount as drawn, ...), ...]} for every
    server-drawn bar chart."""
    parser = _Charts()
    parser.feed(html)
    return parser.charts
