"""The bureau's Bacs reports (BACS XML): AUDDIS, ARUDD and ADDACS.

After each submission Bacs sends reports back, as XML documents whose root is
``BACSDocument`` and whose content sits under ``Data``.  The membership
department acts on three of them:

**ARUDD** — Automated Return of Unpaid Direct Debits.  A collection the
member's bank did not pay::

    <BACSDocument><Data><ARUDD>
      <Header reportType="REFT1019" adviceNumber="001" currentProcessingDate="2027-02-03"/>
      <AddresseeInformation name="EDUCATION UNION"/>
      <ServiceLicenseInformation userName="EDUCATION UNION" userNumber="123456"/>
      <Advice><OriginatingAccountRecords><OriginatingAccountRecord>
        <OriginatingAccount name="EDU UNION SUBS" number="12345678" sortCode="20-00-00" type="0"/>
        <ReturnedDebitItem ref="EDU0000001" transCode="17" returnCode="0"
            returnDescription="REFER TO PAYER" originalProcessingDate="2027-02-01"
            valueOf="12.50" currency="GBP">
          <PayerAccount number="02355688" ref="EDU0000001" name="ANN SMITH"
              sortCode="30-90-70" bankName="A BANK" branchName="A BRANCH"/>
        </ReturnedDebitItem>
        <Totals numberOf="1" valueOf="12.50" currency="GBP"/>
      </OriginatingAccountRecord></OriginatingAccountRecords></Advice>
    </ARUDD></Data></BACSDocument>

**ADDACS** — Automated Direct Debit Amendment and Cancellation Service.  The
member's bank tells the union a mandate was cancelled, amended or moved
(for instance when the member switches bank)::

    <BACSDocument><Data><MessagingAdvices>
      <MessagingHeader advice-type="ADDACS" report-generation-date="2027-02-03"
          user-number="123456" user-name="EDUCATION UNION"/>
      <MessagingAdvice user-number="123456" record-type="A" effective-date="2027-02-03"
          reference="EDU0000001" payer-name="ANN SMITH" payer-sort-code="309070"
          payer-account-number="02355688" payer-new-sort-code="200000"
          payer-new-account-number="11223344" payer-new-account-name="ANN SMITH"
          reason-code="3" aosn="" due-date=""/>
    </MessagingAdvices></Data></BACSDocument>

**AUDDIS** — Automated Direct Debit Instruction Service returns.  The result of
lodging new instructions (0N), cancellations (0C) and conversions (0S): the
``MessagingAdvice`` records of type ``N``/``D`` are the instructions the banks
rejected, with a ``reason-code``; a record of type ``V`` summarises the file
(``vol-serial-number``, ``accepted-ddi``, ``rejected-ddi``) and ``R`` says the
whole file was rejected.

Sources: the element and attribute names are those read by open-source
processors of real bureau files (so-sure's Bacs service, a Django Bacs
importer, and ARUDD parsers with sample files — ``ReturnedDebitItem`` with
``ref``/``transCode``/``returnCode``/``returnDescription``/
``originalProcessingDate``/``valueOf`` and a ``PayerAccount`` child;
``MessagingAdvice`` with ``record-type``, ``reason-code``, ``reference``,
``payer-name``, ``payer-sort-code``, ``payer-account-number``,
``payer-new-sort-code``, ``payer-new-account-number``, ``effective-date``,
``due-date``).  The ``MessagingHeader`` attributes (``advice-type``,
``report-generation-date``, ``user-number``), ``payer-new-account-name`` and
``transaction-code`` on AUDDIS advices were not in any sample found: they are
read when present and are what the builders write.  Reason-code meanings come
from the Bacs Service User Guide tables as reproduced by bureaux.

Security: the XML comes from outside, so it is parsed with ``defusedxml``:
a DOCTYPE (and so any entity, the "billion laughs" and external-entity tricks)
is refused outright — Bacs reports never carry one.

Errors: malformed XML, a missing required element or attribute, a bad amount,
date or sort code raise ``ReportError(message, line=n)`` naming the line; no
partial report is ever returned.

Data minimisation: of the payer's account number in an ARUDD only the last two
digits are kept (enough to tell the member which account failed).
"""

