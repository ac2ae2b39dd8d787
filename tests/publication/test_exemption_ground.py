"""Part 1 says why Part 2 is exempt, in versions made from now on; a version made before
keeps its document, its Part 1 and their SHA-256."""

import hashlib
import json

import pytest

from approvals import services
from approvals.management.commands.restore_check import revision_problems, version_problems
from approvals.models import CaseVersion, PublishedRevision
from approvals.publication import services as publishing
from grants.document import document_sha256, part1_document
from tests.factories import make_case
from tests.workflow import approve, sign_all, to_dmpc_review, to_ready

pytestmark = pytest.mark.django_db

GROUND = "Law enforcement: an operation is under way."


def _part1_of(page: str) -> str:
    return page[page.index('id="report"') :]


def _published(people, case):
    to_ready(case, people)
    decision = approve(case, people)
    return publishing.publish_now(decision.publication, by=people.publisher)


def test_a_new_version_publishes_the_exemption_ground_in_part_1(client, people):
    case = make_case(people.manager, part2_content="Exempt detail.", part2_exemption_reason=GROUND)
    revision = _published(people, case)
    assert revision.document["part2_exemption"] == GROUND
    assert revision.document["has_part2"] is True
    assert "part2" not in revision.document
    slug = revision.publication.slug
    part1 = _part1_of(client.get(f"/decisions/{slug}/").content.decode())
    assert "Why Part 2 is exempt</h2>" in part1
    assert "an operation is under way" in part1
    assert "Exempt detail" not in part1
    assert client.get(f"/decisions/{slug}/document.json").json()["part2_exemption"] == GROUND


def test_without_a_part_2_there_is_no_ground_to_show(client, people):
    case = make_case(people.manager, part2_content="  ", part2_exemption_reason=GROUND)
    revision = _published(people, case)
    assert revision.document["part2_exemption"] == ""
    page = client.get(f"/decisions/{revision.publication.slug}/").content.decode()
    assert "Why Part 2 is exempt" not in page
    assert "an operation is under way" not in page


def test_a_version_made_before_keeps_its_documents_and_their_sha256(client, people):
    """A version frozen before Part 1 carried the ground: its document has no
    part2_exemption key. Published now, its Part 1 is exactly what it always was."""
    case = make_case(people.manager, part2_content="Exempt detail.", part2_exemption_reason=GROUND)
    to_dmpc_review(case, people)
    version = CaseVersion.objects.get(case=case)
    old = {key: value for key, value in version.document.items() if key != "part2_exemption"}
    # Part 1 as it was drawn then: the document without Part 2, saying only that it had one.
    old_part1 = {key: value for key, value in old.items() if key != "part2"} | {"has_part2": True}
    old_part1_sha256 = hashlib.sha256(
        json.dumps(old_part1, sort_keys=True, ensure_ascii=False, indent=2).encode()
    ).hexdigest()
    CaseVersion.objects.filter(pk=version.pk).update(
        document=old, sha256=document_sha256(old), part1_sha256=old_part1_sha256
    )

    assert part1_document(old) == old_part1
    assert document_sha256(part1_document(old)) == old_part1_sha256

    sign_all(case, people)
    services.mark_ready(case, by=people.dmpc_office)
    decision = approve(case, people)
    revision = publishing.publish_now(decision.publication, by=people.publisher)
    assert CaseVersion.objects.filter(case=case).count() == 1
    stored = PublishedRevision.objects.get(pk=revision.pk)
    assert "part2_exemption" not in stored.document
    assert stored.document_sha256 == old_part1_sha256
    assert version_problems()[1] == []
    assert revision_problems()[1] == []
    page = client.get(f"/decisions/{revision.publication.slug}/").content.decode()
    assert "Why Part 2 is exempt</h2>" not in _part1_of(page)
    document = client.get(f"/decisions/{revision.publication.slug}/document.json")
    assert hashlib.sha256(document.content).hexdigest() == old_part1_sha256
