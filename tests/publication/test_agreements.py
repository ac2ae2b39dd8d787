"""Signed grant agreements: what is accepted, what is refused and that a refused or failed
upload leaves nothing behind; the upload page, the staff download and the public file,
which is published only once a publisher has reviewed it (tests/publication/
test_agreement_review.py tests the review itself)."""

import hashlib
import io
import re

import pytest
from django.core.files import File
from django.core.files.storage import FileSystemStorage
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from pypdf import PdfReader, PdfWriter
from pypdf.generic import (
    ArrayObject,
    DecodedStreamObject,
    DictionaryObject,
    NameObject,
    TextStringObject,
)

from approvals import uploads
from approvals.accounts.roles import Role
from approvals.audit import verify_chain
from approvals.models import AuditAction, AuditEvent, GrantAgreement
from approvals.publication import agreements
from approvals.publication import services as publication
from approvals.publication.agreements import (
    CHECKLIST,
    AgreementError,
    confirm_agreement,
    upload_agreement,
)
from approvals.services import decide
from tests.factories import PASSWORD, PDF, make_case, make_pdf, make_user
from tests.workflow import approve, to_ready

pytestmark = pytest.mark.django_db


def encrypted_pdf() -> bytes:
    writer = PdfWriter()
    writer.add_blank_page(200, 200)
    writer.encrypt("secret")
    buffer = io.BytesIO()
    writer.write(buffer)
    return buffer.getvalue()


def pdf_without_pages() -> bytes:
    buffer = io.BytesIO()
    PdfWriter().write(buffer)
    return buffer.getvalue()


PNG = b"\x89PNG\r\n\x1a\n" + b"\x00\x00\x00\rIHDR" + bytes(200)


@pytest.fixture
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    return settings.MEDIA_ROOT


def stored(media) -> list[str]:
    """Every file in storage, relative to it."""
    if not media.exists():
        return []
    return sorted(str(path.relative_to(media)) for path in media.rglob("*") if path.is_file())


@pytest.fixture
def decision(people):
    case = make_case(people.manager, title="Serious violence grant")
    to_ready(case, people)
    return approve(case, people)


def upload(name: str, content: bytes) -> SimpleUploadedFile:
    # The browser's claim about the type is deliberately always "PDF".
    return SimpleUploadedFile(name, content, content_type="application/pdf")


def assert_nothing_stored(media):
    assert stored(media) == []
    assert not GrantAgreement.objects.exists()
    assert not AuditEvent.objects.filter(action=AuditAction.UPLOADED).exists()


# The service -------------------------------------------------------------------------------


def test_a_real_pdf_is_stored_under_a_random_name_hashed_and_audited(media, decision, people):
    agreement = upload_agreement(decision, upload("Signed agreement.pdf", PDF), by=people.manager)

    assert re.fullmatch(r"agreements/[0-9a-f]{32}\.pdf", agreement.file.name)
    assert "Signed" not in agreement.file.name
    assert stored(media) == [agreement.file.name]
    assert (media / agreement.file.name).read_bytes() == PDF
    assert agreement.original_name == "Signed agreement.pdf"
    assert agreement.size == len(PDF)
    assert agreement.sha256 == hashlib.sha256(PDF).hexdigest()
    assert agreement.uploaded_by == people.manager

    event = AuditEvent.objects.get(action=AuditAction.UPLOADED)
    assert event.actor == people.manager
    assert event.case_id == decision.case_id
    assert event.version_id == decision.version_id
    assert event.details == {
        "reference": "PCD 1",
        "agreement": agreement.pk,
        "name": "Signed agreement.pdf",
        "size": len(PDF),
        "sha256": hashlib.sha256(PDF).hexdigest(),
    }
    assert verify_chain().intact


def test_two_uploads_of_the_same_name_are_two_files(media, decision, people):
    first = upload_agreement(decision, upload("agreement.pdf", PDF), by=people.manager)
    second_pdf = make_pdf("Corrected agreement")
    second = upload_agreement(decision, upload("agreement.pdf", second_pdf), by=people.manager)
    assert first.file.name != second.file.name
    assert stored(media) == sorted([first.file.name, second.file.name])
    assert publication.latest_agreement(decision) is None  # neither reviewed yet
    confirm_agreement(second, by=people.publisher, checks=CHECKLIST)
    assert publication.latest_agreement(decision) == second


