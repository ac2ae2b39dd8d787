"""Back up the database and the uploaded files into one new folder (see README.md,
"Backup and restore"): `pg_dump` first, then a copy of MEDIA_ROOT.

The order matters. A grant agreement's file is stored before its row is committed and
files are never deleted, so a copy of the files taken after the dump holds every file
the dump refers to.
"""

import os
import shutil
import subprocess
from pathlib import Path

from django.conf import settings
from django.core.files.storage import FileSystemStorage, default_storage
from django.core.management.base import BaseCommand, CommandError
from django.db import connection

DUMP_NAME = "database.dump"
MEDIA_NAME = "media"


def pg_environment(settings_dict: dict) -> dict[str, str]:
    """The environment that points pg_dump, pg_restore or psql at a Django database."""
    options = settings_dict.get("OPTIONS") or {}
    values = {
        "PGHOST": settings_dict.get("HOST"),
        "PGPORT": settings_dict.get("PORT"),
        "PGUSER": settings_dict.get("USER"),
        "PGPASSWORD": settings_dict.get("PASSWORD"),
        "PGDATABASE": settings_dict.get("NAME"),
        "PGSSLMODE": options.get("sslmode"),
        "PGSSLROOTCERT": options.get("sslrootcert"),
        "PGSSLCERT": options.get("sslcert"),
        "PGSSLKEY": options.get("sslkey"),
        "PGSERVICE": options.get("service"),
        "PGPASSFILE": options.get("passfile"),
    }
    return {**os.environ, **{name: str(value) for name, value in values.items() if value}}


class Command(BaseCommand):
    help = (
        "Back up the PostgreSQL database with pg_dump into DESTINATION/database.dump, then "
        "copy MEDIA_ROOT to DESTINATION/media. DESTINATION must not exist yet."
    )

    def add_arguments(self, parser):
        parser.add_argument("destination", help="A new folder for this backup.")

    def handle(self, *args, destination, **options):
        if connection.vendor != "postgresql":
            raise CommandError(
                f"backup needs PostgreSQL (pg_dump); this database is {connection.vendor}. "
                "Set DATABASE_URL to the PostgreSQL database to back up."
            )
        pg_dump = shutil.which("pg_dump")
        if pg_dump is None:
            raise CommandError(
                "pg_dump was not found: install the PostgreSQL client tools of the server's "
                "major version or later (apt-get install postgresql-client)."
            )
        target = Path(destination)
        if target.exists():
            raise CommandError(f"{target} already exists: give each backup a new folder.")
        # The backup holds OFFICIAL-SENSITIVE data: only its owner may read it.
        target.mkdir(parents=True, mode=0o700)

        dump = target / DUMP_NAME
        result = subprocess.run(
            [pg_dump, "--format=custom", "--no-owner", f"--file={dump}"],
            env=pg_environment(connection.settings_dict),
            capture_output=True,
            text=True,
        )
        if result.returncode != 0:
            raise CommandError(f"pg_dump failed ({result.returncode}): {result.stderr.strip()}")
        self.stdout.write(f"Database dumped to {dump} ({dump.stat().st_size} bytes).")

        if not isinstance(default_storage, FileSystemStorage):
            self.stderr.write(
                self.style.WARNING(
                    "Uploaded files are in object storage, not MEDIA_ROOT: back up the bucket "
                    f"{settings.STORAGES['default'].get('OPTIONS', {}).get('bucket_name')} "
                    "now, after this dump (versioning, or `aws s3 sync`; see README.md)."
                )
            )
            return
        media = Path(settings.MEDIA_ROOT)
        copy = target / MEDIA_NAME
        if media.is_dir():
            shutil.copytree(media, copy)
        else:
            copy.mkdir()
        count = sum(1 for path in copy.rglob("*") if path.is_file())
        self.stdout.write(f"{count} uploaded files copied from {media} to {copy}.")
        self.stdout.write(self.style.SUCCESS(f"Backup written to {target}."))