from __future__ import annotations

import datetime as dt
import io
import re
import xml.sax  # noqa: S406 (its handler class only: defusedxml parses)  # nosec B406
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from xml.sax.saxutils import quoteattr  # noqa: S406 (escaping output only)  # nosec B406

import defusedxml
import defusedxml.sax

__all__ = [
    "ADDACS_REASONS",
    "ARUDD_REASONS",
    "AUDDIS_REASONS",
    "Amendment",
    "AuddisRejection",
    "Report",
    "ReportError",
    "ReturnedDebit",
    "action_for",
    "build_addacs",
    "build_arudd",
    "build_auddis",
    "detect_kind",
    "parse",
]

# ------------------------------------------------------------ what to do next

CANCEL_MANDATE = "cancel-mandate"
UPDATE_BANK_DETAILS = "update-bank-details"
AMENDED = "amended"
REINSTATE = "reinstate"
RE_PRESENT = "may-re-present"
DO_NOT_RE_PRESENT = "do-not-re-present"
CONTACT_MEMBER = "contact-member"
MANDATE_REJECTED = "mandate-rejected"
FIX_AND_RELODGE = "fix-and-relodge"


@dataclass(frozen=True, slots=True)
class Reason:
    meaning: str
    action: str
    note: str = ""


# ARUDD return codes (Bacs Service User Guide, "ARUDD reason codes").
ARUDD_REASONS: dict[str, Reason] = {
    "0": Reason(
        "Refer to payer",
        RE_PRESENT,
        "Usually not enough money; the collection may be re-presented (code 18).",
    ),
    "1": Reason(
        "Instruction cancelled by the payer",
        CANCEL_MANDATE,
        "The mandate is dead: do not re-present.",
    ),
    "2": Reason("Payer deceased", CANCEL_MANDATE, "Do not re-present; handle as a death."),
    "3": Reason(
        "Account transferred",
        DO_NOT_RE_PRESENT,
        "New details arrive by ADDACS; collect again from the new account.",
    ),
    "4": Reason(
        "Advance notice disputed",
        CONTACT_MEMBER,
        "The member disputes the notice: do not re-present before resolving it.",
    ),
    "5": Reason(
        "No account (or wrong account type)",
        CANCEL_MANDATE,
        "The mandate is dead: do not re-present.",
    ),
    "6": Reason(
        "No instruction",
        CANCEL_MANDATE,
        "The bank holds no mandate: do not re-present; ask for a new one.",
    ),
    "7": Reason(
        "Amount differs",
        CONTACT_MEMBER,
        "The amount is not what the member was told: correct before collecting.",
    ),
    "8": Reason(
        "Amount not yet due",
        CONTACT_MEMBER,
        "Collected before the notified date: collect again on or after it.",
    ),
    "9": Reason(
        "Presentation overdue",
        DO_NOT_RE_PRESENT,
        "Too late to collect this one; notify the member of a new date.",
    ),
    "A": Reason(
        "Service user differs", CONTACT_MEMBER, "The mandate is for another service user number."
    ),
    "B": Reason("Account closed", CANCEL_MANDATE, "The mandate is dead: do not re-present."),
}

