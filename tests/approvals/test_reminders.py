"""The daily reminders digest: who is reminded of what, once a day."""

import datetime
import email
import socket
from email import policy

import pytest
from aiosmtpd.controller import Controller
from django.core import mail
from django.core.mail import EmailMultiAlternatives
from django.core.management import call_command
from django.db import connection
from django.utils import timezone

from approvals import questions, reminders, services
from approvals.models import ClearanceArea, ReminderDigest
from approvals.publication import services as publishing
from approvals.workflow import NEXT_ACTORS
from grants.models import CaseState
from tests.factories import make_case
from tests.races import run_at_once
from tests.workflow import approve, to_dmpc_review, to_iam, to_ready

TODAY = timezone.localdate()


def later(days: int) -> datetime.date:
    return TODAY + datetime.timedelta(days=days)


def texts_for(day) -> dict[str, list[str]]:
    return {d.user.username: [item.text for item in d.items] for d in reminders.digests(day)}


def test_outstanding_sign_offs_go_to_the_advisers_still_to_sign(people, settings):
    settings.REMINDER_SIGN_OFF_WORKING_DAYS = 3
    case = make_case(people.manager, title="Knife crime")
    to_dmpc_review(case, people)
    services.sign_off(case, by=people.finance, area=ClearanceArea.FINANCE, advice="Fine.")

    assert texts_for(TODAY) == {}  # not waited long enough yet
    due = texts_for(later(14))
    assert set(due) == {"legal", "equalities", "privacy"}
    assert due["legal"] == [due["legal"][0]]
    assert "Legal sign-off waiting since" in due["legal"][0]
    assert due["legal"][0].endswith("Knife crime")


def test_needed_by_dates_go_to_whoever_acts_next(people, settings):
    settings.REMINDER_NEEDED_BY_WORKING_DAYS = 5
    soon = make_case(people.manager, title="Soon", needed_by=later(2))
    make_case(people.manager, title="Far off", needed_by=later(60))
    to_iam(soon, people)

    due = texts_for(TODAY)
    assert set(due) == {"iam"}
    assert NEXT_ACTORS[CaseState.IAM_REVIEW] == {people.iam.groups.get().name}
    assert due["iam"][0].startswith("Decision needed by ")
    assert due["iam"][0].endswith(": Soon")


def test_a_draft_needed_soon_reminds_its_own_managers(people):
    make_case(people.manager, title="Draft", needed_by=later(1))
    assert set(texts_for(TODAY)) == {people.manager.username}


def test_a_decided_case_is_not_reminded_of_its_needed_by_date(people):
    case = make_case(people.manager, title="Decided", needed_by=later(1))
    to_ready(case, people)
    approve(case, people)
    assert not any("Decided" in t for ts in texts_for(TODAY).values() for t in ts)


def test_unanswered_questions_go_to_their_addressees_not_the_asker(people):
    case = make_case(people.manager, title="Asked")
    to_iam(case, people)
    questions.ask(case, by=people.manager, text="Is the match funding right?",
                  addressee="role:finance adviser")  # fmt: skip
    due = texts_for(TODAY)
    assert due == {"finance": ["Question waiting for an answer: Asked"]}
    digest = reminders.digests(TODAY)[0]
    assert digest.items[0].link.startswith("http")
    assert "#question-" in digest.items[0].link


def test_answered_questions_are_not_reminded(people):
    case = make_case(people.manager, title="Asked")
    to_iam(case, people)
    question = questions.ask(
        case, by=people.manager, text="Is it right?", addressee="role:finance adviser"
    )
    questions.answer(question, by=people.finance, text="Yes.")
    assert texts_for(TODAY) == {}


def test_overdue_and_deferred_publications_go_to_publishers(people):
    overdue = make_case(people.manager, title="Overdue")
    to_ready(overdue, people)
    approve(overdue, people)
    deferred = make_case(people.manager, title="Deferred")
    to_ready(deferred, people)
    publication = approve(deferred, people).publication
    until = timezone.make_aware(datetime.datetime.combine(later(30), datetime.time(10)))
    publishing.defer(publication, by=people.publisher, until=until, reason="Sensitive.")

    assert texts_for(TODAY) == {}
    due = texts_for(later(29))
    assert set(due) == {"publisher"}
    assert any(
        t.startswith("Publication overdue since") and "Overdue" in t for t in due["publisher"]
    )
    assert any(t.startswith("Deferred publication due tomorrow") for t in due["publisher"])
    assert not any("Deferred" in t for t in texts_for(later(20)).get("publisher", []))


