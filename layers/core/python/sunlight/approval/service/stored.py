"""Reading a case back from its stored log: reveal protected fields, parse, and chain-check."""

from __future__ import annotations

import hashlib
import json
from typing import Any

from sunlight.approval.domain.lifecycle import CaseLog, Delivery
from sunlight.approval.domain.records import parse_record
from sunlight.approval.service.ports import ApprovalServices, StoredRecord
from sunlight.kernel.errors import SunlightError


class DamagedLog(SunlightError):
    """A case whose stored log cannot be trusted or read: empty, truncated, unreadable, or failing an
    integrity check. Batch jobs skip and list such a case instead of failing for every department;
    the case view reports it instead of raising."""

    code = "DamagedLog"
    status = 409

    def __init__(self, case_no: str, failed: list[str], message: str) -> None:
        super().__init__(message)
        self.case_no = case_no
        self.failed = failed
        """The names of the checks that failed, e.g. "empty", "unreadable", "count", "head", "chain"."""

    def details(self) -> dict[str, Any]:
        return {"case_no": self.case_no, "failed": self.failed}


def chain_hash(prev_hash: str, content: dict[str, Any], received_at: str) -> str:
    """SHA-256 over the previous hash, the stored content in canonical JSON, and the receipt time."""
    canonical = json.dumps(content, sort_keys=True, ensure_ascii=False, separators=(",", ":"))
    return hashlib.sha256(f"{prev_hash}\n{canonical}\n{received_at}".encode()).hexdigest()


def chain_intact(stored: list[StoredRecord]) -> bool:
    """True when every stored record's hash follows from its predecessor in arrival order."""
    prev = ""
    for s in sorted(stored, key=lambda s: s.arrival):
        if s.prev_hash != prev or chain_hash(prev, s.content, s.received_at.isoformat()) != s.hash:
            return False
        prev = s.hash
    return True


def load_log(case_no: str, services: ApprovalServices, stored: list[StoredRecord] | None = None) -> CaseLog:
    """The case's log, from its stored records (read here unless the caller already has them)."""
    log = CaseLog(case_no)
    records = services.records.load(case_no) if stored is None else stored
    for s in sorted(records, key=lambda s: s.arrival):
        log.add(Delivery(parse_record(services.protector.reveal(s.content)), s.received_at))
    return log
