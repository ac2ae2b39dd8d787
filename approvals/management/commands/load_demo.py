import os
import secrets

from django.core.management.base import BaseCommand
from django.db import transaction
from django.test.utils import override_settings

from approvals.demo import create_demo_cases, create_demo_users


class Command(BaseCommand):
    help = (
        "Load demo users and data. Safe to run again: it refreshes what it made. "
        "Passwords come from DEMO_PASSWORD, or a random one that is printed."
    )

    def handle(self, *args, **options):
        password = os.environ.get("DEMO_PASSWORD") or secrets.token_urlsafe(12)
        # The demo's workflow steps notify nobody: its users have made-up addresses.
        quiet = override_settings(EMAIL_BACKEND="django.core.mail.backends.dummy.EmailBackend")
        with quiet, transaction.atomic():
            logins = create_demo_users(password)
            cases = create_demo_cases(password)

        self.stdout.write(self.style.SUCCESS("Demo data loaded."))
        for case in cases:
            self.stdout.write(f"  Case {case.pk}: {case.title} ({case.get_state_display()})")
        self.stdout.write("")
        self.stdout.write("Demo logins (sign in at /accounts/login/):")
        width = max(len(username) for username, _ in logins)
        for username, role in logins:
            self.stdout.write(f"  {username.ljust(width)}  {role}")
        self.stdout.write(f"Password for every demo login: {password}")
