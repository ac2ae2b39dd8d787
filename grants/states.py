"""A grant case's states. The workflow (approvals.workflow) says how a case moves between
them; the case and the audit trail both record them."""

from django.db import models


class CaseState(models.TextChoices):
    DRAFT = "draft", "Draft"
    IAM_REVIEW = "iam_review", "IAM review"
    DMPC_REVIEW = "dmpc_review", "DMPC review"
    APPROVED = "approved", "Approved"
    REJECTED = "rejected", "Rejected"
    PUBLISHED = "published", "Published"
    WITHDRAWN = "withdrawn", "Withdrawn"

    @property
    def phrase(self) -> str:
        """The state in a sentence: "This case is {phrase}"."""
        return {
            "draft": "in draft",
            "iam_review": "at IAM review",
            "dmpc_review": "at DMPC review",
        }.get(self.value, self.label.lower())
