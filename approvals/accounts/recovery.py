"""Recovery codes as keyed hashes.

A code is ten characters from a 31-letter alphabet (about 49 bits), made by
secrets.choice, so a fast keyed hash is enough: without SECRET_KEY a stolen table is no
use, and with it each code still has to be guessed. The user's id is part of what is
hashed, so a hash moved to someone else's device matches nothing. Codes hashed with a key
in SECRET_KEY_FALLBACKS still match, so rotating the key does not lock anyone out.
"""

from django.conf import settings
from django.utils.crypto import salted_hmac

SALT = "approvals.accounts.recovery-code"


def digest(user_id: int, code: str, secret: str | None = None) -> str:
    return salted_hmac(SALT, f"{user_id}:{code}", secret=secret, algorithm="sha256").hexdigest()


def digests(user_id: int, code: str) -> list[str]:
    """The code's hash under the current key and under each fallback key."""
    secrets = [settings.SECRET_KEY, *getattr(settings, "SECRET_KEY_FALLBACKS", [])]
    return [digest(user_id, code, secret) for secret in secrets]
