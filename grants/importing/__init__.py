"""Importing a report written in MOPAC's IAM report template as a draft case: reading
(blocks from a Word document or pasted text), parsing (blocks to a plan) and building
(the plan to a case)."""

from grants.importing.parsing import Plan, parse_blocks
from grants.importing.reading import NotAReport, read_text, read_word

__all__ = ["NotAReport", "Plan", "plan_from_text", "plan_from_word"]


def plan_from_word(data: bytes) -> Plan:
    return parse_blocks(read_word(data))


def plan_from_text(text: str) -> Plan:
    return parse_blocks(read_text(text))