# ADDACS reason codes.
ADDACS_REASONS: dict[str, Reason] = {
    "0": Reason(
        "Instruction cancelled – refer to payer",
        CANCEL_MANDATE,
        "The bank cancelled the mandate; ask the member for a new one.",
    ),
    "1": Reason("Instruction cancelled by the payer", CANCEL_MANDATE),
    "2": Reason("Payer deceased", CANCEL_MANDATE),
    "3": Reason(
        "Account transferred to a new bank or building society",
        UPDATE_BANK_DETAILS,
        "New details are in the advice; do not send a 0C to the old bank.",
    ),
    "B": Reason("Account closed", CANCEL_MANDATE),
    "C": Reason(
        "Account transferred to a new branch of the same bank",
        UPDATE_BANK_DETAILS,
        "New details are in the advice.",
    ),
    "D": Reason(
        "Advance notice disputed",
        CONTACT_MEMBER,
        "The member disputes the amount or date notified.",
    ),
    "E": Reason("Instruction amended", AMENDED, "The mandate continues with amended details."),
    "R": Reason(
        "Instruction re-instated",
        REINSTATE,
        "A cancelled mandate is live again (cancelled in error).",
    ),
}

# AUDDIS rejection reason codes (instructions lodged with 0N/0C/0S).
AUDDIS_REASONS: dict[str, Reason] = {
    "1": Reason("Instruction cancelled by the payer", MANDATE_REJECTED),
    "2": Reason("Payer deceased", MANDATE_REJECTED),
    "3": Reason(
        "Account transferred", UPDATE_BANK_DETAILS, "Ask the member for the new account details."
    ),
    "5": Reason("No account", MANDATE_REJECTED, "Ask the member to check the account details."),
    "6": Reason(
        "No instruction", MANDATE_REJECTED, "A 0C or 0S for a mandate the bank does not hold."
    ),
    "B": Reason("Account closed", MANDATE_REJECTED),
    "C": Reason("Account transferred to a different branch", UPDATE_BANK_DETAILS),
    "F": Reason(
        "Invalid account type",
        MANDATE_REJECTED,
        "The account cannot take Direct Debits (e.g. a savings account).",
    ),
    "G": Reason("Bank will not accept Direct Debits on this account", MANDATE_REJECTED),
    "H": Reason(
        "Instruction has expired",
        MANDATE_REJECTED,
        "No collection for 13 months: a new mandate is needed.",
    ),
    "I": Reason(
        "Payer reference is not unique",
        FIX_AND_RELODGE,
        "Give the mandate a new reference and lodge it again.",
    ),
    "K": Reason("Instruction cancelled by the paying bank", MANDATE_REJECTED),
    "L": Reason(
        "Incorrect payer's account details",
        MANDATE_REJECTED,
        "Ask the member to check the sort code and account number.",
    ),
    "M": Reason("Transaction code / user status incompatible", FIX_AND_RELODGE),
    "N": Reason("Transaction disallowed at the payer's branch", MANDATE_REJECTED),
    "O": Reason("Invalid reference", FIX_AND_RELODGE),
    "P": Reason("Payer's name not present", FIX_AND_RELODGE),
    "Q": Reason("Service user's name blank", FIX_AND_RELODGE),
}

_ARUDD_BY_DESCRIPTION = {
    "REFER TO PAYER": "0",
    "INSTRUCTION CANCELLED": "1",
    "PAYER DECEASED": "2",
    "ACCOUNT TRANSFERRED": "3",
    "ADVANCE NOTICE DISPUTED": "4",
    "NO ACCOUNT": "5",
    "NO INSTRUCTION": "6",
    "AMOUNT DIFFERS": "7",
    "AMOUNT NOT YET DUE": "8",
    "PRESENTATION OVERDUE": "9",
    "SERVICE USER DIFFERS": "A",
    "ACCOUNT CLOSED": "B",
}

_TABLES = {"arudd": ARUDD_REASONS, "addacs": ADDACS_REASONS, "auddis": AUDDIS_REASONS}


def action_for(kind: str, code: str) -> str:
    """What the portal does for a reason code; unknown codes go to a person."""
    reason = _TABLES[kind].get(code)
    return reason.action if reason else CONTACT_MEMBER


# ---------------------------------------------------------------- the results


