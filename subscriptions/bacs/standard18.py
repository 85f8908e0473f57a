"""Bacs Standard 18: the fixed-width file the bureau submits to Bacs.

A Standard 18 file is what carries the union's Direct Debits into Bacs: one line
per collection (or per AUDDIS instruction), wrapped in labels.  The layout below
is the Bacstel-IP single-processing-day ("DAILY") layout.  Sources, field by
field: the VOL1 columns from the bank guides reproduced by FinDock (Bacs Direct
Debit collection and DDI files) and MYOB's "BACS HSBC" plug-in documentation;
the other labels, the data and contra records from the field-by-field tests of
Odoo's UK Bacs module (which check every column of VOL1, HDR1, HDR2, UHL1,
data, contra, EOF1, EOF2 and UTL1) and an HSBC Standard 18 writer.  Where those
two differ the portal follows the HSBC writer and says so below (UHL1 11-20
and 38-40, HDR2 51-52).  Columns are 1-based and inclusive, as the guides print them.

File structure (in order)::

    VOL1  volume header label                         80 characters
    HDR1  first file header label                     80
    HDR2  second file header label                    80
    UHL1  user header label (the processing day)      80
    data records, then the contra record(s)          100
    EOF1  end-of-file label (as HDR1)                 80
    EOF2  end-of-file label (as HDR2)                 80
    UTL1  user trailer label (totals and counts)      80

Note the labels are 80 characters and the data records 100: that is how Bacs
defines them (the labels come from the old tape-label standard).  The
multi-processing-day variant ("4 MULTI" in UHL1, with each record's own
processing day in columns 101-106, so 106 characters) is neither written nor
read here: the portal submits one processing day per file.

VOL1::

    1-3 "VOL"   4 "1"   5-10 serial number (6 digits; the submission serial)
    11 accessibility (space)   12-31 reserved (spaces)   32-37 reserved (spaces)
    38-41 spaces   42-47 owner: the service user number (SUN)   48-51 spaces
    52-79 reserved (spaces)   80 label standard level "1"

HDR1 (EOF1 is the same with "EOF" in 1-3)::

    1-3 "HDR"   4 "1"
    5-21 file identifier: "A", SUN (6-11), "S", two spaces, "1", SUN (16-21)
    22-27 file set identifier: the VOL1 serial number
    28-31 file section number "0001"   32-35 file sequence number "0001"
    36-41 generation / version (spaces)
    42-47 creation date " YYDDD"   48-53 expiration date " YYDDD"
    54-80 spaces (accessibility, block count, system code, reserved)

Dates in labels are Julian: a space, two-digit year, three-digit day of year
(1 February 2027 is " 27032").

HDR2 (EOF2 is the same with "EOF")::

    1-3 "HDR"   4 "2"   5 record format "F" (fixed)   6-10 block length "02000"
    11-15 record length "00100"   16-50 spaces   51-52 buffer offset "00"
    (Odoo leaves 51-52 blank)
    53-80 spaces

UHL1::

    1-3 "UHL"   4 "1"   5-10 processing day " YYDDD" (the input day)
    11-20 receiving party identification "999999" and four spaces (Bacs; Odoo
          writes the SUN here, the HSBC writer and guide "999999")
    21-22 currency code "00" (sterling)   23-28 country code "000000"
    29-37 work code "1 DAILY  " (single processing day file)
    38-40 file number "001" (the HSBC writer; Odoo leaves it blank)
    41-80 spaces (reserved, audit print identifier)

Data record (100 characters)::

    1-6    destination sorting code       (the member's sort code)
    7-14   destination account number     (the member's account)
    15     destination type of account    "0"
    16-17  transaction code:
             01 first collection   17 regular collection   18 re-presentation
             19 final collection   0N new Direct Debit Instruction (AUDDIS)
             0C cancel instruction (AUDDIS)   0S conversion of a paper
             instruction (AUDDIS)   99 contra (credit to the union's account)
    18-23  originating sorting code       (the union's collection account)
    24-31  originating account number
    32-35  free format / Real Time Information checksum (spaces here)
    36-46  amount in pence, 11 digits zero-filled (all zeros for 0N/0C/0S)
    47-64  service user's (originator's) name, 18
    65-82  service user's reference (the mandate reference), 18
    83-100 destination account name (the member as the bank knows them), 18

Contra record: the credit that balances the debits into the union's account.
One per file, after the debits::

    1-6 / 7-14  the union's sort code and account   15 "0"   16-17 "99"
    18-23 / 24-31  the union's sort code and account again
    32-35 spaces   36-46 total of the debits in pence
    47-64 narrative (free text; the portal writes the originator's name)
    65-82 "CONTRA"
    83-100 the union's account name

AUDDIS files (0N, 0C, 0S only) have no contra: no money moves.

UTL1::

    1-3 "UTL"   4 "1"   5-17 debit value total (13 digits, pence)
    18-30 credit value total (13)   31-37 debit item count (7)
    38-44 credit item count (7)   45-80 spaces

In a collection file the debits are the collections and the credit is the
contra, so the two totals are equal.  In an AUDDIS file the instructions are
counted as debit items with value zero.

Bacs character set and the rules the writer applies
---------------------------------------------------
Names and references may only contain A–Z, 0–9, full stop, ampersand, slash,
hyphen and space.  The writer upper-cases names and transliterates them:
accents are removed ("Siân" → "SIAN"), "ß" → "SS", "Æ" → "AE", "Ø" → "O",
apostrophes are dropped ("O'Brien" → "OBRIEN"), any other character becomes a
space, runs of spaces collapse, and the result is cut to 18 characters.  So
"Siân O'Brien-Jones" is written "SIAN OBRIEN-JONES".

A reference is the member's mandate reference and is checked, not rewritten
(beyond upper-casing): 6 to 18 characters of the Bacs set, at least six of them
letters or digits, starting with a letter or digit, not all the same character
("AAAAAA", "000000"), and not starting with "DDIC" (reserved by the banks).
Collection amounts are whole pence above zero and below 100,000,000,000;
AUDDIS instructions carry 0.  Anything else raises ``Standard18Error``.
"""