@pytest.mark.parametrize(
    ("name", "content", "message"),
    [
        ("agreement.pdf", b"This is a letter, not a PDF.\n", uploads.NOT_A_PDF),
        ("scan.pdf", PNG, uploads.NOT_A_PDF),
        ("truncated.pdf", PDF[: len(PDF) // 2], uploads.DAMAGED),
        ("garbage.pdf", b"%PDF-1.7\n" + b"not really a PDF " * 50, uploads.DAMAGED),
        ("header-only.pdf", b"%PDF-", uploads.DAMAGED),
        ("empty.pdf", b"", uploads.EMPTY),
        ("locked.pdf", encrypted_pdf(), uploads.PASSWORD_PROTECTED),
        ("blank.pdf", pdf_without_pages(), uploads.NO_PAGES),
    ],
)
def test_anything_but_a_readable_pdf_is_refused_and_nothing_is_stored(
    media, decision, people, name, content, message
):
    with pytest.raises(AgreementError) as refused:
        upload_agreement(decision, upload(name, content), by=people.manager)
    assert str(refused.value) == message
    assert_nothing_stored(media)


def test_a_file_over_the_limit_is_refused_before_it_is_read(media, decision, people, settings):
    settings.AGREEMENT_MAX_BYTES = 1000

    class Unreadable(SimpleUploadedFile):
        def read(self, *args):
            raise AssertionError("the file was read")

        def chunks(self, *args):
            raise AssertionError("the file was read")

    with pytest.raises(AgreementError) as refused:
        upload_agreement(decision, Unreadable("big.pdf", PDF), by=people.manager)
    assert str(refused.value) == "The selected file must be smaller than 1,000 bytes"
    assert_nothing_stored(media)


def test_a_file_that_understates_its_size_is_refused_while_it_is_read(
    media, decision, people, settings
):
    settings.AGREEMENT_MAX_BYTES = 1000
    lying = File(io.BytesIO(PDF), name="small.pdf")
    lying.size = 10
    with pytest.raises(AgreementError, match="must be smaller than 1,000 bytes"):
        upload_agreement(decision, lying, by=people.manager)
    assert_nothing_stored(media)


def test_the_limit_is_described_as_people_read_sizes():
    assert uploads.size_label(20 * 1024 * 1024) == "20MB"
    assert uploads.size_label(1536 * 1024) == "1.5MB"
    assert uploads.size_label(500 * 1024) == "500KB"
    assert uploads.size_label(900) == "900 bytes"


@pytest.mark.parametrize(
    ("name", "shown"),
    [
        ("../../etc/passwd.pdf", "passwd.pdf"),
        ("C:\\Users\\grants\\Signed agreement.pdf", "Signed agreement.pdf"),
        ("/", "grant-agreement.pdf"),
        ("a" * 300 + ".pdf", "a" * 251 + ".pdf"),
    ],
)
def test_a_name_is_kept_for_display_only_as_its_last_part(media, decision, people, name, shown):
    # A plain File keeps the name it is given, unlike an upload, which Django trims itself.
    agreement = upload_agreement(decision, File(io.BytesIO(PDF), name=name), by=people.manager)
    assert agreement.original_name == shown
    assert re.fullmatch(r"agreements/[0-9a-f]{32}\.pdf", agreement.file.name)
    assert stored(media) == [agreement.file.name]
    assert not (media.parent / "etc").exists()


def test_a_name_with_a_path_through_an_upload_keeps_only_its_basename(media, decision, people):
    agreement = upload_agreement(decision, upload("../../etc/passwd.pdf", PDF), by=people.manager)
    assert agreement.original_name == "passwd.pdf"
    assert stored(media) == [agreement.file.name]


@pytest.mark.parametrize("name", ["agree\x00ment.pdf", "agreement.pdf\x00.png", "line\nbreak.pdf"])
def test_a_name_with_a_nul_byte_or_control_character_is_refused(media, decision, people, name):
    with pytest.raises(AgreementError) as refused:
        upload_agreement(decision, File(io.BytesIO(PDF), name=name), by=people.manager)
    assert str(refused.value) == uploads.BAD_NAME
    assert_nothing_stored(media)


def test_a_failure_after_the_file_is_stored_deletes_it(media, decision, people, monkeypatch):
    def broken(*args, **kwargs):
        raise RuntimeError("the audit trail is unavailable")

    monkeypatch.setattr(agreements.audit, "record", broken)
    with pytest.raises(RuntimeError, match="audit trail is unavailable"):
        upload_agreement(decision, upload("agreement.pdf", PDF), by=people.manager)
    assert_nothing_stored(media)


def test_a_storage_failure_part_way_through_leaves_no_partial_file(
    media, decision, people, monkeypatch
):
    real_save = FileSystemStorage._save

    def disk_full(self, name, content):
        real_save(self, name, File(io.BytesIO(b"%PDF-1.4 half of it"), name=name))
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(FileSystemStorage, "_save", disk_full)
    with pytest.raises(AgreementError) as refused:
        upload_agreement(decision, upload("agreement.pdf", PDF), by=people.manager)
    assert str(refused.value) == agreements.NOT_STORED
    assert_nothing_stored(media)


def test_only_the_cases_grants_managers_and_publishers_may_upload(media, decision, people):
    other_manager = make_user("other-manager", Role.GRANTS_MANAGER)
    for person in (other_manager, people.dmpc, people.iam):
        with pytest.raises(AgreementError, match="Only the case’s grants managers and publishers"):
            upload_agreement(decision, upload("agreement.pdf", PDF), by=person)
    assert_nothing_stored(media)


def test_a_publisher_may_upload_and_it_waits_for_review(media, decision, people):
    agreement = upload_agreement(decision, upload("agreement.pdf", PDF), by=people.publisher)
    assert agreement.uploaded_by == people.publisher
    assert agreement.is_waiting
    assert publication.latest_agreement(decision) is None


def test_a_collaborator_may_upload(media, decision, people):
    collaborator = make_user("collaborator", Role.GRANTS_MANAGER)
    decision.case.collaborators.add(collaborator)
    agreement = upload_agreement(decision, upload("agreement.pdf", PDF), by=collaborator)
    assert agreement.uploaded_by == collaborator


def test_a_rejected_case_takes_no_agreement(media, people):
    case = make_case(people.manager)
    to_ready(case, people)
    rejection = decide(
        case,
        by=people.dmpc,
        outcome="reject",
        password=PASSWORD,
        reasons="No.",
        no_alternatives=True,
    )
    with pytest.raises(AgreementError, match="only be uploaded once the DMPC has approved"):
        upload_agreement(rejection, upload("agreement.pdf", PDF), by=people.manager)
    assert_nothing_stored(media)


def test_a_published_case_still_takes_an_agreement(media, decision, people):
    publication.publish_now(decision.publication, by=people.publisher)
    agreement = upload_agreement(decision, upload("agreement.pdf", PDF), by=people.manager)
    assert agreement.pk


# The upload page ---------------------------------------------------------------------------


def agreement_url(case_pk: int) -> str:
    return f"/staff/cases/{case_pk}/agreement/"


def test_the_upload_page_is_a_multipart_govuk_file_upload(media, decision, manager_client):
    response = manager_client.get(agreement_url(decision.case_id))
    assert response.status_code == 200
    page = response.content.decode()
    assert 'enctype="multipart/form-data"' in page
    assert 'type="file"' in page and 'class="govuk-file-upload"' in page
    assert "A PDF, smaller than 20MB, without a password." in page
    assert "Newest upload" not in page


def test_uploading_through_the_page_stores_it_and_returns_to_the_report(
    media, decision, manager_client
):
    response = manager_client.post(
        agreement_url(decision.case_id), {"file": upload("Signed agreement.pdf", PDF)}, follow=True
    )
    assert response.redirect_chain == [(f"/staff/cases/{decision.case_id}/", 302)]
    assert (
        "‘Signed agreement.pdf’ has been uploaded. Once a publisher has reviewed it, it will "
        "be published with the decision." in response.content.decode()
    )
    agreement = GrantAgreement.objects.get()
    assert stored(media) == [agreement.file.name]

    page = manager_client.get(agreement_url(decision.case_id)).content.decode()
    assert "Newest upload" in page
    assert "waiting for a publisher to review it" in page
    assert "Signed agreement.pdf" in page
    assert agreement.sha256 in page
    assert f"/staff/cases/{decision.case_id}/agreements/{agreement.pk}/" in page


@pytest.mark.parametrize(
    ("files", "message"),
    [
        ({}, agreements.SELECT_A_FILE),
        ({"file": upload("notes.pdf", b"plain text")}, uploads.NOT_A_PDF),
        ({"file": upload("empty.pdf", b"")}, uploads.EMPTY),
    ],
)
def test_a_refused_upload_is_explained_in_the_error_summary(
    media, decision, manager_client, files, message
):
    response = manager_client.post(agreement_url(decision.case_id), files)
    assert response.status_code == 400
    page = response.content.decode()
    assert "govuk-error-summary" in page
    assert f'<a href="#id_file">{message}</a>' in page
    assert "govuk-file-upload--error" in page
    assert "<title>Error: " in page
    assert_nothing_stored(media)


def test_an_upload_over_the_limit_is_dropped_while_it_is_received(
    media, decision, manager_client, settings, monkeypatch
):
    settings.AGREEMENT_MAX_BYTES = 1000

    def reached(*args, **kwargs):
        raise AssertionError("the oversized upload reached the service")

    monkeypatch.setattr(agreements, "upload_agreement", reached)
    response = manager_client.post(agreement_url(decision.case_id), {"file": upload("a.pdf", PDF)})
    assert response.status_code == 400
    assert "The selected file must be smaller than 1,000 bytes" in response.content.decode()
    assert_nothing_stored(media)


def test_a_large_upload_spooled_to_a_temporary_file_is_stored_whole(
    media, decision, manager_client, settings
):
    settings.FILE_UPLOAD_MAX_MEMORY_SIZE = 100  # so this upload is written to a temporary file
    response = manager_client.post(agreement_url(decision.case_id), {"file": upload("a.pdf", PDF)})
    assert response.status_code == 302
    agreement = GrantAgreement.objects.get()
    assert (media / agreement.file.name).read_bytes() == PDF
    assert agreement.sha256 == hashlib.sha256(PDF).hexdigest()


def test_the_upload_page_checks_the_csrf_token(media, decision, people):
    client = Client(enforce_csrf_checks=True)
    client.force_login(people.manager)
    response = client.post(agreement_url(decision.case_id), {"file": upload("a.pdf", PDF)})
    assert response.status_code == 403
    assert_nothing_stored(media)


def test_the_upload_page_refuses_everyone_else(media, decision, people, client):
    url = agreement_url(decision.case_id)
    assert client.get(url).status_code == 302  # to sign in
    client.force_login(people.dmpc)
    response = client.get(url)
    assert response.status_code == 403
    assert "Only the case’s grants managers and publishers can upload" in (
        response.content.decode()
    )
    assert client.post(url, {"file": upload("a.pdf", PDF)}).status_code == 403
    client.force_login(make_user("nobody"))
    assert client.get(url).status_code == 404  # may not see the case at all
    assert_nothing_stored(media)


def test_the_upload_page_waits_for_approval(media, people, manager_client):
    case = make_case(people.manager)
    response = manager_client.get(agreement_url(case.pk))
    assert response.status_code == 403
    assert "once the DMPC has approved the case. This case is in draft." in (
        response.content.decode()
    )


# Active content ----------------------------------------------------------------------------


def _written(writer: PdfWriter) -> bytes:
    buffer = io.BytesIO()
    writer.write(buffer)
    return buffer.getvalue()


def _pdf(change) -> bytes:
    """A one-page PDF, changed by `change(writer)` before it is written."""
    writer = PdfWriter(clone_from=PdfReader(io.BytesIO(PDF)))
    change(writer)
    return _written(writer)


def _action(kind: str, **entries) -> DictionaryObject:
    action = DictionaryObject({NameObject("/S"): NameObject(kind)})
    for key, value in entries.items():
        action[NameObject(f"/{key}")] = TextStringObject(value)
    return action


def with_javascript(writer):
    # A document-level script, in the catalogue's /Names tree.
    script = writer._add_object(_action("/JavaScript", JS="app.alert('hello');"))
    scripts = DictionaryObject(
        {NameObject("/Names"): ArrayObject([TextStringObject("hello"), script])}
    )
    writer._root_object[NameObject("/Names")] = DictionaryObject(
        {NameObject("/JavaScript"): writer._add_object(scripts)}
    )


def with_open_action_script(writer):
    writer._root_object[NameObject("/OpenAction")] = writer._add_object(
        _action("/JavaScript", JS="app.launchURL('http://example.org');")
    )


def with_page_actions(writer):
    # /AA with a /GoTo action only: no script, still an action that runs by itself.
    page = writer.pages[0]
    page[NameObject("/AA")] = DictionaryObject({NameObject("/O"): _action("/GoTo", D="page-one")})


def with_launch(writer):
    writer._root_object[NameObject("/OpenAction")] = _action("/Launch", F="calc.exe")


def with_attachment(writer):
    writer.add_attachment("payload.txt", b"not for the register")


def with_xfa(writer):
    writer._root_object[NameObject("/AcroForm")] = DictionaryObject(
        {
            NameObject("/Fields"): ArrayObject(),
            NameObject("/XFA"): writer._add_object(DecodedStreamObject()),
        }
    )


def with_rich_media(writer):
    annotation = DictionaryObject(
        {
            NameObject("/Type"): NameObject("/Annot"),
            NameObject("/Subtype"): NameObject("/RichMedia"),
            NameObject("/Rect"): ArrayObject(),
        }
    )
    writer.pages[0][NameObject("/Annots")] = ArrayObject([writer._add_object(annotation)])


def _found(message: str) -> str:
    return uploads.ACTIVE_CONTENT.format(found=message)


ACTIVE_PDFS = [
    ("script.pdf", with_javascript, _found("JavaScript")),
    (
        "opens.pdf",
        with_open_action_script,
        _found("JavaScript and actions that run when it is opened"),
    ),
    ("page.pdf", with_page_actions, _found("actions that run when it is opened or used")),
    (
        "launch.pdf",
        with_launch,
        _found("actions that run when it is opened and an action that starts another program"),
    ),
    ("attached.pdf", with_attachment, _found("embedded files")),
    ("form.pdf", with_xfa, _found("an XFA form")),
    ("video.pdf", with_rich_media, _found("rich media, such as video")),
]


@pytest.mark.parametrize(("name", "change", "message"), ACTIVE_PDFS)
def test_a_pdf_with_active_content_is_refused_saying_what_it_contains(
    media, decision, people, name, change, message
):
    with pytest.raises(AgreementError) as refused:
        upload_agreement(decision, upload(name, _pdf(change)), by=people.manager)
    assert str(refused.value) == message
    assert_nothing_stored(media)


@pytest.mark.parametrize(("name", "change", "message"), ACTIVE_PDFS)
def test_the_objects_are_checked_as_well_as_the_bytes(
    media, decision, people, monkeypatch, name, change, message
):
    # As if the names were out of sight of the byte scan (in a compressed object stream).
    monkeypatch.setattr(uploads, "raw_active_names", lambda data: set())
    with pytest.raises(AgreementError) as refused:
        upload_agreement(decision, upload(name, _pdf(change)), by=people.manager)
    assert str(refused.value) == message
    assert_nothing_stored(media)


@pytest.mark.parametrize(("name", "change", "message"), ACTIVE_PDFS)
def test_the_bytes_are_checked_as_well_as_the_objects(
    media, decision, people, monkeypatch, name, change, message
):
    # As if pypdf had read the file differently from a viewer and missed the objects.
    monkeypatch.setattr(uploads, "object_active_names", lambda reader: set())
    with pytest.raises(AgreementError) as refused:
        upload_agreement(decision, upload(name, _pdf(change)), by=people.manager)
    assert str(refused.value) == message


# An object no cross-reference table lists, with its names written in #xx escapes: pypdf
# never reads it, a viewer repairing the file might.
HIDDEN_SCRIPT = b"\n99 0 obj\n<< /S /J#61vaScript /J#53 (app.alert(1)) >>\nendobj\n"


def test_an_escaped_script_in_an_object_pypdf_never_reads_is_refused(media, decision, people):
    content = PDF + HIDDEN_SCRIPT
    assert not uploads.object_active_names(PdfReader(io.BytesIO(content)))
    with pytest.raises(AgreementError) as refused:
        upload_agreement(decision, upload("hidden.pdf", content), by=people.manager)
    assert str(refused.value) == _found("JavaScript")
    assert_nothing_stored(media)


def test_a_name_split_between_two_chunks_is_still_found(media, decision, people):
    small_chunks = File(io.BytesIO(PDF + HIDDEN_SCRIPT), name="chunks.pdf")
    small_chunks.DEFAULT_CHUNK_SIZE = 7  # every name falls across a boundary somewhere
    with pytest.raises(AgreementError) as refused:
        upload_agreement(decision, small_chunks, by=people.manager)
    assert str(refused.value) == _found("JavaScript")
    assert_nothing_stored(media)


def test_a_damaged_file_naming_a_script_is_refused_for_the_script(media, decision, people):
    content = b"%PDF-1.7\n<< /OpenAction << /S /JavaScript /JS (x) >> >>\n" + bytes(100)
    with pytest.raises(AgreementError) as refused:
        upload_agreement(decision, upload("broken.pdf", content), by=people.manager)
    assert str(refused.value) == _found("JavaScript and actions that run when it is opened")


@pytest.mark.parametrize(
    ("data", "found"),
    [
        (b"/JavaScript", {"JavaScript"}),
        (b"<</JS(x)>>", {"JS"}),
        (b"/#4A#53 ", {"JS"}),
        (b"/Open#41ction[", {"OpenAction"}),
        (b"/AA<<", {"AA"}),
        (
            b"/Launch/EmbeddedFiles/EmbeddedFile/XFA/RichMedia",
            {"Launch", "EmbeddedFile", "EmbeddedFiles", "XFA", "RichMedia"},
        ),
        # Longer or shorter names are other names.
        (b"/JSON /JavaScripts /AAA /A /XFAForm /J#6", set()),
        (b"JavaScript without a slash", set()),
    ],
)
def test_the_byte_scan_reads_names_as_pdf_writes_them(data, found):
    assert uploads.raw_active_names(data) == found


def test_an_ordinary_pdf_with_links_and_an_outline_is_accepted(media, decision, people):
    def with_links(writer):
        writer.add_outline_item(title="Page one", page_number=0)
        writer.add_uri(0, "https://example.org", [72, 72, 200, 100])

    agreement = upload_agreement(decision, upload("links.pdf", _pdf(with_links)), by=people.manager)
    assert stored(media) == [agreement.file.name]


@pytest.mark.parametrize(
    ("name", "shown"),
    [
        ("polyglot.html", "polyglot.pdf"),
        ("Agreement.PDF", "Agreement.pdf"),
        ("signed agreement", "signed agreement.pdf"),
        ("agreement.pdf.exe", "agreement.pdf.pdf"),
        (".pdf", "grant-agreement.pdf"),
        ("a" * 300 + ".html", "a" * 251 + ".pdf"),
    ],
)
def test_an_agreement_keeps_a_name_ending_in_pdf(media, decision, people, name, shown):
    agreement = upload_agreement(decision, File(io.BytesIO(PDF), name=name), by=people.manager)
    assert agreement.original_name == shown
    assert re.fullmatch(r"agreements/[0-9a-f]{32}\.pdf", agreement.file.name)


def test_an_older_agreement_named_otherwise_downloads_as_a_pdf(media, decision, people, client):
    agreement = upload_agreement(decision, upload("agreement.pdf", PDF), by=people.manager)
    GrantAgreement.objects.filter(pk=agreement.pk).update(original_name="polyglot.html")
    client.force_login(people.manager)
    response = client.get(f"/staff/cases/{decision.case_id}/agreements/{agreement.pk}/")
    assert response.status_code == 200
    assert response["Content-Disposition"] == 'attachment; filename="polyglot.pdf"'
    assert response["Content-Type"] == "application/pdf"
    assert response["X-Content-Type-Options"] == "nosniff"


def test_the_upload_page_says_what_active_content_was_found(media, decision, manager_client):
    script = _pdf(with_javascript)
    response = manager_client.post(
        agreement_url(decision.case_id), {"file": upload("script.pdf", script)}
    )
    assert response.status_code == 400
    assert f'<a href="#id_file">{_found("JavaScript")}</a>' in response.content.decode()
    assert_nothing_stored(media)


# Downloads ---------------------------------------------------------------------------------


def test_staff_who_can_see_the_case_download_the_agreement(media, decision, people, client):
    agreement = upload_agreement(
        decision, upload('Signed "final" agreement £.pdf', PDF), by=people.manager
    )
    url = f"/staff/cases/{decision.case_id}/agreements/{agreement.pk}/"
    for person in (people.manager, people.iam, people.publisher):
        client.force_login(person)
        response = client.get(url)
        assert response.status_code == 200
        assert b"".join(response.streaming_content) == PDF
        assert response["Content-Type"] == "application/pdf"
        assert response["X-Content-Type-Options"] == "nosniff"
        assert response["Content-Length"] == str(len(PDF))
        assert "no-store" in response["Cache-Control"]
        # A name with quotes and non-ASCII characters is encoded, never pasted in raw.
        assert response["Content-Disposition"] == (
            "attachment; filename*=utf-8''Signed%20%22final%22%20agreement%20%C2%A3.pdf"
        )

    client.force_login(make_user("nobody"))
    assert client.get(url).status_code == 404
    other = make_case(people.manager, title="Another case")
    client.force_login(people.manager)
    assert client.get(f"/staff/cases/{other.pk}/agreements/{agreement.pk}/").status_code == 404


def test_the_public_get_the_agreement_only_once_it_is_published(media, decision, people, client):
    url = f"/decisions/{decision.publication.slug}/agreement.pdf"
    signed = upload_agreement(decision, upload("agreement.pdf", PDF), by=people.manager)
    assert client.get(url).status_code == 404  # uploaded, not published

    confirm_agreement(signed, by=people.publisher, checks=CHECKLIST)
    publication.publish_now(decision.publication, by=people.publisher)
    response = client.get(url)
    assert response.status_code == 200
    assert b"".join(response.streaming_content) == PDF
    assert response["Content-Disposition"] == 'attachment; filename="pcd-1-grant-agreement.pdf"'
    assert response["X-Content-Type-Options"] == "nosniff"
    assert "public" in response["Cache-Control"]
    etag = response["ETag"]
    assert client.get(url, HTTP_IF_NONE_MATCH=etag).status_code == 304

    # A replacement is not public until it is reviewed, and publication adds it as a new
    # revision.
    replacement = make_pdf("Corrected agreement")
    second = upload_agreement(decision, upload("agreement-v2.pdf", replacement), by=people.manager)
    assert publication.publish_due() == []
    assert b"".join(client.get(url).streaming_content) == PDF
    confirm_agreement(second, by=people.publisher, checks=CHECKLIST)
    assert b"".join(client.get(url).streaming_content) == PDF
    publication.publish_due()
    response = client.get(url)
    assert b"".join(response.streaming_content) == replacement
    assert response["ETag"] != etag


def test_no_agreement_is_public_for_a_decision_published_without_one(decision, people, client):
    publication.publish_now(decision.publication, by=people.publisher)
    assert client.get(f"/decisions/{decision.publication.slug}/agreement.pdf").status_code == 404
    assert client.get("/decisions/pcd-999/agreement.pdf").status_code == 404
