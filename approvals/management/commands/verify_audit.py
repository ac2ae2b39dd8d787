import sys

from django.core.management.base import BaseCommand

from approvals.audit import verify_chain


class Command(BaseCommand):
    help = "Recompute the audit trail's hash chain. Exits 1 naming the first broken event."

    def handle(self, *args, **options):
        check = verify_chain()
        if check.intact:
            self.stdout.write(self.style.SUCCESS(f"Audit trail intact: {check.events} events."))
            return
        self.stderr.write(
            self.style.ERROR(f"Audit trail broken at event {check.broken_at}: {check.problem}.")
        )
        sys.exit(1)