from __future__ import annotations

import datetime as dt
import unicodedata
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field

__all__ = [
    "AUDDIS_CODES",
    "COLLECTION_CODES",
    "CONTRA_CODE",
    "DataRecord",
    "Originator",
    "ParsedFile",
    "Record",
    "Standard18Error",
    "parse",
    "sanitise_name",
    "validate_reference",
    "write",
    "write_auddis",
    "write_collections",
    "write_iter",
]

COLLECTION_CODES = frozenset({"01", "17", "18", "19"})
AUDDIS_CODES = frozenset({"0N", "0C", "0S"})
CONTRA_CODE = "99"
TRANSACTION_CODES = {
    "01": "first collection",
    "17": "regular collection",
    "18": "re-presentation",
    "19": "final collection",
    "0N": "new Direct Debit Instruction",
    "0C": "cancel Direct Debit Instruction",
    "0S": "conversion of a paper instruction",
    "99": "contra (credit to the service user)",
}
MAX_AMOUNT = 99_999_999_999  # 11 digits of pence
BACS_CHARACTERS = frozenset("ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789.&/- ")

LABEL_LENGTH = 80
RECORD_LENGTH = 100

# str.translate table deleting every allowed character: text is clean if nothing is left.
_DELETE_ALLOWED = {ord(c): None for c in BACS_CHARACTERS}
_SPECIAL = {
    "ß": "SS",
    "Æ": "AE",
    "æ": "AE",
    "Œ": "OE",
    "œ": "OE",
    "Ø": "O",
    "ø": "O",
    "Ł": "L",
    "ł": "L",
    "Đ": "D",
    "đ": "D",
    "Þ": "TH",
    "þ": "TH",
    "Ð": "D",
    "ð": "D",
}
_DROP = frozenset("'’‘`´")


class Standard18Error(ValueError):
    """Invalid data for, or in, a Standard 18 file; ``line`` is 1-based when known.

    Messages never contain a sort code or account number (they end up in logs, and
    bank details are as confidential as case text); references and amounts they may.
    """

    def __init__(self, message: str, line: int | None = None):
        self.message = message
        self.line = line
        super().__init__(f"line {line}: {message}" if line is not None else message)


@dataclass(frozen=True, slots=True)
class Originator:
    """The union as the Bacs service user: its SUN and its collection account."""

    service_user_number: str
    name: str
    sort_code: str
    account_number: str
    account_name: str


