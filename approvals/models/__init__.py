"""The approvals app's models, a module a concern: the workflow, the audit trail,
publication and the staff-only questions on a case."""

from approvals.models.accounts import AttemptLock, RecoveryCode, RecoveryCodeDevice
from approvals.models.audit import AuditAction, AuditAnchor, AuditChainHead, AuditEvent
from approvals.models.base import ImmutableModel, ImmutableRecordError
from approvals.models.documents import DrawnPdf, IamPack
from approvals.models.forward_plan import ForwardPlanEntry
from approvals.models.publication import (
    FilterOption,
    GrantAgreement,
    Publication,
    PublishedOffer,
    PublishedPart1,
    PublishedRevision,
    RegisterCount,
    RegisterEntry,
    agreement_path,
)
from approvals.models.questions import Answer, Question, QuestionKind, Resolution
from approvals.models.reminders import ReminderDigest
from approvals.models.workflow import (
    AgendaItem,
    CaseReturn,
    CaseVersion,
    ClearanceArea,
    Decision,
    DecisionOutcome,
    IamMeeting,
    IamOutcome,
    RecommendationDecision,
    ReferenceSequence,
    RelatedDecision,
    RelatedDecisionKind,
    ReturnedBy,
    SignOff,
    SignOffOutcome,
    StandingAuthorityAcceptance,
)

__all__ = [
    "AgendaItem",
    "Answer",
    "AttemptLock",
    "AuditAction",
    "AuditAnchor",
    "AuditChainHead",
    "AuditEvent",
    "CaseReturn",
    "CaseVersion",
    "ClearanceArea",
    "Decision",
    "DecisionOutcome",
    "DrawnPdf",
    "FilterOption",
    "ForwardPlanEntry",
    "GrantAgreement",
    "IamMeeting",
    "IamOutcome",
    "IamPack",
    "ImmutableModel",
    "ImmutableRecordError",
    "Publication",
    "PublishedOffer",
    "PublishedPart1",
    "PublishedRevision",
    "Question",
    "QuestionKind",
    "RecommendationDecision",
    "RecoveryCode",
    "RecoveryCodeDevice",
    "ReferenceSequence",
    "RegisterCount",
    "RegisterEntry",
    "RelatedDecision",
    "RelatedDecisionKind",
    "ReminderDigest",
    "Resolution",
    "ReturnedBy",
    "SignOff",
    "SignOffOutcome",
    "StandingAuthorityAcceptance",
    "agreement_path",
]
