"""The staff-only thread on a case: questions and comments, their answers, and the
resolution of each question. Everything here is written once; a correction is a new
comment, and resolving a question adds a row rather than changing one. None of it is
part of the case document, so none of it is ever published."""

from django.conf import settings
from django.db import models

from approvals.models.base import ImmutableModel

# The longest question, comment or answer: a page of text, not a report.
TEXT_LIMIT = 5_000


class QuestionKind(models.TextChoices):
    QUESTION = "question", "Question"
    COMMENT = "comment", "Comment"


class QuestionQuerySet(models.QuerySet):
    def open(self):
        """Questions nobody has resolved yet (comments are never open)."""
        return self.filter(kind=QuestionKind.QUESTION, resolution__isnull=True)


class Question(ImmutableModel):
    """A question or comment on a case, about the version that was current when it was
    written (none for a draft never submitted), optionally about one section or figure
    of it, and optionally addressed to a person or to whoever holds a role."""

    case = models.ForeignKey("grants.GrantCase", on_delete=models.PROTECT, related_name="questions")
    kind = models.CharField(max_length=10, choices=QuestionKind, default=QuestionKind.QUESTION)
    author = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    text = models.TextField()
    version = models.ForeignKey(
        "approvals.CaseVersion",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="questions",
    )
    # The section or figure's key (approvals.questions.case_sections) and its name as it
    # was when the question was written: a unit may be renamed or removed later.
    section = models.CharField(max_length=60, blank=True)
    section_label = models.CharField(max_length=300, blank=True)
    addressee = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="questions_addressed",
    )
    addressee_role = models.CharField(max_length=30, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    objects = QuestionQuerySet.as_manager()

    class Meta:
        ordering = ["created_at", "pk"]
        indexes = [models.Index(fields=["case", "kind"])]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(addressee__isnull=True) | models.Q(addressee_role=""),
                name="question_one_addressee",
            ),
            models.CheckConstraint(
                condition=models.Q(kind="question")
                | models.Q(addressee__isnull=True, addressee_role=""),
                name="comment_has_no_addressee",
            ),
        ]

    def __str__(self):
        return f"{self.get_kind_display()} {self.pk} on case {self.case_id}"

    @property
    def is_question(self) -> bool:
        return self.kind == QuestionKind.QUESTION


class Answer(ImmutableModel):
    """A reply in a question's or comment's thread."""

    question = models.ForeignKey(Question, on_delete=models.PROTECT, related_name="answers")
    author = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    text = models.TextField()
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["created_at", "pk"]

    def __str__(self):
        return f"Answer {self.pk} to question {self.question_id}"


class Resolution(ImmutableModel):
    """Who resolved a question, and when. One a question: a second is refused."""

    question = models.OneToOneField(Question, on_delete=models.PROTECT, related_name="resolution")
    resolved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    resolved_at = models.DateTimeField(auto_now_add=True)

    def __str__(self):
        return f"Resolution of question {self.question_id}"