class ReportError(ValueError):
    """A report that cannot be read; ``line`` is the 1-based line when known.

    Messages never repeat a sort code or account number from the report.
    """

    def __init__(self, message: str, line: int | None = None):
        self.message = message
        self.line = line
        super().__init__(f"line {line}: {message}" if line is not None else message)


@dataclass(frozen=True, slots=True)
class ReturnedDebit:
    reference: str
    transaction_code: str
    amount_pence: int
    return_code: str
    return_description: str
    original_processing_date: dt.date
    payer_name: str
    payer_sort_code: str
    payer_account_last2: str
    line: int = field(default=0, compare=False)

    @property
    def action(self) -> str:
        # Some bureaux send Bacs's four-digit internal codes (e.g. "1012") with the
        # standard description; the description then says which ARUDD code it is.
        if self.return_code not in ARUDD_REASONS:
            code = _ARUDD_BY_DESCRIPTION.get(self.return_description.upper())
            if code:
                return action_for("arudd", code)
        return action_for("arudd", self.return_code)


@dataclass(frozen=True, slots=True)
class Amendment:
    reference: str
    reason_code: str
    effective_date: dt.date | None
    payer_name: str
    new_sort_code: str = ""
    new_account_number: str = field(default="", repr=False)
    new_account_name: str = ""
    old_sort_code: str = ""
    old_account_number: str = field(default="", repr=False)
    line: int = field(default=0, compare=False)

    @property
    def action(self) -> str:
        return action_for("addacs", self.reason_code)


@dataclass(frozen=True, slots=True)
class AuddisRejection:
    reference: str
    reason_code: str
    transaction_code: str
    payer_name: str
    line: int = field(default=0, compare=False)

    @property
    def action(self) -> str:
        return action_for("auddis", self.reason_code)


@dataclass(frozen=True, slots=True)
class Report:
    kind: str  # "auddis" | "arudd" | "addacs"
    report_date: dt.date | None
    service_user_number: str
    items: list = field(default_factory=list)


# ------------------------------------------------------------------- parsing


class _Node:
    __slots__ = ("attrs", "children", "line", "name")

    def __init__(self, name, attrs, line):
        self.name = name
        self.attrs = attrs
        self.line = line
        self.children: list[_Node] = []

    def child(self, name: str) -> _Node | None:
        for c in self.children:
            if c.name == name:
                return c
        return None

    def need(self, name: str) -> _Node:
        c = self.child(name)
        if c is None:
            raise ReportError(f"<{self.name}> has no <{name}>.", self.line)
        return c

    def all(self, name: str) -> list[_Node]:
        return [c for c in self.children if c.name == name]

    def attr(self, name: str) -> str:
        value = self.attrs.get(name)
        if value is None:
            raise ReportError(f"<{self.name}> has no {name} attribute.", self.line)
        return value.strip()

    def opt(self, name: str) -> str:
        return (self.attrs.get(name) or "").strip()


class _Builder(xml.sax.handler.ContentHandler):
    def __init__(self):
        super().__init__()
        self.root: _Node | None = None
        self.stack: list[_Node] = []
        self.locator = None

    def setDocumentLocator(self, locator):  # noqa: N802 - SAX API
        self.locator = locator

    def line(self) -> int | None:
        return self.locator.getLineNumber() if self.locator else None

    def startElement(self, name, attrs):  # noqa: N802 - SAX API
        node = _Node(name, dict(attrs.items()), self.line() or 0)
        if self.stack:
            self.stack[-1].children.append(node)
        else:
            self.root = node
        self.stack.append(node)

    def endElement(self, name):  # noqa: N802 - SAX API
        self.stack.pop()


