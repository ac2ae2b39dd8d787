from django.core.management.base import BaseCommand

from approvals.publication.services import publish_due


class Command(BaseCommand):
    help = (
        "Publish every decision (and signed agreement) that is due. Safe to run every minute "
        "from cron, and on several servers at once."
    )

    def handle(self, *args, **options):
        revisions = publish_due()
        for revision in revisions:
            self.stdout.write(
                f"Published {revision.publication.reference} revision {revision.number}."
            )
        if not revisions:
            self.stdout.write("Nothing is due.")
