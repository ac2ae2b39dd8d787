"""The approvals app's models, a module a concern: the workflow, the audit trail and
publication."""

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
from approvals.models.workflow import (
    AgendaItem,
    CaseVersion,
    ClearanceArea,
    Decision,
    DecisionOutcome,
    IamMeeting,
    IamOutcome,
    ReferenceSequence,
    RelatedDecision,
    RelatedDecisionKind,
    SignOff,
    StandingAuthorityAcceptance,
)

__all__ = [
    "AgendaItem",
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
    "RecoveryCode",
    "RecoveryCodeDevice",
    "ReferenceSequence",
    "RegisterCount",
    "RegisterEntry",
    "RelatedDecision",
    "RelatedDecisionKind",
    "SignOff",
    "StandingAuthorityAcceptance",
    "agreement_path",
]
