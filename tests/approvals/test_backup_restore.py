"""Backup and restore, as README.md's "Backup and restore" describes it: `manage.py backup`
(pg_dump, then a copy of MEDIA_ROOT), pg_restore into a new, empty database, and the
restored service checked with `migrate`, `verify_audit` and `restore_check`, each run as
an operator runs it, in a process of its own pointed at the restored copy."""

import io
import json
import os
import shutil
import subprocess
import sys
from pathlib import Path
from urllib.parse import quote

import psycopg
import pytest
from django.conf import settings as django_settings
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import CommandError, call_command
from django.db import connection
from psycopg import errors, sql

from approvals.management.commands.backup import DUMP_NAME, MEDIA_NAME, pg_environment
from approvals.models import AuditEvent, CaseVersion, DrawnPdf
from approvals.publication import services as publication
from approvals.publication.agreements import upload_agreement
from grants.letters import upload_letter
from tests.approvals.backup import snapshot
from tests.factories import PASSWORD, PDF, make_case
from tests.workflow import approve, to_ready

on_postgresql = pytest.mark.skipif(
    connection.vendor != "postgresql",
    reason="backup and restore use pg_dump and pg_restore: run with DATABASE_URL set to a "
    "PostgreSQL database (CI does)",
)
BASE_DIR = Path(django_settings.BASE_DIR)


def require_pg_tools() -> dict[str, str]:
    tools = {name: shutil.which(name) for name in ("pg_dump", "pg_restore")}
    missing = [name for name, path in tools.items() if path is None]
    if missing:
        reason = f"{' and '.join(missing)} not installed (apt-get install postgresql-client)"
        if os.environ.get("CI"):
            pytest.fail(f"CI must run the backup test: {reason}")
        pytest.skip(reason)
    return tools


def database_url(settings_dict: dict, name: str) -> str:
    user = quote(settings_dict.get("USER") or "", safe="")
    password = settings_dict.get("PASSWORD")
    credentials = f"{user}:{quote(password, safe='')}" if password else user
    host = quote(settings_dict.get("HOST") or "", safe="")
    port = f":{settings_dict['PORT']}" if settings_dict.get("PORT") else ""
    return f"postgres://{credentials}@{host}{port}/{quote(name, safe='')}"


def admin_connection(settings_dict: dict):
    """An autocommit connection to the server's 'postgres' database, to create and drop
    databases."""
    return psycopg.connect(
        dbname="postgres",
        host=settings_dict.get("HOST") or None,
        port=settings_dict.get("PORT") or None,
        user=settings_dict.get("USER") or None,
        password=settings_dict.get("PASSWORD") or None,
        autocommit=True,
    )


def manage(env: dict[str, str], *args: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=BASE_DIR,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )


def python(env: dict[str, str], code: str) -> subprocess.CompletedProcess:
    setup = "import django; django.setup()\n"
    return subprocess.run(
        [sys.executable, "-c", setup + code],
        cwd=BASE_DIR,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )


@on_postgresql
@pytest.mark.django_db(transaction=True)
def test_a_backup_restores_into_an_empty_database_with_everything_intact(
    settings, tmp_path, monkeypatch
):
    tools = require_pg_tools()

    # The demo: cases in every state, a published decision with its signed agreement.
    settings.MEDIA_ROOT = tmp_path / "media"
    monkeypatch.setenv("DEMO_PASSWORD", PASSWORD)
    call_command("load_demo", stdout=io.StringIO())
    before = snapshot()
    assert len(before["documents"]) >= 5
    assert before["versions"] and before["agreement_files"]
    assert len(before["audit_chain"]) > 20

    # The backup: the database first, then the files.
    backup = tmp_path / "backup"
    call_command("backup", str(backup), stdout=io.StringIO())
    dump, media_copy = backup / DUMP_NAME, backup / MEDIA_NAME
    assert dump.stat().st_size > 0
    # Every stored file: the agreements, and the decision forms drawn when signed and
    # when published.
    drawn = [*DrawnPdf.objects.values_list("file", flat=True)]
    assert drawn
    assert sorted(str(p.relative_to(media_copy)) for p in media_copy.rglob("*.pdf")) == sorted(
        [*before["agreement_files"], *drawn]
    )

    source = connection.settings_dict
    restored = f"{source['NAME']}_restored"[:63]
    admin = admin_connection(source)
    try:
        admin.execute(
            sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(restored))
        )
        admin.execute(
            sql.SQL("CREATE DATABASE {} TEMPLATE template0").format(sql.Identifier(restored))
        )
        result = subprocess.run(
            [
                tools["pg_restore"],
                "--no-owner",
                "--single-transaction",
                f"--dbname={restored}",
                str(dump),
            ],
            env=pg_environment({**source, "NAME": restored}),
            capture_output=True,
            text=True,
            timeout=120,
        )
        assert result.returncode == 0, result.stderr

        # The restored service: its database and the copied files, nothing else.
        env = {
            name: value
            for name, value in os.environ.items()
            if not name.startswith(("AWS_", "DATABASE_URL", "MEDIA_ROOT", "DJANGO_"))
        }
        env.update(
            DATABASE_URL=database_url(source, restored),
            MEDIA_ROOT=str(media_copy),
            DJANGO_SETTINGS_MODULE="config.settings",
        )
        migrate = manage(env, "migrate", "--no-input")
        assert migrate.returncode == 0, migrate.stderr
        assert "No migrations to apply" in migrate.stdout

        audit_check = manage(env, "verify_audit")
        assert audit_check.returncode == 0, audit_check.stderr
        assert f"{len(before['audit_chain'])} events" in audit_check.stdout

        check = manage(env, "restore_check")
        assert check.returncode == 0, check.stderr
        assert "Restore check passed" in check.stdout

        after = python(
            env,
            "import json\n"
            "from django.db import connection\n"
            "from tests.approvals.backup import snapshot\n"
            "print(json.dumps([connection.settings_dict['NAME'], snapshot()]))\n",
        )
        assert after.returncode == 0, after.stderr
        database, restored_state = json.loads(after.stdout)
        assert database == restored
        expected = json.loads(json.dumps(before))
        for part in expected:
            assert restored_state[part] == expected[part], f"{part} differs after the restore"

        # pg_restore recreated the trigger: the restored audit trail is still append-only.
        with psycopg.connect(database_url(source, restored), autocommit=True) as restored_db:
            with pytest.raises(errors.InsufficientPrivilege):
                restored_db.execute("UPDATE approvals_auditevent SET actor_name = 'someone else'")
            with pytest.raises(errors.InsufficientPrivilege):
                restored_db.execute("DELETE FROM approvals_auditevent")

        # The restored service carries on: new rows take new ids, new events extend the chain.
        carry_on = python(
            env,
            "import datetime\n"
            "from django.contrib.auth.models import User\n"
            "from approvals import services\n"
            "from approvals.audit import verify_chain\n"
            "services.record_meeting(by=User.objects.get(username='iam'),\n"
            "    date=datetime.date(2027, 1, 14), time=datetime.time(10, 0),\n"
            "    place='City Hall', invitees='IAM members')\n"
            "print(verify_chain())\n",
        )
        assert carry_on.returncode == 0, carry_on.stderr
        assert f"intact=True, events={len(before['audit_chain']) + 1}" in carry_on.stdout
        assert AuditEvent.objects.count() == len(before["audit_chain"])  # the original's

        # A damaged file in the copy is found and named.
        name = next(iter(before["agreement_files"]))
        damaged = media_copy / name
        content = bytearray(damaged.read_bytes())
        content[len(content) // 2] ^= 0xFF
        damaged.write_bytes(bytes(content))
        check = manage(env, "restore_check")
        assert check.returncode == 1
        assert name in check.stderr
        assert "Restore check failed: 1 problem(s)." in check.stderr
    finally:
        admin.execute(
            sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(restored))
        )
        admin.close()


@pytest.mark.skipif(connection.vendor == "postgresql", reason="this is the SQLite refusal")
@pytest.mark.django_db
def test_backup_refuses_sqlite_and_writes_nothing(tmp_path):
    with pytest.raises(CommandError, match="backup needs PostgreSQL"):
        call_command("backup", str(tmp_path / "backup"))
    assert not (tmp_path / "backup").exists()


@pytest.mark.django_db
def test_restore_check_names_each_missing_or_altered_record(people, settings, tmp_path):
    """On either database: a clean service passes; a changed file, a missing file and a
    changed version document are each named, and the check exits 1."""
    settings.MEDIA_ROOT = tmp_path / "media"
    case = make_case(people.manager, title="Backed-up grant")
    letter = upload_letter(case.offers.get(), SimpleUploadedFile("o.pdf", PDF), by=people.manager)
    to_ready(case, people)
    decision = approve(case, people)
    first = upload_agreement(decision, SimpleUploadedFile("a.pdf", PDF), by=people.manager)
    second = upload_agreement(decision, SimpleUploadedFile("b.pdf", PDF), by=people.manager)
    publication.publish_now(decision.publication, by=people.publisher)

    out = io.StringIO()
    call_command("restore_check", stdout=out)
    assert (
        "Restore check passed: 2 grant agreement files, 1 offer letter files, 1 case versions"
        in out.getvalue()
    )

    (tmp_path / "media" / first.file.name).write_bytes(PDF + b"%")
    (tmp_path / "media" / second.file.name).unlink()
    (tmp_path / "media" / letter.file.name).unlink()
    CaseVersion.objects.filter(case=case).update(document={"schema": "tampered"})
    err = io.StringIO()
    with pytest.raises(SystemExit) as exit_:
        call_command("restore_check", stdout=io.StringIO(), stderr=err)
    assert exit_.value.code == 1
    problems = err.getvalue()
    assert f"({first.file.name}) for {decision.reference}: the file's SHA-256 is" in problems
    assert f"({second.file.name}) for {decision.reference}: the file is missing." in problems
    assert f"Offer letter {letter.pk} ({letter.file.name}) for offer" in problems
    assert f"Case {case.pk} version 1" in problems
    assert "Restore check failed: 5 problem(s)." in problems
