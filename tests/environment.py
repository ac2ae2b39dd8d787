"""Running Python in a fresh interpreter with only the given configuration variables, as
the settings module would see them in production."""

import json
import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent

PRODUCTION = {
    "SECRET_KEY": "a-long-random-production-secret-key-0123456789-abcdefghijklmnop",
    "AUDIT_KEY": "a-long-random-production-audit-key-0123456789-abcdefghijklmnop",
    "ALLOWED_HOSTS": "decisions.example.org",
    "DATABASE_URL": "postgres://grants:secret@db.example.org:5432/grants",
    "SITE_URL": "https://decisions.example.org",
}


def run_python(args: list[str], env: dict[str, str]) -> subprocess.CompletedProcess:
    """Run Python in the project folder with only the given configuration variables."""
    configured = (
        "DATABASE_URL",
        "DEBUG",
        "SECRET_KEY",
        "AUDIT_KEY",
        "ALLOWED_HOSTS",
        "SITE_URL",
        "DJANGO_ALLOW_ASYNC_UNSAFE",
    )
    clean = {k: v for k, v in os.environ.items() if k not in configured}
    return subprocess.run(
        [sys.executable, *args],
        env={**clean, "DJANGO_SETTINGS_MODULE": "config.settings", **env},
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=False,
    )


def settings_in(env: dict[str, str], expression: str):
    """Evaluate an expression over django.conf.settings in a fresh interpreter."""
    code = (
        "import django, json; django.setup(); from django.conf import settings; "
        f"print(json.dumps({expression}, default=str))"
    )
    result = run_python(["-c", code], env)
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout)