def _tree(data: bytes) -> _Node:
    if isinstance(data, str):
        data = data.encode("utf-8")
    if not isinstance(data, bytes | bytearray):
        raise ReportError("A report is bytes.")
    handler = _Builder()
    parser = defusedxml.sax.make_parser()
    parser.setFeature(xml.sax.handler.feature_namespaces, False)
    parser.setFeature(xml.sax.handler.feature_external_ges, False)
    parser.setFeature(xml.sax.handler.feature_external_pes, False)
    parser.forbid_dtd = True
    parser.forbid_entities = True
    parser.forbid_external = True
    parser.setContentHandler(handler)
    try:
        parser.parse(io.BytesIO(bytes(data)))
    except xml.sax.SAXParseException as exc:
        raise ReportError(f"Not well-formed XML: {exc.getMessage()}", exc.getLineNumber()) from None
    except defusedxml.DTDForbidden:
        raise ReportError(
            "The report has a DOCTYPE; Bacs reports have none, and entities are refused.",
            handler.line(),
        ) from None
    except (defusedxml.EntitiesForbidden, defusedxml.ExternalReferenceForbidden):
        raise ReportError("Entities are not allowed in a report.", handler.line()) from None
    except (LookupError, UnicodeError) as exc:  # encoding="…" names no encoding, or lies
        raise ReportError(f"The report's text encoding cannot be read ({exc}).", 1) from None
    if handler.root is None:
        raise ReportError("The report is empty.", 1)
    return handler.root


def _data(root: _Node) -> _Node:
    if root.name != "BACSDocument":
        raise ReportError(f"The root element is <{root.name}>, not <BACSDocument>.", root.line)
    return root.need("Data")


def _kind(root: _Node) -> str:
    data = _data(root)
    if data.child("ARUDD") is not None:
        return "arudd"
    advices = data.child("MessagingAdvices")
    if advices is None:
        raise ReportError("Neither an ARUDD nor a messaging (AUDDIS/ADDACS) report.", data.line)
    header = advices.child("MessagingHeader")
    declared = header.opt("advice-type").upper() if header is not None else ""
    if declared in ("ADDACS", "AUDDIS"):
        return declared.lower()
    types = {a.opt("record-type") for a in advices.all("MessagingAdvice")}
    if "A" in types:
        return "addacs"
    if types & {"N", "D", "V", "R"}:
        return "auddis"
    raise ReportError("Cannot tell AUDDIS from ADDACS: no advice types.", advices.line)


def detect_kind(data: bytes) -> str:
    """``"auddis"``, ``"arudd"`` or ``"addacs"`` (raises ``ReportError`` otherwise)."""
    return _kind(_tree(data))


_AMOUNT_RE = re.compile(r"[0-9]{1,11}(\.[0-9]{1,2})?")


def _pence(text: str, line: int, what: str = "valueOf") -> int:
    text = text.strip().replace(",", "")
    if not _AMOUNT_RE.fullmatch(text):
        raise ReportError(f"{what} {text!r} is not an amount in pounds and pence.", line)
    try:
        return int(Decimal(text) * 100)
    except InvalidOperation:  # pragma: no cover - the pattern rules it out
        raise ReportError(f"{what} {text!r} is not an amount.", line) from None


def _date(text: str, line: int, what: str) -> dt.date:
    try:
        if len(text) != 10:
            raise ValueError
        return dt.date.fromisoformat(text)
    except ValueError:
        raise ReportError(f"{what} {text!r} is not a date (YYYY-MM-DD).", line) from None


def _opt_date(text: str, line: int, what: str) -> dt.date | None:
    return _date(text, line, what) if text else None


def _sort_code(text: str, line: int, what: str, *, required: bool = True) -> str:
    digits = text.replace("-", "").replace(" ", "")
    if not digits and not required:
        return ""
    if len(digits) != 6 or not digits.isdigit() or not digits.isascii():
        raise ReportError(f"{what} is not a sort code.", line)
    return digits


def _account(text: str, line: int, what: str, *, required: bool = True) -> str:
    if not text and not required:
        return ""
    if len(text) != 8 or not text.isdigit() or not text.isascii():
        raise ReportError(f"{what} is not an eight-digit account number.", line)
    return text


