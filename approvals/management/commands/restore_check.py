"""Check a restored service (see README.md, "Backup and restore"): every stored record that
carries a SHA-256 still matches it, every grant agreement's and offer letter's file is in
storage and, given
a saved copy of the public register, no published decision reference would be issued
again."""

import hashlib
import sys

from django.core.management.base import BaseCommand, CommandError

from approvals.audit import verify_chain
from approvals.models import CaseVersion, GrantAgreement, PublishedRevision
from approvals.references import RegisterError, next_numbers, published_references, reissues
from grants.document import document_sha256, part1_document
from grants.models import OfferLetter


def stored_file_problems(records, label) -> tuple[int, list[str]]:
    """Each record's file must exist in storage, at its size and SHA-256; `label` names a
    record in a problem."""
    count, problems = 0, []
    for record in records.iterator(chunk_size=500):
        count += 1
        name = record.file.name
        named = label(record, name or "no file")
        if not name:
            problems.append(f"{named}: no file is recorded.")
            continue
        storage = record.file.storage
        try:
            if not storage.exists(name):
                problems.append(f"{named}: the file is missing.")
                continue
            digest, size = hashlib.sha256(), 0
            with storage.open(name, "rb") as stored:
                for chunk in stored.chunks():
                    digest.update(chunk)
                    size += len(chunk)
        except Exception as error:
            problems.append(f"{named}: the file cannot be read ({error}).")
            continue
        if digest.hexdigest() != record.sha256:
            problems.append(
                f"{named}: the file's SHA-256 is {digest.hexdigest()}, "
                f"not {record.sha256} as recorded ({size} bytes, {record.size} recorded)."
            )
    return count, problems


def agreement_problems() -> tuple[int, list[str]]:
    """Each grant agreement's file must exist in storage, at its size and SHA-256."""
    return stored_file_problems(
        GrantAgreement.objects.select_related("decision").order_by("pk"),
        lambda agreement, name: f"Grant agreement {agreement.pk} ({name}) for {agreement.decision}",
    )


def offer_letter_problems() -> tuple[int, list[str]]:
    """Each offer letter's file, likewise."""
    return stored_file_problems(
        OfferLetter.objects.select_related("offer").order_by("pk"),
        lambda letter, name: (
            f"Offer letter {letter.pk} ({name}) for offer "
            f"{letter.offer_id} of case {letter.offer.case_id}"
        ),
    )


def version_problems() -> tuple[int, list[str]]:
    """Each case version's document must hash to its recorded SHA-256s."""
    count, problems = 0, []
    versions = CaseVersion.objects.order_by("pk").only(
        "pk", "case_id", "number", "document", "sha256", "part1_sha256"
    )
    for version in versions.iterator(chunk_size=200):
        count += 1
        label = f"Case {version.case_id} version {version.number} (id {version.pk})"
        actual = document_sha256(version.document)
        if actual != version.sha256:
            problems.append(
                f"{label}: its document hashes to {actual}, not {version.sha256} as recorded."
            )
        actual = document_sha256(part1_document(version.document))
        if actual != version.part1_sha256:
            problems.append(
                f"{label}: its Part 1 hashes to {actual}, not {version.part1_sha256} as recorded."
            )
    return count, problems


def revision_problems() -> tuple[int, list[str]]:
    """Each published revision's document must hash to its recorded SHA-256."""
    count, problems = 0, []
    revisions = PublishedRevision.objects.select_related("publication").order_by("pk")
    for revision in revisions.iterator(chunk_size=200):
        count += 1
        actual = document_sha256(revision.document)
        if actual != revision.document_sha256:
            problems.append(
                f"{revision} (id {revision.pk}): its document hashes to {actual}, "
                f"not {revision.document_sha256} as recorded."
            )
    return count, problems


class Command(BaseCommand):
    help = (
        "After a restore, check that every grant agreement file exists and matches its "
        "SHA-256, every case version and published revision still hashes to its SHA-256, "
        "and the audit trail's chain is intact; with --register, that no reference on the "
        "public register would be issued again. Exits 1 listing every problem."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--register",
            metavar="FILE-OR-URL",
            help=(
                "A saved copy of the public register's /decisions.json or /decisions.csv, "
                "or its address: report the references the database would issue again."
            ),
        )

    def handle(self, *args, register=None, **options):
        published = None
        if register:
            try:
                published = published_references(register)
            except RegisterError as error:
                raise CommandError(str(error)) from None
        agreements, problems = agreement_problems()
        letters, found = offer_letter_problems()
        problems += found
        versions, found = version_problems()
        problems += found
        revisions, found = revision_problems()
        problems += found
        chain = verify_chain()
        if not chain.intact:
            problems.append(f"Audit trail broken at event {chain.broken_at}: {chain.problem}.")
        if published is not None:
            problems += [str(reissue) for reissue in reissues(published)]

        if problems:
            for problem in problems:
                self.stderr.write(self.style.ERROR(problem))
            self.stderr.write(
                self.style.ERROR(f"Restore check failed: {len(problems)} problem(s).")
            )
            sys.exit(1)
        self.stdout.write(
            self.style.SUCCESS(
                f"Restore check passed: {agreements} grant agreement files, {letters} offer "
                f"letter files, {versions} case versions, {revisions} published revisions and "
                f"{chain.events} audit events."
            )
        )
        if published is not None:
            checked = ", ".join(
                f"the next, {prefix} {number}, is past the register's "
                f"{prefix} {published.highest[prefix]}"
                for prefix, number in next_numbers(published.highest).items()
            )
            self.stdout.write(
                self.style.SUCCESS(f"Decision references: {checked or 'the register has none'}.")
            )
