"""Bacs Direct Debit formats for membership subscriptions, in plain Python.

* ``modulus`` — Vocalink sort code / account number checks;
* ``calendar`` — the Bacs processing calendar and collection dates;
* ``standard18`` — the Standard 18 file the bureau submits (collections, AUDDIS);
* ``reports`` — the AUDDIS, ARUDD and ADDACS reports that come back.
"""

from .calendar import (
    add_processing_days,
    earliest_collection_date,
    input_day_for,
    is_processing_day,
    next_processing_day,
)
from .modulus import ModulusResult, check, normalise_account_number, normalise_sort_code
from .reports import (
    Amendment,
    AuddisRejection,
    Report,
    ReportError,
    ReturnedDebit,
    build_addacs,
    build_arudd,
    build_auddis,
    detect_kind,
)
from .reports import parse as parse_report
from .standard18 import (
    Originator,
    ParsedFile,
    Record,
    Standard18Error,
    write,
    write_auddis,
    write_collections,
    write_iter,
)
from .standard18 import parse as parse_standard18

__all__ = [
    "Amendment",
    "AuddisRejection",
    "ModulusResult",
    "Originator",
    "ParsedFile",
    "Record",
    "Report",
    "ReportError",
    "ReturnedDebit",
    "Standard18Error",
    "add_processing_days",
    "build_addacs",
    "build_arudd",
    "build_auddis",
    "check",
    "detect_kind",
    "earliest_collection_date",
    "input_day_for",
    "is_processing_day",
    "next_processing_day",
    "normalise_account_number",
    "normalise_sort_code",
    "parse_report",
    "parse_standard18",
    "write",
    "write_auddis",
    "write_collections",
    "write_iter",
]