def _sun(text: str, line: int) -> str:
    if len(text) != 6 or not text.isdigit():
        raise ReportError(f"The service user number {text!r} is not six digits.", line)
    return text


def _parse_arudd(data: _Node) -> Report:
    arudd = data.need("ARUDD")
    header = arudd.need("Header")
    report_date = _date(header.attr("currentProcessingDate"), header.line, "currentProcessingDate")
    licence = arudd.need("ServiceLicenseInformation")
    sun = _sun(licence.attr("userNumber"), licence.line)
    items: list[ReturnedDebit] = []
    records = arudd.need("Advice").need("OriginatingAccountRecords")
    for record in records.all("OriginatingAccountRecord"):
        own: list[ReturnedDebit] = []
        for item in record.all("ReturnedDebitItem"):
            ln = item.line
            payer = item.need("PayerAccount")
            number = payer.attr("number")
            last2 = number[-2:]
            if len(last2) != 2 or not last2.isdigit():
                raise ReportError("The PayerAccount number does not end in digits.", payer.line)
            currency = item.opt("currency") or "GBP"
            if currency != "GBP":
                raise ReportError(f"Currency {currency!r}: Bacs collections are in sterling.", ln)
            reference = item.attr("ref")
            if not reference:
                raise ReportError("<ReturnedDebitItem> has an empty ref.", ln)
            own.append(
                ReturnedDebit(
                    reference=reference,
                    transaction_code=item.attr("transCode"),
                    amount_pence=_pence(item.attr("valueOf"), ln),
                    return_code=item.attr("returnCode"),
                    return_description=item.opt("returnDescription"),
                    original_processing_date=_date(
                        item.attr("originalProcessingDate"), ln, "originalProcessingDate"
                    ),
                    payer_name=payer.opt("name"),
                    payer_sort_code=_sort_code(payer.attr("sortCode"), payer.line, "sortCode"),
                    payer_account_last2=last2,
                    line=ln,
                )
            )
        totals = record.child("Totals")
        if totals is not None:
            count = totals.attr("numberOf")
            if not count.isdigit() or int(count) != len(own):
                raise ReportError(
                    f"Totals say {count} items but the record has {len(own)}.", totals.line
                )
            value = _pence(totals.attr("valueOf"), totals.line)
            if value != sum(i.amount_pence for i in own):
                raise ReportError("Totals valueOf does not add up to the items.", totals.line)
        items.extend(own)
    return Report("arudd", report_date, sun, items)


def _messaging_header(advices: _Node) -> tuple[dt.date | None, str]:
    header = advices.child("MessagingHeader")
    report_date = None
    sun = ""
    if header is not None:
        text = header.opt("report-generation-date")[:10]
        report_date = _opt_date(text, header.line, "report-generation-date")
        sun = header.opt("user-number")
    if not sun:
        for advice in advices.all("MessagingAdvice"):
            sun = advice.opt("user-number")
            if sun:
                break
    line = header.line if header is not None else advices.line
    return report_date, _sun(sun, line)


