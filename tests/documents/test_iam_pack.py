"""The IAM meeting pack: one staff-only PDF for a meeting, kept per agenda and audited on
each download."""

import logging
import re

import pytest
from django.urls import reverse

from approvals import services
from approvals.documents import iam_pack
from approvals.models import AuditAction, AuditEvent, IamOutcome, IamPack
from tests.documents.pdfs import header_cells, read
from tests.factories import make_case
from tests.workflow import to_iam

pytestmark = pytest.mark.django_db

# Planted in Part 2 of the second case.
PART2 = "zqxpackparttwo"
TITLES = ("Organised Crime Grant", "Violence Reduction Grant", "Victims Services Grant")
MARK = "OFFICIAL – SENSITIVE"


@pytest.fixture(autouse=True)
def _media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


def put_on_agenda(meeting, case, people):
    services.submit(case, by=people.manager)
    return services.add_to_agenda(meeting, case, by=people.iam)


@pytest.fixture
def meeting(people):
    """A meeting of three cases: the second has a Part 2 and more units, so its report
    runs over several pages."""
    first = make_case(people.manager, title=TITLES[0])
    meeting = to_iam(first, people)
    second = make_case(
        people.manager,
        title=TITLES[1],
        units=4,
        posts=12,
        part2_content=f"Exempt: {PART2}.",
        part2_exemption_reason="Commercial interests.",
    )
    put_on_agenda(meeting, second, people)
    put_on_agenda(meeting, make_case(people.manager, title=TITLES[2]), people)
    return meeting


def agenda_pages(drawn) -> list[int]:
    """The page numbers the agenda gives, in its order."""
    agenda = next(page for page in drawn.pages if "Agenda" in page and TITLES[0] in page)
    return [int(number) for number in re.findall(r"page (\d+)", agenda)]


def first_page_of(drawn, position: int, title: str) -> int:
    """The 1-based page on which agenda item `position`'s report starts."""
    heading = f"Agenda item {position} · version 1 {title}"
    return next(number for number, page in enumerate(drawn.pages, 1) if heading in page)


def test_the_agenda_gives_the_page_each_report_starts_on(meeting, people):
    pack = iam_pack.current_pack(meeting, by=people.iam)
    with pack.file.open("rb") as handle:
        content = handle.read()
    drawn = read(content)

    starts = [first_page_of(drawn, n, title) for n, title in enumerate(TITLES, 1)]
    assert agenda_pages(drawn) == starts
    assert starts[0] == 3  # after the cover and the agenda
    assert starts[2] - starts[1] > 2  # the second report runs over several pages
    assert drawn.title == "IAM meeting pack, 20 November 2026"
    assert drawn.pages[0].count("Investment Advisory and Monitoring meeting")
    assert "City Hall" in drawn.pages[0] and "IAM members" in drawn.pages[0]
    # Bookmarks: the cover, the agenda and each case, with its report's sections.
    assert drawn.outline[0] == "Investment Advisory and Monitoring meeting"
    assert "Agenda" in drawn.outline
    assert [title for title in drawn.outline if title in TITLES] == list(TITLES)
    assert drawn.outline.count("Part 2 – exempt information") == 3
    assert header_cells(content) > 0
    assert (pack.number, pack.size, pack.sha256) == (1, len(content), iam_pack.pdf.sha256(content))


def test_no_two_reports_define_the_same_anchor(meeting, caplog):
    caplog.set_level(logging.WARNING, logger="weasyprint")

    iam_pack.draw(meeting)

    assert not [record for record in caplog.records if "Anchor defined twice" in record.message]


def test_part_2_pages_are_marked_official_sensitive(meeting, people):
    pack = iam_pack.current_pack(meeting, by=people.iam)
    with pack.file.open("rb") as handle:
        drawn = read(handle.read())

    marked = [number for number, page in enumerate(drawn.pages, 1) if MARK in page]
    part2 = [number for number, page in enumerate(drawn.pages, 1) if "Part 2 – exempt" in page]
    planted = [number for number, page in enumerate(drawn.pages, 1) if PART2 in page]
    assert len(part2) == 3
    assert set(part2) <= set(marked)
    assert planted and set(planted) <= set(marked)
    # Nothing else is marked: the cover, the agenda and Part 1 are not.
    assert 1 not in marked and 2 not in marked
    assert all("Part 1 – This section" not in drawn.pages[number - 1] for number in marked)


def test_the_same_agenda_gives_the_same_pack(meeting, people):
    first = iam_pack.current_pack(meeting, by=people.iam)
    again = iam_pack.current_pack(meeting, by=people.dmpc)

    assert again.pk == first.pk
    assert again.sha256 == first.sha256
    assert IamPack.objects.filter(meeting=meeting).count() == 1


def test_recording_an_outcome_draws_the_next_pack(meeting, people):
    first = iam_pack.current_pack(meeting, by=people.iam)
    item = meeting.items.order_by("pk").first()
    services.record_iam_outcome(
        item.case,
        by=people.iam,
        outcome=IamOutcome.ENDORSED_WITH_CONDITIONS,
        note="Report back in six months.",
        attendees="Chair\nFinance lead",
        minutes="The board discussed the overtime line.",
    )
    meeting.refresh_from_db()

    second = iam_pack.current_pack(meeting, by=people.iam)
    assert (first.number, second.number) == (1, 2)
    assert second.contents != first.contents and second.sha256 != first.sha256
    with second.file.open("rb") as handle:
        drawn = read(handle.read())
    assert "Endorsed with conditions" in drawn.text
    assert "Report back in six months." in drawn.text
    assert "The board discussed the overtime line." in drawn.text
    assert "Finance lead" in drawn.pages[0]
    # The first pack is kept as it was.
    assert IamPack.objects.get(pk=first.pk).sha256 == first.sha256