def test_nobody_with_nothing_due_gets_mail(people):
    make_case(people.manager, title="Quiet")
    call_command("send_reminders")
    assert mail.outbox == []


@pytest.mark.parametrize("cases", [1, 4])
def test_the_digest_is_read_in_a_fixed_number_of_queries(people, django_assert_num_queries, cases):
    for n in range(cases):
        case = make_case(people.manager, title=f"Case {n}", needed_by=later(1))
        to_dmpc_review(case, people)
        questions.ask(case, by=people.manager, text="Why?", addressee="role:legal adviser")
    with django_assert_num_queries(8):
        digests = reminders.digests(later(14))
    assert len(digests) > 3


def test_running_twice_sends_one_digest_a_person(people, capsys):
    case = make_case(people.manager, title="Twice", needed_by=later(1))
    to_iam(case, people)
    call_command("send_reminders")
    assert "Sent 1 digests, skipped 0 already sent." in capsys.readouterr().out
    call_command("send_reminders")
    assert "Sent 0 digests, skipped 1 already sent." in capsys.readouterr().out
    assert [m.to for m in mail.outbox] == [[people.iam.email]]
    message = mail.outbox[0]
    assert "Twice" in message.body
    assert "/cases/" in message.body or "http" in message.body
    html, kind = message.alternatives[0]
    assert kind == "text/html" and '<a href="http' in html
    assert ReminderDigest.objects.filter(user=people.iam, day=TODAY).count() == 1


def test_dry_run_sends_nothing_and_claims_nothing(people, capsys):
    case = make_case(people.manager, title="Dry", needed_by=later(1))
    to_iam(case, people)
    call_command("send_reminders", "--dry-run")
    out = capsys.readouterr().out
    assert "Would send 1 digests" in out and "Dry" in out
    assert mail.outbox == [] and not ReminderDigest.objects.exists()


def test_a_failed_send_is_tried_again_on_the_next_run(people, settings, monkeypatch):
    case = make_case(people.manager, title="Retry", needed_by=later(1))
    to_iam(case, people)

    def broken(self, fail_silently=False):
        raise OSError("SMTP down")

    with monkeypatch.context() as patch:
        patch.setattr(EmailMultiAlternatives, "send", broken)
        sent, skipped = reminders.send(TODAY)
    assert sent == [] and not ReminderDigest.objects.exists()
    sent, skipped = reminders.send(TODAY)
    assert (len(sent), skipped, len(mail.outbox)) == (1, 0, 1)


class Sink:
    def __init__(self):
        self.messages = []

    async def handle_DATA(self, server, session, envelope):
        self.messages.append((envelope.rcpt_tos, envelope.content))
        return "250 OK"


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def test_a_digest_reaches_a_real_smtp_server(people, settings):
    sink = Sink()
    controller = Controller(sink, hostname="127.0.0.1", port=_free_port())
    controller.start()
    try:
        settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
        settings.EMAIL_HOST, settings.EMAIL_PORT = "127.0.0.1", controller.port
        settings.EMAIL_USE_TLS = False
        case = make_case(people.manager, title="By SMTP", needed_by=later(1))
        to_iam(case, people)
        call_command("send_reminders")
    finally:
        controller.stop()
    assert len(sink.messages) == 1
    recipients, content = sink.messages[0]
    assert recipients == [people.iam.email]
    message = email.message_from_bytes(content, policy=policy.default)
    assert "waiting for you" in message["Subject"]
    plain = message.get_body(("plain",)).get_content()
    html = message.get_body(("html",)).get_content()
    assert "By SMTP" in plain and settings.SITE_URL in plain
    assert f'href="{settings.SITE_URL}' in html


@pytest.mark.django_db(transaction=True)
@pytest.mark.skipif(connection.vendor != "postgresql", reason="needs PostgreSQL")
def test_two_runs_at_once_send_one_digest_a_person(people):
    for title in ("One", "Two"):
        case = make_case(people.manager, title=title, needed_by=later(1))
        to_dmpc_review(case, people)
    expected = {d.user.pk for d in reminders.digests(TODAY)}
    assert len(expected) > 3
    mail.outbox.clear()  # the workflow's own notifications
    results = run_at_once(2, lambda: reminders.send(TODAY))
    sent = [digest.user.pk for result in results for digest in result[0]]
    assert sorted(sent) == sorted(expected), results
    assert len(mail.outbox) == len(expected)
    assert ReminderDigest.objects.filter(day=TODAY).count() == len(expected)
