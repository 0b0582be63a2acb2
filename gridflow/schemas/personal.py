"""Revealing the personal data of a case's parties, with a reason (audited)."""

from __future__ import annotations

from pydantic import Field

from gridflow.errors import N_
from gridflow.schemas.cases import PartyView
from gridflow.schemas.common import Input, Output, text


class RevealInput(Input):
    reason: text(500, r"\S.*\S.*\S", N_("must say why, in at least 3 characters")) = Field(
        description="why the personal data is needed (kept in the audit log)", examples=["核实当事人身份以便回访"]
    )


class RevealedParties(Output):
    case_id: int
    number: str
    parties: list[PartyView]
