"""What a backup must bring back, read the same way from the original database and, in a
process of its own, from the restored copy (tests/approvals/test_backup_restore.py)."""

import base64

from django.apps import apps

from approvals.models import AuditChainHead, AuditEvent, CaseVersion, GrantAgreement
from grants.document import case_document, document_json
from grants.models import GrantCase


def snapshot() -> dict:
    """Everything a restore must bring back, as JSON-ready data. Run here on the original
    and, in a process of its own, on the restored copy."""
    agreements = {}
    for agreement in GrantAgreement.objects.order_by("pk"):
        with agreement.file.open("rb") as stored:
            agreements[agreement.file.name] = base64.b64encode(stored.read()).decode()
    return {
        "documents": {
            str(case.pk): document_json(case_document(case))
            for case in GrantCase.objects.with_contents().order_by("pk")
        },
        "versions": {
            str(version.pk): [version.case_id, version.number, version.sha256, version.part1_sha256]
            for version in CaseVersion.objects.order_by("pk")
        },
        "audit_chain": list(
            AuditEvent.objects.order_by("sequence").values_list("sequence", "hash")
        ),
        "chain_head": list(AuditChainHead.objects.values_list("pk", "sequence", "hash")),
        "agreement_files": agreements,
        "rows": {model._meta.label: model._default_manager.count() for model in apps.get_models()},
    }