@dataclass(frozen=True, slots=True)
class Record:
    """One collection or AUDDIS instruction for one member's mandate."""

    dest_sort_code: str
    dest_account: str = field(repr=False)
    transaction_code: str
    amount_pence: int
    reference: str
    dest_name: str


@dataclass(slots=True)
class DataRecord:
    """A data or contra record as read back from a file, every field of it."""

    dest_sort_code: str
    dest_account: str = field(repr=False)
    account_type: str
    transaction_code: str
    orig_sort_code: str
    orig_account: str = field(repr=False)
    free_format: str
    amount_pence: int
    originator_name: str
    reference: str
    dest_name: str
    line: int = field(compare=False)

    def to_record(self) -> Record:
        return Record(
            self.dest_sort_code,
            self.dest_account,
            self.transaction_code,
            self.amount_pence,
            self.reference,
            self.dest_name,
        )


@dataclass(frozen=True, slots=True)
class ParsedFile:
    serial: str
    service_user_number: str
    created_on: dt.date
    expires_on: dt.date
    processing_date: dt.date
    work_code: str
    file_number: str
    records: list[DataRecord]
    contras: list[DataRecord]
    debit_total: int
    credit_total: int
    debit_count: int
    credit_count: int


# --------------------------------------------------------------------- helpers


def _slow_sanitise(text: str) -> str:
    out = []
    for ch in text:
        if ch in _DROP:
            continue
        if ch in _SPECIAL:
            out.append(_SPECIAL[ch])
            continue
        for c in unicodedata.normalize("NFKD", ch):
            if unicodedata.combining(c):
                continue
            c = c.upper()
            out.append(c if c in BACS_CHARACTERS else " ")
    return " ".join("".join(out).split())


def sanitise_name(text: str) -> str:
    """Upper-case and restrict a name to the Bacs character set, 18 characters."""
    if text.__class__ is not str:
        raise Standard18Error("A name must be text.")
    upper = text.upper()
    # Fast path: plain letters, digits and single spaces (nearly every name).
    if upper.isascii() and upper.replace(" ", "").isalnum() and "  " not in upper:
        return upper[:18].strip()
    if upper.isascii() and not upper.translate(_DELETE_ALLOWED) and "  " not in upper:
        return upper.strip()[:18].rstrip()
    return _slow_sanitise(text)[:18].rstrip()


def validate_reference(reference: str) -> str:
    """Return the upper-cased reference or raise ``Standard18Error`` (rules above)."""
    if not isinstance(reference, str):
        raise Standard18Error("A reference must be text.")
    ref = reference.upper()
    if not 6 <= len(ref) <= 18:
        raise Standard18Error(f"Reference {reference!r} must be 6 to 18 characters.")
    if not ref.isascii() or ref.translate(_DELETE_ALLOWED):
        raise Standard18Error(
            f"Reference {reference!r} may only contain A-Z, 0-9, . & / - and space."
        )
    if not ref[0].isalnum():
        raise Standard18Error(f"Reference {reference!r} must start with a letter or digit.")
    if ref.count(ref[0]) == len(ref):
        raise Standard18Error(f"Reference {reference!r} cannot be all the same character.")
    if sum(c.isalnum() for c in ref) < 6:
        raise Standard18Error(f"Reference {reference!r} needs at least six letters or digits.")
    if ref.startswith("DDIC"):
        raise Standard18Error(f"Reference {reference!r} cannot start with DDIC.")
    return ref


def _digits(value, length: int, what: str) -> str:
    if (
        not isinstance(value, str)
        or len(value) != length
        or not value.isascii()
        or not value.isdigit()
    ):
        raise Standard18Error(f"{what} must be {length} digits.")
    return value


def _julian(d: dt.date) -> str:
    return d.strftime(" %y%j")


def _serial(file_serial) -> str:
    if isinstance(file_serial, bool):
        raise Standard18Error("The file serial number must be 0-999999.")
    if isinstance(file_serial, int):
        if not 0 <= file_serial <= 999_999:
            raise Standard18Error("The file serial number must be 0-999999.")
        return f"{file_serial:06d}"
    if (
        isinstance(file_serial, str)
        and len(file_serial) == 6
        and file_serial.isalnum()
        and file_serial.isascii()
    ):
        return file_serial.upper()
    raise Standard18Error("The file serial number must be six letters or digits.")


