"""Reading the PDFs the service draws, as a person with a screen reader or a search tool
would: their tags, language, fonts, bookmarks and text."""

import io
from dataclasses import dataclass

import pikepdf
from pypdf import PdfReader


@dataclass
class Drawn:
    text: str
    pages: list[str]
    outline: list[str]
    title: str
    links: list[str]


def _outline(items, into: list[str]) -> list[str]:
    for item in items:
        into.append(item.title)
        _outline(item.children, into)
    return into


def _fonts(pdf: pikepdf.Pdf):
    for page in pdf.pages:
        fonts = page.Resources.get("/Font", {})
        for font in fonts.values():
            descendants = font.get("/DescendantFonts")
            yield (descendants[0] if descendants else font)


def read(content: bytes) -> Drawn:
    """Check what every PDF the service draws must be, and return what it says."""
    assert content.startswith(b"%PDF-")
    with pikepdf.open(io.BytesIO(content)) as pdf:
        root = pdf.Root
        assert "/StructTreeRoot" in root, "no structure tree"
        assert bool(root.MarkInfo.Marked), "not marked as tagged"
        assert str(root.Lang) == "en-GB"
        assert root.ViewerPreferences.DisplayDocTitle
        for font in _fonts(pdf):
            descriptor = font.FontDescriptor
            assert any(key in descriptor for key in ("/FontFile", "/FontFile2", "/FontFile3")), (
                f"font {font.get('/BaseFont')} is not embedded"
            )
        # Tables' header cells are tagged as such.
        title = str(pdf.docinfo.get("/Title", ""))
        outline = _outline(pdf.open_outline().root, [])
        links = [
            str(annot.A.URI)
            for page in pdf.pages
            for annot in page.get("/Annots", [])
            if annot.get("/Subtype") == "/Link" and "/A" in annot and "/URI" in annot.A
        ]
    reader = PdfReader(io.BytesIO(content))
    pages = [" ".join((page.extract_text() or "").split()) for page in reader.pages]
    return Drawn(" ".join(pages), pages, outline, title, links)


def header_cells(content: bytes) -> int:
    """How many table header cells (TH) the structure tree has."""
    count = 0
    with pikepdf.open(io.BytesIO(content)) as pdf:
        stack = [pdf.Root.StructTreeRoot]
        while stack:
            node = stack.pop()
            if isinstance(node, pikepdf.Dictionary):
                if node.get("/S") == "/TH":
                    count += 1
                kids = node.get("/K")
                if isinstance(kids, pikepdf.Array):
                    stack.extend(kids)
                elif isinstance(kids, pikepdf.Dictionary):
                    stack.append(kids)
    return count
