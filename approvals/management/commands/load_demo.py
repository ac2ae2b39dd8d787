import os
import secrets

from django.core.management.base import BaseCommand
from django.db import transaction

from approvals.demo import create_demo_users


class Command(BaseCommand):
    help = (
        "Load demo users and data. Safe to run again: it refreshes what it made. "
        "Passwords come from DEMO_PASSWORD, or a random one that is printed."
    )

    def handle(self, *args, **options):
        password = os.environ.get("DEMO_PASSWORD") or secrets.token_urlsafe(12)
        with transaction.atomic():
            logins = create_demo_users(password)

        self.stdout.write(self.style.SUCCESS("Demo data loaded."))
        self.stdout.write("")
        self.stdout.write("Demo logins (sign in at /accounts/login/):")
        width = max(len(username) for username, _ in logins)
        for username, role in logins:
            self.stdout.write(f"  {username.ljust(width)}  {role}")
        self.stdout.write(f"Password for every demo login: {password}")