def _parse_addacs(data: _Node) -> Report:
    advices = data.need("MessagingAdvices")
    report_date, sun = _messaging_header(advices)
    items: list[Amendment] = []
    for a in advices.all("MessagingAdvice"):
        ln = a.line
        record_type = a.opt("record-type")
        if record_type and record_type != "A":
            raise ReportError(f"ADDACS advice of record-type {record_type!r}.", ln)
        reference = a.attr("reference")
        if not reference:
            raise ReportError("<MessagingAdvice> has an empty reference.", ln)
        reason = a.attr("reason-code")
        new_sc = _sort_code(a.opt("payer-new-sort-code"), ln, "payer-new-sort-code", required=False)
        new_acc = _account(
            a.opt("payer-new-account-number"), ln, "payer-new-account-number", required=False
        )
        if reason in ("3", "C") and not (new_sc and new_acc):
            raise ReportError(f"ADDACS reason {reason} must carry the new bank details.", ln)
        items.append(
            Amendment(
                reference=reference,
                reason_code=reason,
                effective_date=_opt_date(a.opt("effective-date"), ln, "effective-date"),
                payer_name=a.opt("payer-name"),
                new_sort_code=new_sc,
                new_account_number=new_acc,
                new_account_name=a.opt("payer-new-account-name"),
                old_sort_code=_sort_code(
                    a.opt("payer-sort-code"), ln, "payer-sort-code", required=False
                ),
                old_account_number=_account(
                    a.opt("payer-account-number"), ln, "payer-account-number", required=False
                ),
                line=ln,
            )
        )
    return Report("addacs", report_date, sun, items)


def _parse_auddis(data: _Node) -> Report:
    advices = data.need("MessagingAdvices")
    report_date, sun = _messaging_header(advices)
    items: list[AuddisRejection] = []
    for a in advices.all("MessagingAdvice"):
        ln = a.line
        record_type = a.opt("record-type")
        if record_type in ("V", "R"):
            continue  # the file summary (accepted/rejected counts) or a whole-file rejection
        if record_type not in ("N", "D", ""):
            raise ReportError(f"AUDDIS advice of record-type {record_type!r}.", ln)
        reference = a.attr("reference")
        if not reference:
            raise ReportError("<MessagingAdvice> has an empty reference.", ln)
        items.append(
            AuddisRejection(
                reference=reference,
                reason_code=a.attr("reason-code"),
                transaction_code=a.opt("transaction-code"),
                payer_name=a.opt("payer-name"),
                line=ln,
            )
        )
    return Report("auddis", report_date, sun, items)


def parse(data: bytes) -> Report:
    """Read an AUDDIS, ARUDD or ADDACS report; see the module docstring."""
    root = _tree(data)
    kind = _kind(root)
    data_node = _data(root)
    if kind == "arudd":
        return _parse_arudd(data_node)
    if kind == "addacs":
        return _parse_addacs(data_node)
    return _parse_auddis(data_node)


# ------------------------------------------------------------------ builders


def _attrs(**values) -> str:
    return " ".join(f"{k.replace('_', '-')}={quoteattr(str(v))}" for k, v in values.items())


def _money(pence: int) -> str:
    return f"{pence // 100}.{pence % 100:02d}"


def _dashed(sort_code: str) -> str:
    return f"{sort_code[:2]}-{sort_code[2:4]}-{sort_code[4:]}" if sort_code else ""


_PROLOGUE = (
    '<?xml version="1.0" encoding="UTF-8"?>\n'
    '<BACSDocument xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" '
    'xsi:noNamespaceSchemaLocation="newbacs-advices.xsd">\n'
    "<Data>\n"
)
_EPILOGUE = (
    "</Data>\n<SignatureMethod>Vanilla</SignatureMethod>\n<Signature></Signature>\n"
    "</BACSDocument>\n"
)


