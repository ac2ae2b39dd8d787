"""List, and with --remove delete, the files in the default storage that no row refers to:
left by a `load_demo` that failed part way, say, or an upload whose clean-up failed.

Every FileField of every installed model is read, so a new one is covered without a
change here. The storage is walked first and the rows read after, and a file newer than
the grace period is never an orphan: its row may belong to a transaction that has not
committed yet. Before each deletion the rows are asked again about that one file.
"""

import datetime
from collections.abc import Iterator

from django.apps import apps
from django.core.files.storage import default_storage
from django.core.management.base import BaseCommand, CommandError
from django.db import models
from django.db.models import Q
from django.utils import timezone

DEFAULT_GRACE_MINUTES = 60


def stored_files(storage, folder: str = "") -> Iterator[str]:
    """Every file's name in the storage, in every folder below `folder`."""
    try:
        folders, files = storage.listdir(folder)
    except FileNotFoundError:  # a local storage whose folder was never made
        return
    for name in sorted(files):
        yield f"{folder}/{name}" if folder else name
    for name in sorted(folders):
        yield from stored_files(storage, f"{folder}/{name}" if folder else name)


def file_fields() -> list[tuple[type[models.Model], models.FileField]]:
    """Every concrete FileField (ImageField included) of every installed model."""
    return [
        (model, field)
        for model in apps.get_models()
        if not model._meta.proxy
        for field in model._meta.concrete_fields
        if isinstance(field, models.FileField)
    ]


def referenced_names() -> set[str]:
    """Every file name a row refers to, in any FileField. Names of other storages are
    kept too: keeping a file by mistake costs little, deleting one costs a record."""
    names: set[str] = set()
    for model, field in file_fields():
        values = model._base_manager.exclude(**{field.attname: ""}).exclude(
            **{f"{field.attname}__isnull": True}
        )
        names.update(values.values_list(field.attname, flat=True).iterator(chunk_size=2000))
    return names


def is_referenced(name: str) -> bool:
    return any(
        model._base_manager.filter(Q(**{field.attname: name})).exists()
        for model, field in file_fields()
    )


def _modified(storage, name: str) -> datetime.datetime | None:
    try:
        return storage.get_modified_time(name)
    except (NotImplementedError, OSError):
        return None


def orphans(storage, *, grace: datetime.timedelta) -> tuple[list[str], list[str]]:
    """The files no row refers to that are older than `grace`, and those too new (or of
    unknown age) to tell."""
    cutoff = timezone.now() - grace
    stored = [(name, _modified(storage, name)) for name in stored_files(storage)]
    referenced = referenced_names()  # read after the walk: see the module's docstring
    old, recent = [], []
    for name, modified in stored:
        if name in referenced:
            continue
        if modified is None or modified > cutoff:
            recent.append(name)
        else:
            old.append(name)
    return old, recent


class Command(BaseCommand):
    help = (
        "List the files in the default storage (MEDIA_ROOT or the S3 bucket) that no row "
        "refers to, leaving out files newer than the grace period. --remove deletes them."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--remove", action="store_true", help="Delete the files listed, once each."
        )
        parser.add_argument(
            "--grace-minutes",
            type=int,
            default=DEFAULT_GRACE_MINUTES,
            help=(
                "Leave out files changed in this many minutes, whose rows may not have "
                f"committed yet (default {DEFAULT_GRACE_MINUTES})."
            ),
        )

    def handle(self, *args, remove, grace_minutes, **options):
        if grace_minutes < 0:
            raise CommandError("--grace-minutes cannot be negative.")
        storage = default_storage
        old, recent = orphans(storage, grace=datetime.timedelta(minutes=grace_minutes))
        for name in old:
            self.stdout.write(name)
        if recent:
            self.stdout.write(
                f"Left out {len(recent)} file(s) no row refers to yet, changed in the last "
                f"{grace_minutes} minutes or of unknown age."
            )
        if not remove:
            self.stdout.write(
                f"{len(old)} file(s) no row refers to."
                + (" Run again with --remove to delete them." if old else "")
            )
            return
        removed = 0
        for name in old:
            if is_referenced(name):  # a row that arrived meanwhile
                self.stdout.write(f"Kept {name}: a row now refers to it.")
                continue
            storage.delete(name)
            removed += 1
        self.stdout.write(self.style.SUCCESS(f"Removed {removed} file(s) no row refers to."))