def test_adding_a_case_draws_the_next_pack(meeting, people):
    iam_pack.current_pack(meeting, by=people.iam)
    put_on_agenda(meeting, make_case(people.manager, title="A fourth grant"), people)

    second = iam_pack.current_pack(meeting, by=people.iam)
    assert second.number == 2
    with second.file.open("rb") as handle:
        drawn = read(handle.read())
    assert len(agenda_pages(drawn)) == 4
    assert first_page_of(drawn, 4, "A fourth grant") == agenda_pages(drawn)[3]


def test_a_pack_kept_by_another_request_first_stands(meeting, people, monkeypatch, settings):
    """Two requests draw the same pack at once: the second to keep it gets the first's,
    and its own file is removed."""
    drawn = iam_pack.draw(meeting)
    monkeypatch.setattr(iam_pack, "draw", lambda meeting: drawn)
    real_filter = IamPack.objects.filter
    # The second request looked before the first kept its pack.
    looks = []

    def first_look_finds_nothing(*args, **kwargs):
        found = real_filter(*args, **kwargs)
        if "contents" in kwargs and not looks:
            looks.append(True)
            other = IamPack(meeting=meeting, number=1, contents=kwargs["contents"])
            other.drawn_by = people.iam
            iam_pack.pdf.keep(other, drawn, "pack.pdf")
            return found.none()
        return found

    monkeypatch.setattr(IamPack.objects, "filter", first_look_finds_nothing)
    pack = iam_pack.current_pack(meeting, by=people.dmpc)
    monkeypatch.undo()

    assert IamPack.objects.filter(meeting=meeting).count() == 1
    assert pack.pk == IamPack.objects.get(meeting=meeting).pk
    stored = list((settings.MEDIA_ROOT / "documents").iterdir())
    assert [path.name for path in stored] == [pack.file.name.rsplit("/", 1)[1]]


# Downloading it ---------------------------------------------------------------------------


def test_each_download_is_audited_with_the_pack_it_gave(client, meeting, people):
    client.force_login(people.iam)
    url = reverse("approvals:meeting-pack", args=[meeting.pk])

    first = client.get(url)
    again = client.get(url)

    pack = IamPack.objects.get(meeting=meeting)
    for response in (first, again):
        assert response.status_code == 200
        assert response["Content-Type"] == "application/pdf"
        assert response["Content-Disposition"] == 'inline; filename="iam-pack-2026-11-20-v1.pdf"'
        assert b"".join(response.streaming_content) == pack.file.open("rb").read()
    events = AuditEvent.objects.filter(action=AuditAction.PACK_DOWNLOADED).order_by("sequence")
    assert [(event.actor, event.details) for event in events] == [
        (
            people.iam,
            {"meeting": meeting.pk, "date": "2026-11-20", "pack": 1, "sha256": pack.sha256},
        )
    ] * 2


def test_the_meeting_page_links_to_the_pack_and_says_which_is_current(client, meeting, people):
    client.force_login(people.iam)
    page_url = reverse("approvals:meeting", args=[meeting.pk])
    pack_url = reverse("approvals:meeting-pack", args=[meeting.pk])

    page = client.get(page_url).content.decode()
    assert f'href="{pack_url}">Download the meeting pack (PDF)</a>' in page
    assert "The first pack will be drawn when it is first downloaded." in page

    client.get(pack_url)
    page = client.get(page_url).content.decode()
    assert "This is pack 1, drawn on" in page

    put_on_agenda(meeting, make_case(people.manager, title="A fourth grant"), people)
    page = client.get(page_url).content.decode()
    assert "The meeting has changed since pack 1 was drawn" in page
    assert "pack 2 will be drawn when it is next downloaded" in page


def test_asking_for_the_headers_alone_is_not_a_download(client, meeting, people):
    client.force_login(people.iam)

    response = client.head(reverse("approvals:meeting-pack", args=[meeting.pk]))

    assert response.status_code == 200
    assert response["Content-Length"] == str(IamPack.objects.get(meeting=meeting).size)
    assert not AuditEvent.objects.filter(action=AuditAction.PACK_DOWNLOADED).exists()


@pytest.mark.parametrize("role", ["manager", "finance", "dmpc_office", "dmpc", "publisher"])
def test_only_the_secretariat_downloads_the_pack(client, meeting, people, role):
    client.force_login(getattr(people, role))

    response = client.get(reverse("approvals:meeting-pack", args=[meeting.pk]))

    assert response.status_code == 403
    assert not IamPack.objects.exists()
    assert not AuditEvent.objects.filter(action=AuditAction.PACK_DOWNLOADED).exists()


def test_an_anonymous_visitor_is_sent_to_sign_in(client, meeting):
    url = reverse("approvals:meeting-pack", args=[meeting.pk])

    response = client.get(url)

    assert response.status_code == 302
    assert response["Location"] == f"/accounts/login/?next={url}"
