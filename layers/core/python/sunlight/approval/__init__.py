"""Administrative approval cases: the first supervision line (the worked example of a line).

Its public face for the other contexts: its ports and its services' Protocol, and the stored log of a
case (`load_log`); its domain modules are read directly. Its services and adapters are its own.
"""

from sunlight.approval.service.ports import ApprovalServices, CaseRow, CaseStore, CatalogStore, Protector
from sunlight.approval.service.stored import DamagedLog, load_log

__all__ = ["ApprovalServices", "CaseRow", "CaseStore", "CatalogStore", "DamagedLog", "Protector", "load_log"]