def build_arudd(
    items,
    *,
    report_date: dt.date,
    service_user_number: str,
    user_name: str = "EDUCATION UNION",
    originating_sort_code: str = "200000",
    originating_account: str = "12345678",
) -> bytes:
    """An ARUDD report for ``ReturnedDebit`` items, one element per line.

    The payer's account number is written as six X's and the two digits kept.
    """
    items = list(items)
    out = [
        _PROLOGUE,
        "<ARUDD>\n",
        f'<Header reportType="REFT1019" adviceNumber="001" '
        f'currentProcessingDate="{report_date.isoformat()}"/>\n',
        f"<AddresseeInformation name={quoteattr(user_name)}/>\n",
        f"<ServiceLicenseInformation userName={quoteattr(user_name)} "
        f"userNumber={quoteattr(service_user_number)}/>\n",
        "<Advice>\n<OriginatingAccountRecords>\n<OriginatingAccountRecord>\n",
        f"<OriginatingAccount name={quoteattr(user_name)} number="
        f'"{originating_account}" sortCode="{_dashed(originating_sort_code)}" type="0"/>\n',
    ]
    for i in items:
        item_attrs = (
            f"ref={quoteattr(i.reference)} transCode={quoteattr(i.transaction_code)} "
            f"returnCode={quoteattr(i.return_code)} "
            f"returnDescription={quoteattr(i.return_description)} "
            f'originalProcessingDate="{i.original_processing_date.isoformat()}" '
            f'valueOf="{_money(i.amount_pence)}" currency="GBP"'
        )
        payer_attrs = (
            f'number="XXXXXX{i.payer_account_last2}" ref={quoteattr(i.reference)} '
            f'name={quoteattr(i.payer_name)} sortCode="{_dashed(i.payer_sort_code)}" '
            'bankName="" branchName=""'
        )
        out.append(
            f"<ReturnedDebitItem {item_attrs}>\n"
            f"<PayerAccount {payer_attrs}/>\n"
            "</ReturnedDebitItem>\n"
        )
    total = sum(i.amount_pence for i in items)
    out.append(f'<Totals numberOf="{len(items)}" valueOf="{_money(total)}" currency="GBP"/>\n')
    out.append("</OriginatingAccountRecord>\n</OriginatingAccountRecords>\n</Advice>\n</ARUDD>\n")
    out.append(_EPILOGUE)
    return "".join(out).encode("utf-8")


def _messaging(kind: str, advices: list[str], report_date: dt.date, sun: str, user_name: str):
    header = _attrs(
        advice_type=kind,
        report_generation_date=report_date.isoformat(),
        user_number=sun,
        user_name=user_name,
    )
    body = "".join(f"<MessagingAdvice {a}/>\n" for a in advices)
    doc = f"{_PROLOGUE}<MessagingAdvices>\n<MessagingHeader {header}/>\n{body}</MessagingAdvices>\n"
    return (doc + _EPILOGUE).encode("utf-8")


def build_addacs(
    items,
    *,
    report_date: dt.date,
    service_user_number: str,
    user_name: str = "EDUCATION UNION",
) -> bytes:
    """An ADDACS report for ``Amendment`` items, one advice per line."""
    advices = [
        _attrs(
            user_number=service_user_number,
            record_type="A",
            effective_date=a.effective_date.isoformat() if a.effective_date else "",
            reference=a.reference,
            payer_name=a.payer_name,
            payer_sort_code=a.old_sort_code,
            payer_account_number=a.old_account_number,
            payer_new_sort_code=a.new_sort_code,
            payer_new_account_number=a.new_account_number,
            payer_new_account_name=a.new_account_name,
            reason_code=a.reason_code,
            aosn="",
            due_date="",
        )
        for a in items
    ]
    return _messaging("ADDACS", advices, report_date, service_user_number, user_name)


def build_auddis(
    items,
    *,
    report_date: dt.date,
    service_user_number: str,
    user_name: str = "EDUCATION UNION",
    vol_serial_number: str = "000001",
) -> bytes:
    """An AUDDIS report: a file summary (record-type V) and one advice per rejection."""
    items = list(items)
    summary = _attrs(
        user_number=service_user_number,
        record_type="V",
        file_type="LIVE",
        vol_serial_number=vol_serial_number,
        originator_file_number="001",
        accepted_ddi=0,
        rejected_ddi=len(items),
    )
    advices = [summary] + [
        _attrs(
            user_number=service_user_number,
            record_type="N",
            reference=r.reference,
            payer_name=r.payer_name,
            transaction_code=r.transaction_code,
            reason_code=r.reason_code,
        )
        for r in items
    ]
    return _messaging("AUDDIS", advices, report_date, service_user_number, user_name)
