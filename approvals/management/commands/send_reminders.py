import datetime

from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from approvals import reminders


class Command(BaseCommand):
    help = (
        "Email each person one digest of what waits for them today. Run daily from cron; "
        "safe to run twice and on several servers at once."
    )

    def add_arguments(self, parser):
        parser.add_argument("--date", help="The day to send for, as YYYY-MM-DD (default today).")
        parser.add_argument(
            "--dry-run", action="store_true", help="Print what would be sent; send nothing."
        )

    def handle(self, *args, date=None, dry_run=False, **options):
        try:
            day = datetime.date.fromisoformat(date) if date else timezone.localdate()
        except ValueError as error:
            raise CommandError(f"--date must be YYYY-MM-DD: {error}") from None
        sent, skipped = reminders.send(day, dry_run=dry_run)
        if dry_run:
            for digest in sent:
                self.stdout.write(f"To {digest.user.email}:\n{digest.text()}")
            self.stdout.write(f"Would send {len(sent)} digests, skip {skipped} already sent.")
        else:
            self.stdout.write(f"Sent {len(sent)} digests, skipped {skipped} already sent.")
