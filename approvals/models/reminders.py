"""Which people have had their daily reminders digest."""

from django.conf import settings
from django.db import models


class ReminderDigest(models.Model):
    """One person's reminders digest for one day. The row is claimed, in the transaction
    that sends the digest, before sending: a second run, or a second server, finds it and
    skips the person; a failed send rolls the claim back so that a rerun tries again."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    day = models.DateField()
    sent_at = models.DateTimeField(auto_now_add=True)
    items = models.PositiveIntegerField(default=0)

    class Meta:
        ordering = ["-day", "user"]
        constraints = [
            models.UniqueConstraint(fields=["user", "day"], name="reminder_digest_once_a_day")
        ]

    def __str__(self):
        return f"Reminders for {self.user_id} on {self.day}"
