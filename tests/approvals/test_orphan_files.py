"""`manage.py orphan_files`: the files in storage that no row refers to are listed, and
with --remove deleted; a file a row refers to, or one too new to tell, never is."""

import datetime
import io
import os
import time

import pytest
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import CommandError, call_command

from approvals.management.commands import orphan_files
from approvals.models import GrantAgreement
from approvals.publication.agreements import upload_agreement
from tests import s3
from tests.factories import PDF, make_case
from tests.s3 import keys
from tests.workflow import approve, to_ready

pytestmark = pytest.mark.django_db

s3_endpoint, bucket = s3.s3_endpoint, s3.bucket
HOUR_AGO = time.time() - 3600 * 2


@pytest.fixture
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    return settings.MEDIA_ROOT


def on_disk(media) -> list[str]:
    return sorted(str(path.relative_to(media)) for path in media.rglob("*") if path.is_file())


@pytest.fixture
def agreement(people):
    case = make_case(people.manager)
    to_ready(case, people)
    decision = approve(case, people)
    upload = SimpleUploadedFile("agreement.pdf", PDF, content_type="application/pdf")
    return upload_agreement(decision, upload, by=people.manager)


def left_behind(media, name: str, *, old: bool = True) -> str:
    """A file no row refers to, as a failed load or upload leaves it."""
    stored = default_storage.save(name, ContentFile(b"%PDF-1.7 left behind"))
    if old:
        os.utime(media / stored, (HOUR_AGO, HOUR_AGO))
    return stored


def run(*args) -> str:
    out = io.StringIO()
    call_command("orphan_files", *args, stdout=out)
    return out.getvalue()


def test_it_lists_the_files_no_row_refers_to_and_deletes_nothing(media, agreement):
    os.utime(media / agreement.file.name, (HOUR_AGO, HOUR_AGO))
    first = left_behind(media, "agreements/0123abcd.pdf")
    nested = left_behind(media, "demo/2024/leftover.pdf")

    out = run()
    lines = out.splitlines()
    assert first in lines
    assert nested in lines
    assert agreement.file.name not in out
    assert "2 file(s) no row refers to. Run again with --remove to delete them." in out
    assert on_disk(media) == sorted([agreement.file.name, first, nested])


def test_remove_deletes_only_the_orphans_and_says_how_many(media, agreement):
    os.utime(media / agreement.file.name, (HOUR_AGO, HOUR_AGO))
    left_behind(media, "agreements/0123abcd.pdf")
    left_behind(media, "demo/2024/leftover.pdf")

    out = run("--remove")
    assert "Removed 2 file(s) no row refers to." in out
    assert on_disk(media) == [agreement.file.name]
    assert default_storage.open(agreement.file.name).read() == PDF
    assert "0 file(s) no row refers to." in run()


def test_a_file_newer_than_the_grace_period_is_left_out(media, db):
    recent = left_behind(media, "agreements/just-uploaded.pdf", old=False)
    out = run("--remove")
    assert recent not in out.splitlines()
    assert "Left out 1 file(s) no row refers to yet, changed in the last 60 minutes" in out
    assert "Removed 0 file(s)" in out
    assert on_disk(media) == [recent]

    assert "Removed 1 file(s)" in run("--remove", "--grace-minutes", "0")
    assert on_disk(media) == []


def test_a_row_that_arrives_after_the_walk_keeps_its_file(media, agreement, monkeypatch):
    late = left_behind(media, "agreements/late.pdf")
    listed = orphan_files.orphans

    def then_a_row_commits(storage, *, grace):
        found = listed(storage, grace=grace)
        GrantAgreement.objects.filter(pk=agreement.pk).update(file=late)
        return found

    monkeypatch.setattr(orphan_files, "orphans", then_a_row_commits)
    out = run("--remove")
    assert f"Kept {late}: a row now refers to it." in out
    assert "Removed 0 file(s)" in out
    assert late in on_disk(media)


def test_every_file_field_of_every_model_is_read(media, agreement):
    assert (GrantAgreement, GrantAgreement._meta.get_field("file")) in orphan_files.file_fields()
    assert orphan_files.referenced_names() == {agreement.file.name}


def test_an_empty_or_missing_storage_has_no_orphans(media, db):
    assert not media.exists()
    assert "0 file(s) no row refers to." in run()


def test_a_negative_grace_period_is_refused(media, db):
    with pytest.raises(CommandError, match="cannot be negative"):
        run("--grace-minutes", "-1")


def test_orphans_in_s3_are_listed_and_removed(bucket, people, monkeypatch):
    case = make_case(people.manager)
    to_ready(case, people)
    decision = approve(case, people)
    upload = SimpleUploadedFile("agreement.pdf", PDF, content_type="application/pdf")
    agreement = upload_agreement(decision, upload, by=people.manager)
    leftover = default_storage.save("agreements/leftover.pdf", ContentFile(b"left behind"))

    # Objects in S3 carry the time they were written: they are all new.
    assert leftover not in run("--remove").splitlines()
    assert sorted(keys(bucket)) == sorted([agreement.file.name, leftover])

    # Two hours later:
    now = orphan_files.timezone.now()
    monkeypatch.setattr(orphan_files.timezone, "now", lambda: now + datetime.timedelta(hours=2))
    out = run("--remove")
    assert leftover in out.splitlines()
    assert "Removed 1 file(s)" in out
    assert keys(bucket) == [agreement.file.name]
