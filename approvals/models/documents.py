"""PDFs the service drew and keeps: a signed decision form or a published revision's
form, which never change, and each IAM meeting pack as its agenda stood when drawn."""

import uuid

from django.conf import settings
from django.db import models
from django.db.models import Q


def drawn_path(instance, filename: str) -> str:
    return f"documents/{uuid.uuid4().hex}.pdf"


class DrawnFile(models.Model):
    file = models.FileField(upload_to=drawn_path, max_length=200)
    size = models.PositiveIntegerField()
    sha256 = models.CharField(max_length=64)
    drawn_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        abstract = True


class DrawnPdf(DrawnFile):
    """The decision form of a decided version (`version`), or of a published revision
    (`revision`): drawn once, then served from storage."""

    version = models.OneToOneField(
        "approvals.CaseVersion",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="signed_form",
    )
    revision = models.OneToOneField(
        "approvals.PublishedRevision",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="pdf",
    )

    class Meta:
        constraints = [
            models.CheckConstraint(
                condition=Q(version__isnull=True) ^ Q(revision__isnull=True),
                name="drawn_pdf_of_one_thing",
            )
        ]

    def __str__(self):
        return f"Decision form {self.sha256[:12]}"


class IamPack(DrawnFile):
    """An IAM meeting's pack. `contents` is the SHA-256 of everything the pack shows, so
    a pack is drawn again only when the agenda, a version, an outcome or the minutes
    change; `number` counts the packs of a meeting."""

    meeting = models.ForeignKey(
        "approvals.IamMeeting", on_delete=models.PROTECT, related_name="packs"
    )
    number = models.PositiveIntegerField()
    contents = models.CharField(max_length=64)
    drawn_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        ordering = ["meeting", "-number"]
        constraints = [
            models.UniqueConstraint(fields=["meeting", "number"], name="iam_pack_number_unique"),
            models.UniqueConstraint(
                fields=["meeting", "contents"], name="iam_pack_contents_unique"
            ),
        ]

    def __str__(self):
        return f"Pack {self.number} for {self.meeting}"
