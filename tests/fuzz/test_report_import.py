"""Hostile reports to import: mangled copies of the seed report, pasted or as Word
documents, damaged and disguised files, and random bytes. Whatever comes, the answer is
never a server error, the posted script never comes back as markup, nothing is saved
before the review is confirmed, and a plan that is read can always be made into a draft."""

import io
import zipfile

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from hypothesis import given, settings
from hypothesis import strategies as st

from grants.importing import NotAReport, Plan, plan_from_text, plan_from_word
from grants.importing.building import create_draft
from grants.models import GrantCase
from tests.fuzz.strategies import HOSTILE, SCRIPT, VALUES, check, rolled_back
from tests.grants.report_documents import SEED_TEXT, word_document
from tests.matrix import client_for, snapshot

pytestmark = pytest.mark.django_db

SEED_LINES = SEED_TEXT.splitlines()
SEED_WORD = word_document(SEED_TEXT)
WORD = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"


@st.composite
def mangled_reports(draw) -> str:
    """The seed report with lines dropped, repeated, swapped, or with hostile cells."""
    lines = list(SEED_LINES)
    for _ in range(draw(st.integers(0, 12))):
        index = draw(st.integers(0, len(lines) - 1))
        action = draw(st.sampled_from(["drop", "repeat", "hostile", "cell", "swap"]))
        if action == "drop":
            lines.pop(index)
        elif action == "repeat":
            lines.insert(index, lines[index])
        elif action == "hostile":
            lines[index] = draw(VALUES)
        elif action == "swap":
            other = draw(st.integers(0, len(lines) - 1))
            lines[index], lines[other] = lines[other], lines[index]
        else:
            cells = lines[index].split("\t")
            cells[draw(st.integers(0, len(cells) - 1))] = draw(VALUES)
            lines[index] = "\t".join(cells)
        if not lines:
            lines = [""]
    return "\n".join(lines)


def billion_laughs() -> bytes:
    """A Word document whose document part defines entities that expand exponentially."""
    entities = '<!ENTITY a "ha">' + "".join(
        f'<!ENTITY {chr(98 + i)} "{("&" + chr(97 + i) + ";") * 10}">' for i in range(8)
    )
    xml = (
        f'<?xml version="1.0"?><!DOCTYPE d [{entities}]>'
        '<w:document xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main">'
        "<w:body><w:p><w:r><w:t>&i;</w:t></w:r></w:p></w:body></w:document>"
    )
    source = zipfile.ZipFile(io.BytesIO(SEED_WORD))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as archive:
        for item in source.infolist():
            data = xml.encode() if item.filename == "word/document.xml" else source.read(item)
            archive.writestr(item, data)
    return out.getvalue()


def many_entries() -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as archive:
        for number in range(2500):
            archive.writestr(f"word/part{number}.xml", "")
    return out.getvalue()


@st.composite
def hostile_files(draw) -> bytes:
    kind = draw(st.sampled_from(["flipped", "truncated", "random", "laughs", "entries"]))
    if kind == "flipped":
        data = bytearray(SEED_WORD)
        for _ in range(draw(st.integers(1, 20))):
            data[draw(st.integers(0, len(data) - 1))] = draw(st.integers(0, 255))
        return bytes(data)
    if kind == "truncated":
        return SEED_WORD[: draw(st.integers(0, len(SEED_WORD) - 1))]
    if kind == "laughs":
        return billion_laughs()
    if kind == "entries":
        return many_entries()
    return draw(st.binary(max_size=4096))


def plan_or_refusal(read, value) -> Plan | None:
    try:
        return read(value)
    except NotAReport as refused:
        assert str(refused)
        return None


@settings(max_examples=40)
@given(text=st.one_of(mangled_reports(), VALUES, st.text(max_size=2000)))
def test_a_mangled_pasted_report_is_read_or_refused_and_always_builds(manager, text):
    plan = plan_or_refusal(plan_from_text, text)
    if plan is None:
        return
    assert Plan.from_data(plan.to_data()) == plan
    with rolled_back():
        case = create_draft(plan, by=manager, token="fuzz", source="fuzz")
        assert GrantCase.objects.filter(pk=case.pk).exists()


@settings(max_examples=25)
@given(data=hostile_files())
def test_a_damaged_or_disguised_word_file_is_read_or_refused(manager, data):
    plan = plan_or_refusal(plan_from_word, data)
    if plan is not None:
        with rolled_back():
            create_draft(plan, by=manager, token="fuzz", source="fuzz")


def test_entities_in_a_word_document_are_not_expanded():
    with pytest.raises(NotAReport):
        plan_from_word(billion_laughs())


@settings(max_examples=25)
@given(
    text=st.one_of(mangled_reports(), st.sampled_from(HOSTILE)),
    name=st.sampled_from(["report.docx", "report.DOCX", "report.pdf", f"{SCRIPT}.docx", ""]),
    content_type=st.sampled_from([WORD, "application/pdf", "text/html", SCRIPT]),
    data=st.one_of(hostile_files(), st.just(SEED_WORD)),
    with_file=st.booleans(),
)
def test_posting_hostile_reports_never_fails_and_saves_nothing_before_the_review(
    manager, text, name, content_type, data, with_file
):
    with rolled_back():
        before = snapshot()
        client = client_for(manager)
        posted = {"text": text}
        if with_file and name:
            posted["document"] = SimpleUploadedFile(name, data, content_type=content_type)
        response = check(client.post(reverse("grants:case-import"), posted))
        if response.status_code == 302:
            assert check(client.get(reverse("grants:case-import-review"))).status_code == 200
        assert snapshot() == before
