"""What signing in keeps beyond Django's and django_otp's own tables: the rows that
serialise attempts to guess a password, and recovery codes kept as keyed hashes (see
approvals.accounts.throttle and approvals.accounts.mfa)."""

from django.db import models
from django_otp.plugins.otp_static.models import StaticDevice


class AttemptLock(models.Model):
    """One row for each thing whose wrong passwords are counted: a username or an address
    signing in, a person signing a decision. An attempt locks its rows before it counts
    the failures and checks the password, and keeps them until its failure is counted,
    so attempts on one of them are checked one at a time and a limit is exact. The rows
    hold nothing else: deleting them is harmless (an attempt makes its rows again)."""

    key = models.CharField(max_length=300, primary_key=True)

    def __str__(self):
        return self.key


class RecoveryCode(models.Model):
    """An unused recovery code of a user's recovery-code device, as a keyed hash: the
    codes themselves are shown once and never stored."""

    device = models.ForeignKey(StaticDevice, on_delete=models.CASCADE, related_name="+")
    digest = models.CharField(max_length=64)

    class Meta:
        indexes = [models.Index(fields=["device", "digest"])]

    def __str__(self):
        return f"Recovery code of device {self.device_id}"


class RecoveryCodeDevice(StaticDevice):
    """A user's recovery codes, checked against their hashes (django_otp's own static
    device compares plain text, and finds none to compare since codes are hashed).

    The same row as django_otp's StaticDevice, so a session verified by either keeps
    working, and an administrator resets it by deleting the static device."""

    class Meta:
        proxy = True
        verbose_name = "recovery-code device"

    def verify_token(self, token) -> bool:
        from approvals.accounts.recovery import digests

        allowed, _ = self.verify_is_allowed()
        if not allowed:
            return False
        # Deleting is what spends a code: of two requests with one code, only one
        # deletes its row, even without the lock the caller holds.
        spent, _ = RecoveryCode.objects.filter(
            device_id=self.pk, digest__in=digests(self.user_id, str(token))
        ).delete()
        if spent:
            self.throttle_reset(commit=False)
            self.set_last_used_timestamp(commit=False)
            self.save()
        else:
            self.throttle_increment()
        return bool(spent)
