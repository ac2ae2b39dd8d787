"""Grant agreements in S3-compatible object storage, as production keeps them when
AWS_STORAGE_BUCKET_NAME is set: upload, publish and download against a local S3 server
(moto), and nothing left in the bucket by a failed upload."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from approvals.models import GrantAgreement
from approvals.publication import agreements
from approvals.publication import services as publication
from approvals.publication.agreements import AgreementError, upload_agreement
from tests import s3
from tests.factories import PDF, make_case
from tests.s3 import BUCKET, keys
from tests.workflow import approve, to_ready

pytestmark = pytest.mark.django_db

s3_endpoint, bucket = s3.s3_endpoint, s3.bucket


@pytest.fixture
def decision(people):
    case = make_case(people.manager)
    to_ready(case, people)
    return approve(case, people)


def upload(name: str, content: bytes) -> SimpleUploadedFile:
    return SimpleUploadedFile(name, content, content_type="application/pdf")


def test_an_agreement_goes_to_s3_and_is_published_from_there(bucket, decision, people, client):
    agreement = upload_agreement(decision, upload("Signed agreement.pdf", PDF), by=people.manager)
    assert keys(bucket) == [agreement.file.name]
    stored = bucket.get_object(Bucket=BUCKET, Key=agreement.file.name)
    assert stored["Body"].read() == PDF
    assert stored["ContentType"] == "application/pdf"

    url = f"/decisions/{decision.publication.slug}/agreement.pdf"
    assert client.get(url).status_code == 404  # not published yet
    agreements.confirm_agreement(agreement, by=people.publisher, checks=agreements.CHECKLIST)
    publication.publish_now(decision.publication, by=people.publisher)
    response = client.get(url)
    assert response.status_code == 200
    assert b"".join(response.streaming_content) == PDF
    assert response["Content-Type"] == "application/pdf"


def test_the_staff_download_reads_from_s3(bucket, decision, people, manager_client):
    agreement = upload_agreement(decision, upload("agreement.pdf", PDF), by=people.manager)
    response = manager_client.get(f"/staff/cases/{decision.case_id}/agreements/{agreement.pk}/")
    assert response.status_code == 200
    assert b"".join(response.streaming_content) == PDF


def test_a_refused_upload_puts_nothing_in_the_bucket(bucket, decision, people):
    with pytest.raises(AgreementError):
        upload_agreement(decision, upload("notes.pdf", b"not a PDF"), by=people.manager)
    assert keys(bucket) == []


def test_a_failure_after_storing_deletes_the_object(bucket, decision, people, monkeypatch):
    def broken(*args, **kwargs):
        raise RuntimeError("the audit trail is unavailable")

    monkeypatch.setattr(agreements.audit, "record", broken)
    with pytest.raises(RuntimeError):
        upload_agreement(decision, upload("agreement.pdf", PDF), by=people.manager)
    assert keys(bucket) == []
    assert not GrantAgreement.objects.exists()


def test_an_unreachable_bucket_is_a_clear_refusal(bucket, decision, people, settings):
    settings.STORAGES = {
        **settings.STORAGES,
        "default": {
            "BACKEND": "storages.backends.s3.S3Storage",
            "OPTIONS": {**settings.STORAGES["default"]["OPTIONS"], "bucket_name": "no-such"},
        },
    }
    with pytest.raises(AgreementError) as refused:
        upload_agreement(decision, upload("agreement.pdf", PDF), by=people.manager)
    assert str(refused.value) == agreements.NOT_STORED
    assert not GrantAgreement.objects.exists()
