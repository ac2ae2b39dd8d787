"""Load decisions published on the earlier register onto this one (see
approvals.publication.historic and README.md, "The historic register")."""

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from approvals.publication.historic import COLUMNS, MAX_FILE_BYTES, ImportRefused, import_decisions


class Command(BaseCommand):
    help = (
        "Import decisions published on the earlier register from a CSV file with the "
        f"columns {', '.join(COLUMNS)}. Every row is checked first: one bad row and nothing "
        "is imported. Rows imported before with the same content are skipped."
    )

    def add_arguments(self, parser):
        parser.add_argument("file", metavar="FILE.csv", help="The earlier register's decisions.")
        parser.add_argument(
            "--files",
            metavar="DIR",
            help="The folder holding the published PDFs that the pdf column names.",
        )

    def handle(self, *args, file, files, **options):
        path = Path(file)
        folder = Path(files) if files else None
        if folder is not None and not folder.is_dir():
            raise CommandError(f"{files} is not a folder.")
        try:
            if path.stat().st_size > MAX_FILE_BYTES:
                raise CommandError(f"{file} is larger than {MAX_FILE_BYTES // 2**20} MB.")
            content = path.read_bytes()
        except OSError as error:
            raise CommandError(f"Could not read {file}: {error.strerror}.") from None
        try:
            result = import_decisions(content, files=folder, source=path.name)
        except ImportRefused as refused:
            count = len(refused.problems)
            raise CommandError(
                f"Nothing was imported: {file} has {count} problem{'s' if count != 1 else ''}.\n"
                + str(refused)
            ) from None
        self.stdout.write(
            self.style.SUCCESS(f"Imported {len(result.imported):,} decision(s) from {file}.")
        )
        if result.unchanged:
            self.stdout.write(
                f"Skipped {len(result.unchanged):,} decision(s) imported before with the same "
                "content."
            )
        for advance in result.advances:
            if advance.moved:
                self.stdout.write(
                    f"{advance.prefix}: the next reference is now {advance.prefix} "
                    f"{advance.after} (it was {advance.prefix} {advance.before})."
                )
