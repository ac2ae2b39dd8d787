"""The approvals app's models, a module a concern: the workflow, the audit trail,
publication and the staff-only questions on a case."""

from approvals.models.accounts import AttemptLock, RecoveryCode, RecoveryCodeDevice
from approvals.models.audit import AuditAction, AuditAnchor, AuditChainHead, AuditEvent
from approvals.models.base import ImmutableModel, ImmutableRecordError
from approvals.models.publication import (
    FilterOption,
    GrantAgreement,
    Publication,
    PublishedPart1,
    PublishedRevision,
    RegisterCount,
    RegisterEntry,
    agreement_path,
)
from approvals.models.questions import Answer, Question, QuestionKind, Resolution
from approvals.models.workflow import (
    AgendaItem,
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
    SignOff,
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
    "CaseVersion",
    "ClearanceArea",
    "Decision",
    "DecisionOutcome",
    "FilterOption",
    "GrantAgreement",
    "IamMeeting",
    "IamOutcome",
    "ImmutableModel",
    "ImmutableRecordError",
    "Publication",
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
    "Resolution",
    "SignOff",
    "StandingAuthorityAcceptance",
    "agreement_path",
]