def _check_originator(o: Originator) -> tuple[str, str, str, str, str]:
    sun = _digits(o.service_user_number, 6, "The service user number")
    sc = _digits(o.sort_code, 6, "The originator's sort code")
    acc = _digits(o.account_number, 8, "The originator's account number")
    name = sanitise_name(o.name)
    account_name = sanitise_name(o.account_name)
    if not name or not account_name:
        raise Standard18Error("The originator's name and account name are required.")
    return sun, sc, acc, name, account_name


# ---------------------------------------------------------------------- writer


def _labels(sun: str, serial: str, created_on: dt.date, processing_date: dt.date):
    created = _julian(created_on)
    expires = _julian(processing_date)
    ident = f"A{sun}S  1{sun}{serial}00010001      {created}{expires}"
    hdr2 = "F0200000100" + " " * 35 + "00" + " " * 28
    head = [
        f"VOL1{serial} {' ' * 26}    {sun}    {' ' * 28}1",
        f"HDR1{ident:<76}",
        f"HDR2{hdr2}",
        f"UHL1{_julian(processing_date)}999999    00000000" + "1 DAILY  001" + " " * 40,
    ]
    tail = [f"EOF1{ident:<76}", f"EOF2{hdr2}"]
    return head, tail


def write_iter(
    originator: Originator,
    records: Iterable[Record],
    *,
    processing_date: dt.date,
    file_serial: int | str,
    created_on: dt.date,
    allowed_codes: frozenset[str] | None = None,
) -> Iterator[str]:
    """Yield the file as pieces of text, each a run of whole lines ending "\\n".

    Records stream: they are read as they come and written out in pieces of
    a few thousand lines, so a generator of 500,000 collections never sits in
    memory at once.  Errors name the record by its position (1-based) in
    ``records``.  ``allowed_codes`` limits the transaction codes (the
    collection and AUDDIS writers use it).
    """
    sun, osc, oacc, oname, oaccname = _check_originator(originator)
    serial = _serial(file_serial)
    if not isinstance(processing_date, dt.date) or not isinstance(created_on, dt.date):
        raise Standard18Error("processing_date and created_on must be dates.")
    head, tail = _labels(sun, serial, created_on, processing_date)
    yield "\n".join(head) + "\n"

    debit_total = 0
    debits = 0
    instructions = 0
    allowed = allowed_codes or (COLLECTION_CODES | AUDDIS_CODES)
    collection_codes = COLLECTION_CODES & allowed
    auddis_codes = AUDDIS_CODES & allowed
    chunk: list[str] = []
    append = chunk.append
    name_of = sanitise_name
    originator_part = f"{osc}{oacc}    "
    originator_name = f"{oname:<18}"
    n = 0
    for n, r in enumerate(records, 1):
        try:
            code = r.transaction_code
            amount = r.amount_pence
            if code in collection_codes:
                if amount.__class__ is not int or not 0 < amount <= MAX_AMOUNT:
                    raise Standard18Error(
                        f"A collection is a whole number of pence above zero, not {amount!r}."
                    )
                debits += 1
                debit_total += amount
            elif code in auddis_codes:
                if amount != 0 or amount.__class__ is not int:
                    raise Standard18Error(f"An AUDDIS instruction ({code}) carries amount 0.")
                instructions += 1
            elif code in COLLECTION_CODES or code in AUDDIS_CODES:
                raise Standard18Error(f"Transaction code {code} does not belong in this file.")
            else:
                raise Standard18Error(f"Transaction code {code!r} is not one the portal sends.")
            sc = r.dest_sort_code
            acc = r.dest_account
            both = sc + acc
            if len(sc) != 6 or len(acc) != 8 or not both.isdigit() or not both.isascii():
                raise Standard18Error(
                    "The member's sort code and account number must be 6 and 8 digits."
                )
            # The name and reference checks, inlined for their common case
            # (sanitise_name / validate_reference give the same answers).
            name = r.dest_name
            upper = name.upper()
            if upper.isascii() and upper.replace(" ", "").isalnum() and "  " not in upper:
                dest_name = upper[:18].strip()
            else:
                dest_name = name_of(name)
            if not dest_name:
                raise Standard18Error("The member's account name is empty.")
            reference = r.reference.upper()
            if not (
                6 <= len(reference) <= 18
                and reference.isalnum()
                and reference.isascii()
                and reference != reference[0] * len(reference)
                and reference[:4] != "DDIC"
            ):
                reference = validate_reference(r.reference)
        except Standard18Error as exc:
            raise Standard18Error(f"record {n}: {exc.message}") from None
        except (AttributeError, TypeError) as exc:
            raise Standard18Error(f"record {n}: not a valid Record ({exc}).") from None
        append(
            f"{sc}{acc}0{code}{originator_part}{amount:011d}"
            f"{originator_name}{reference:<18}{dest_name:<18}\n"
        )
        if not n & 4095:
            yield "".join(chunk)
            chunk.clear()
    if chunk:
        yield "".join(chunk)
        chunk.clear()

    credits = 0
    credit_total = 0
    if debits:
        if debit_total > MAX_AMOUNT:
            raise Standard18Error("The file's total is more than an 11-digit contra can carry.")
        credits = 1
        credit_total = debit_total
        yield (
            f"{osc}{oacc}0{CONTRA_CODE}{originator_part}{debit_total:011d}"
            f"{originator_name}{'CONTRA':<18}{oaccname:<18}\n"
        )
    elif not instructions:
        raise Standard18Error("A file needs at least one record.")
    yield "\n".join(tail) + "\n"
    yield (
        f"UTL1{debit_total:013d}{credit_total:013d}{debits + instructions:07d}{credits:07d}"
        + " " * 36
        + "\n"
    )


