"""Move the decision reference sequence past every reference on a saved copy of the public
register (see README.md, "Backup and restore"), so a restored database never issues a
published reference again."""

from django.core.management.base import BaseCommand, CommandError

from approvals.references import RegisterError, advance_past, published_references


class Command(BaseCommand):
    help = (
        "Move each decision reference prefix's next number past the highest reference in "
        "a copy of the public register's open data (/decisions.json or /decisions.csv, a "
        "file or an http(s) address). Never moves a number back; each move is audited."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--register",
            required=True,
            metavar="FILE-OR-URL",
            help="A saved /decisions.json or /decisions.csv, or its address.",
        )

    def handle(self, *args, register, **options):
        try:
            published = published_references(register)
        except RegisterError as error:
            raise CommandError(str(error)) from None
        if published.unreadable:
            self.stdout.write(
                f"Left out {len(published.unreadable)} reference(s) not written as a prefix "
                f"and a number, such as {published.unreadable[0]!r}."
            )
        if not published.highest:
            self.stdout.write("The register has no decision references: nothing to move.")
            return
        for advance in advance_past(published, source=register):
            prefix, highest = advance.prefix, published.highest[advance.prefix]
            if advance.moved:
                self.stdout.write(
                    self.style.SUCCESS(
                        f"{prefix}: the next reference is now {prefix} {advance.after} "
                        f"(it was {prefix} {advance.before}; the register has up to "
                        f"{prefix} {highest})."
                    )
                )
            else:
                self.stdout.write(
                    f"{prefix}: the next reference, {prefix} {advance.before}, is already past "
                    f"the register's {prefix} {highest}; left as it is."
                )
