from django.core.management.base import BaseCommand

from approvals.models import PublishedRevision
from approvals.publication import part1


class Command(BaseCommand):
    help = (
        "Draw Part 1 of published decisions again for their pages: those never drawn, or "
        "drawn before a release that changed how reports are drawn. Run it after deploying "
        "such a release; until then their pages draw Part 1 on every request."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--all", action="store_true", help="Draw every published revision again."
        )

    def handle(self, *args, all=False, **options):
        revisions = PublishedRevision.objects.all() if all else part1.out_of_date()
        total = revisions.count()
        if not total:
            self.stdout.write("Every published revision's Part 1 is up to date.")
            return
        self.stdout.write(f"Drawing Part 1 of {total:,} published revisions…")
        done = 0
        for done in part1.redraw(revisions):
            self.stdout.write(f"  {done:,} of {total:,}")
        self.stdout.write(self.style.SUCCESS(f"Drew {done:,} (layout {part1.LAYOUT})."))