def write(
    originator: Originator,
    records: Iterable[Record],
    *,
    processing_date: dt.date,
    file_serial: int | str,
    created_on: dt.date,
) -> str:
    """The whole file as text: lines joined by "\\n", ending with "\\n"."""
    return "".join(
        write_iter(
            originator,
            records,
            processing_date=processing_date,
            file_serial=file_serial,
            created_on=created_on,
        )
    )


def write_collections(
    originator: Originator,
    collections: Iterable[Record],
    *,
    processing_date: dt.date,
    file_serial: int | str,
    created_on: dt.date,
) -> str:
    """A collection file: codes 01, 17, 18, 19 only, with its contra."""
    return "".join(
        write_iter(
            originator,
            collections,
            processing_date=processing_date,
            file_serial=file_serial,
            created_on=created_on,
            allowed_codes=COLLECTION_CODES,
        )
    )


def write_auddis(
    originator: Originator,
    instructions: Iterable[Record],
    *,
    processing_date: dt.date,
    file_serial: int | str,
    created_on: dt.date,
) -> str:
    """An AUDDIS file: codes 0N, 0C, 0S only, amounts 0, no contra."""
    return "".join(
        write_iter(
            originator,
            instructions,
            processing_date=processing_date,
            file_serial=file_serial,
            created_on=created_on,
            allowed_codes=AUDDIS_CODES,
        )
    )


# ---------------------------------------------------------------------- parser


def _parse_julian(text: str, line: int, what: str) -> dt.date:
    if len(text) != 6 or text[0] != " " or not text[1:].isdigit():
        raise Standard18Error(f"{what} must be a Julian date ' YYDDD', not {text!r}.", line)
    try:
        return dt.datetime.strptime(text[1:], "%y%j").date()  # noqa: DTZ007 - a date, no time
    except ValueError:
        raise Standard18Error(f"{what} {text!r} is not a real date.", line) from None


def _label(lines: list[str], index: int, prefix: str) -> str:
    if index >= len(lines):
        raise Standard18Error(f"The file ends before its {prefix} label.", index + 1)
    text = lines[index]
    if not text.startswith(prefix):
        raise Standard18Error(f"Expected the {prefix} label, found {text[:4]!r}.", index + 1)
    if len(text) != LABEL_LENGTH:
        raise Standard18Error(
            f"The {prefix} label is {len(text)} characters; labels are {LABEL_LENGTH}.", index + 1
        )
    return text


def _number(text: str, line: int, what: str) -> int:
    if not text.isascii() or not text.isdigit():
        raise Standard18Error(f"{what} must be digits, not {text!r}.", line)
    return int(text)


