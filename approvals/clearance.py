"""Clearance as people read it: for each adviser's area of one version, whether it is
signed off and, if so, by whom, when and with what advice.

Shown by templates/includes/clearance_panel.html on the clearance page and on
the DMPC's decision page, so both say the same thing in the same words.
"""

import datetime
from dataclasses import dataclass

from approvals.models import CaseVersion, ClearanceArea, SignOff


@dataclass(frozen=True)
class AreaClearance:
    area: ClearanceArea
    signed_by: str = ""
    signed_at: datetime.datetime | None = None
    advice: str = ""
    outcome: str = ""  # the adviser's outcome, as its label ("Cleared with advice")

    @property
    def label(self) -> str:
        return self.area.label

    @property
    def slug(self) -> str:
        return self.area.value

    @property
    def signed(self) -> bool:
        return self.signed_at is not None

    @property
    def status(self) -> str:
        return "Signed off" if self.signed else "Outstanding"


def clearance_status(version: CaseVersion | None) -> list[AreaClearance]:
    """Every area, in the order the areas are declared; a case not yet submitted (no
    version) has every area outstanding."""
    sign_offs = {}
    if version is not None:
        sign_offs = {
            sign_off.area: sign_off
            for sign_off in SignOff.objects.filter(version=version).select_related("signed_by")
        }
    statuses = []
    for area in ClearanceArea:
        sign_off = sign_offs.get(area.value)
        if sign_off is None:
            statuses.append(AreaClearance(area))
        else:
            adviser = sign_off.signed_by
            statuses.append(
                AreaClearance(
                    area,
                    signed_by=adviser.get_full_name() or adviser.username,
                    signed_at=sign_off.signed_at,
                    advice=sign_off.advice,
                    outcome=sign_off.get_outcome_display(),
                )
            )
    return statuses
