"""Recovery codes were kept in plain text, in django_otp's StaticToken table. Each is now
kept as a keyed hash (approvals.accounts.recovery) and the plain one deleted. The devices
themselves stay, so sessions verified with a recovery code keep working and every unused
code still works once.

Authenticator keys that were made when a set-up page was shown but never confirmed are
deleted: the set-up page now keeps a pending key in the session, and no key that was
shown but not confirmed may become live. Someone half-way through setting up sees a new
key when they reload the page.

Going back cannot recover the codes from their hashes: the hashes are deleted with their
table, and people make a new set from the recovery codes page.
"""

from django.conf import settings
from django.db import migrations
from django.utils.crypto import salted_hmac

# As approvals.accounts.recovery.digest did when this migration was written.
SALT = "approvals.accounts.recovery-code"


def _digest(user_id, code):
    return salted_hmac(
        SALT, f"{user_id}:{code}", secret=settings.SECRET_KEY, algorithm="sha256"
    ).hexdigest()


def hash_codes(apps, schema_editor):
    StaticToken = apps.get_model("otp_static", "StaticToken")
    RecoveryCode = apps.get_model("approvals", "RecoveryCode")
    TOTPDevice = apps.get_model("otp_totp", "TOTPDevice")
    tokens = StaticToken.objects.select_related("device")
    RecoveryCode.objects.bulk_create(
        RecoveryCode(device_id=token.device_id, digest=_digest(token.device.user_id, token.token))
        for token in tokens.iterator()
    )
    StaticToken.objects.all().delete()
    TOTPDevice.objects.filter(confirmed=False).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("approvals", "0017_sign_in_locks_and_hashed_recovery_codes"),
        ("otp_static", "0003_add_timestamps"),
        ("otp_totp", "0003_add_timestamps"),
    ]

    operations = [migrations.RunPython(hash_codes, migrations.RunPython.noop)]