def parse(text: str) -> ParsedFile:
    """Read a Standard 18 file back, checking lengths, codes, the contra and the trailer."""
    if not isinstance(text, str):
        raise Standard18Error("A Standard 18 file is text.")
    lines = text.split("\n")
    if lines and lines[-1] == "":
        lines.pop()
    lines = [ln[:-1] if ln.endswith("\r") else ln for ln in lines]

    vol = _label(lines, 0, "VOL1")
    hdr1 = _label(lines, 1, "HDR1")
    _label(lines, 2, "HDR2")
    uhl = _label(lines, 3, "UHL1")
    serial = vol[4:10]
    sun = vol[41:47]
    if not sun.isdigit():
        raise Standard18Error(f"The service user number {sun!r} is not six digits.", 1)
    if hdr1[4:21] != f"A{sun}S  1{sun}" or hdr1[21:27] != serial:
        raise Standard18Error("HDR1 does not name the same service user and serial as VOL1.", 2)
    created_on = _parse_julian(hdr1[41:47], 2, "The creation date")
    expires_on = _parse_julian(hdr1[47:53], 2, "The expiration date")
    processing_date = _parse_julian(uhl[4:10], 4, "The processing date")
    work_code = uhl[28:37].rstrip()
    file_number = uhl[37:40]

    records: list[DataRecord] = []
    contras: list[DataRecord] = []
    debit_total = credit_total = 0
    debit_count = credit_count = 0
    running = 0  # debits since the last contra
    i = 4
    while i < len(lines) and not lines[i].startswith("EOF1"):
        ln = lines[i]
        n = i + 1
        if len(ln) != RECORD_LENGTH:
            raise Standard18Error(
                f"A data record is {RECORD_LENGTH} characters; this one is {len(ln)}.", n
            )
        code = ln[15:17]
        if code not in TRANSACTION_CODES:
            raise Standard18Error(f"Unknown transaction code {code!r}.", n)
        sc, acc, osc, oacc = ln[0:6], ln[6:14], ln[17:23], ln[23:31]
        numbers = sc + acc + osc + oacc
        if not numbers.isdigit() or not numbers.isascii():
            raise Standard18Error("Sort codes and account numbers must be digits.", n)
        amount = _number(ln[35:46], n, "The amount")
        rec = DataRecord(
            sc,
            acc,
            ln[14],
            code,
            osc,
            oacc,
            ln[31:35].rstrip(),
            amount,
            ln[46:64].rstrip(),
            ln[64:82].rstrip(),
            ln[82:100].rstrip(),
            n,
        )
        if code == CONTRA_CODE:
            if amount != running:
                raise Standard18Error(
                    f"The contra is {amount} pence but the debits before it total {running}.", n
                )
            contras.append(rec)
            credit_total += amount
            credit_count += 1
            running = 0
        else:
            if code in AUDDIS_CODES and amount:
                raise Standard18Error(f"An AUDDIS instruction ({code}) must carry amount 0.", n)
            if code in COLLECTION_CODES and not amount:
                raise Standard18Error("A collection of 0 pence.", n)
            records.append(rec)
            debit_total += amount
            debit_count += 1
            running += amount
        i += 1
    if running:
        raise Standard18Error("Collections after the last contra are not balanced.", i + 1)

    eof1 = _label(lines, i, "EOF1")
    if eof1[4:] != hdr1[4:]:
        raise Standard18Error("EOF1 does not match HDR1.", i + 1)
    _label(lines, i + 1, "EOF2")
    utl = _label(lines, i + 2, "UTL1")
    n = i + 3
    t_debit = _number(utl[4:17], n, "The debit total")
    t_credit = _number(utl[17:30], n, "The credit total")
    t_debits = _number(utl[30:37], n, "The debit count")
    t_credits = _number(utl[37:44], n, "The credit count")
    if (t_debit, t_credit) != (debit_total, credit_total):
        raise Standard18Error(
            f"UTL1 totals {t_debit}/{t_credit} pence do not match the records "
            f"({debit_total}/{credit_total}).",
            n,
        )
    if (t_debits, t_credits) != (debit_count, credit_count):
        raise Standard18Error(
            f"UTL1 counts {t_debits}/{t_credits} do not match the records "
            f"({debit_count}/{credit_count}).",
            n,
        )
    if len(lines) > n:
        raise Standard18Error("Lines after UTL1.", n + 1)
    return ParsedFile(
        serial=serial,
        service_user_number=sun,
        created_on=created_on,
        expires_on=expires_on,
        processing_date=processing_date,
        work_code=work_code,
        file_number=file_number,
        records=records,
        contras=contras,
        debit_total=debit_total,
        credit_total=credit_total,
        debit_count=debit_count,
        credit_count=credit_count,
    )
