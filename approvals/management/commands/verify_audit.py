import sys

from django.core.management.base import BaseCommand

from approvals import anchors
from approvals.audit import anchor_problems, verify_chain


class Command(BaseCommand):
    help = (
        "Recompute the audit trail's hash chain with AUDIT_KEY, and check it against the "
        "anchors this database holds and, with --anchors, against a copy of the published "
        "anchors kept outside it. Exits 1 naming what does not match, 2 if the anchors "
        "cannot be used."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--anchors",
            dest="source",
            metavar="FILE-OR-URL",
            help="A saved copy of /audit-anchors.json or of the decisions feed, as a file "
            "or a URL somewhere other than this service.",
        )

    def handle(self, *args, source=None, **options):
        saved = None
        if source:
            try:
                saved = anchors.read(source)
            except (anchors.AnchorsFromHere, anchors.AnchorsUnreadable) as error:
                self.stderr.write(self.style.ERROR(f"Anchors not accepted: {error}"))
                sys.exit(2)

        check = verify_chain()
        if not check.intact:
            self.stderr.write(
                self.style.ERROR(f"Audit trail broken at event {check.broken_at}: {check.problem}.")
            )
            sys.exit(1)

        if saved is None:
            self.stdout.write(
                self.style.SUCCESS(
                    f"Audit trail intact: {check.events} events. It agrees with the "
                    f"{check.anchors} anchors this database holds; those are in the database "
                    "too, so to show the trail has not been rewritten by whoever controls it, "
                    "check it against a copy kept outside with --anchors."
                )
            )
            return

        problems = anchor_problems(saved.anchors, whose=f"in {source}")
        if problems:
            for _, problem in problems:
                self.stderr.write(self.style.ERROR(f"Audit trail contradicted: {problem}."))
            sys.exit(1)
        latest = max(saved.anchors, key=lambda anchor: anchor.sequence)
        self.stdout.write(
            self.style.SUCCESS(
                f"Audit trail intact: {check.events} events, matching all "
                f"{len(saved.anchors)} anchors in {source} (the latest at event "
                f"{latest.sequence}, {latest.label}). The trail up to event {latest.sequence} "
                f"has not been rewritten since that copy was made ({saved.saved_at})."
            )
        )
