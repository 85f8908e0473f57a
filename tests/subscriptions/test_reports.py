"""Bacs XML reports: AUDDIS, ARUDD and ADDACS parsed, built, and refused when bad."""

import datetime as dt
from pathlib import Path

import pytest

from subscriptions.bacs.reports import (
    ADDACS_REASONS,
    ARUDD_REASONS,
    AUDDIS_REASONS,
    Amendment,
    AuddisRejection,
    ReportError,
    ReturnedDebit,
    action_for,
    build_addacs,
    build_arudd,
    build_auddis,
    detect_kind,
    parse,
)

D = dt.date
SAMPLES = Path(__file__).with_name("samples")

RETURNS = [
    ReturnedDebit(
        "EDU0000001", "17", 1250, "0", "REFER TO PAYER", D(2027, 2, 1), "ANN SMITH", "309070", "88"
    ),
    ReturnedDebit(
        "EDU0000002",
        "01",
        99,
        "1",
        "INSTRUCTION CANCELLED",
        D(2027, 1, 29),
        "SIAN O'BRIEN & CO <X>",
        "089999",
        "58",
    ),
    ReturnedDebit(
        "EDU0000003",
        "18",
        100_000,
        "B",
        "ACCOUNT CLOSED",
        D(2027, 1, 4),
        "J BLOGGS",
        "107999",
        "91",
    ),
]
AMENDMENTS = [
    Amendment(
        "EDU0000001",
        "3",
        D(2027, 2, 3),
        "ANN SMITH",
        "200000",
        "11223344",
        "ANN SMITH",
        "309070",
        "02355688",
    ),
    Amendment(
        "EDU0000002",
        "1",
        D(2027, 2, 4),
        "SIAN OBRIEN",
        old_sort_code="089999",
        old_account_number="66374958",
    ),
    Amendment("EDU0000003", "E", None, "J BLOGGS"),
]
REJECTIONS = [
    AuddisRejection("EDU0000001", "5", "0N", "ANN SMITH"),
    AuddisRejection("EDU0000002", "I", "0N", "SIAN OBRIEN"),
    AuddisRejection("EDU0000003", "6", "0C", "J BLOGGS"),
]


def test_arudd_round_trip_field_by_field():
    data = build_arudd(RETURNS, report_date=D(2027, 2, 3), service_user_number="123456")
    assert detect_kind(data) == "arudd"
    report = parse(data)
    assert report.kind == "arudd"
    assert report.report_date == D(2027, 2, 3)
    assert report.service_user_number == "123456"
    assert len(report.items) == 3
    for got, want in zip(report.items, RETURNS, strict=True):
        assert got.reference == want.reference
        assert got.transaction_code == want.transaction_code
        assert got.amount_pence == want.amount_pence
        assert got.return_code == want.return_code
        assert got.return_description == want.return_description
        assert got.original_processing_date == want.original_processing_date
        assert got.payer_name == want.payer_name
        assert got.payer_sort_code == want.payer_sort_code
        assert got.payer_account_last2 == want.payer_account_last2
        assert got == want
    lines = data.decode().split("\n")
    for item in report.items:
        assert lines[item.line - 1].startswith(f'<ReturnedDebitItem ref="{item.reference}"')


def test_addacs_round_trip_field_by_field():
    data = build_addacs(AMENDMENTS, report_date=D(2027, 2, 4), service_user_number="123456")
    assert detect_kind(data) == "addacs"
    report = parse(data)
    assert (report.kind, report.report_date, report.service_user_number) == (
        "addacs",
        D(2027, 2, 4),
        "123456",
    )
    for got, want in zip(report.items, AMENDMENTS, strict=True):
        for name in (
            "reference",
            "reason_code",
            "effective_date",
            "payer_name",
            "new_sort_code",
            "new_account_number",
            "new_account_name",
            "old_sort_code",
            "old_account_number",
        ):
            assert getattr(got, name) == getattr(want, name), name
        assert got.line > 0
    assert [a.action for a in report.items] == ["update-bank-details", "cancel-mandate", "amended"]


def test_auddis_round_trip_field_by_field():
    data = build_auddis(REJECTIONS, report_date=D(2027, 2, 2), service_user_number="123456")
    assert detect_kind(data) == "auddis"
    report = parse(data)
    assert (report.kind, report.report_date, report.service_user_number) == (
        "auddis",
        D(2027, 2, 2),
        "123456",
    )
    assert report.items == REJECTIONS
    assert [r.transaction_code for r in report.items] == ["0N", "0N", "0C"]
    assert [r.action for r in report.items] == [
        "mandate-rejected",
        "fix-and-relodge",
        "mandate-rejected",
    ]


# Hand-written files (samples/) in the layout of the bureau samples: attribute order,
# dashed sort codes, whitespace and closing tags as real reports have them.
ARUDD_SAMPLE = (SAMPLES / "arudd.xml").read_bytes()

ADDACS_SAMPLE = (SAMPLES / "addacs.xml").read_bytes()

AUDDIS_SAMPLE = (SAMPLES / "auddis.xml").read_bytes()


def test_hand_written_arudd():
    report = parse(ARUDD_SAMPLE)
    assert report.kind == "arudd" and report.report_date == D(2027, 1, 16)
    first, second = report.items
    assert first == ReturnedDebit(
        "X01234-1",
        "17",
        6500,
        "1012",
        "INSTRUCTION CANCELLED",
        D(2027, 1, 12),
        "FRED SMITH",
        "010203",
        "78",
    )
    assert first.line == 16
    assert second.amount_pence == 6000 and second.payer_account_last2 == "89"
    # The four-digit code is understood through its description; "0" directly.
    assert first.action == "cancel-mandate"
    assert second.action == "may-re-present"


def test_hand_written_addacs():
    report = parse(ADDACS_SAMPLE)
    assert report.kind == "addacs" and report.report_date == D(2027, 2, 4)
    moved, died = report.items
    assert (moved.reason_code, moved.new_sort_code, moved.new_account_number) == (
        "C",
        "309071",
        "02355688",
    )
    assert (moved.old_sort_code, moved.old_account_number) == ("309070", "02355688")
    assert moved.action == "update-bank-details" and moved.line == 6
    assert died.action == "cancel-mandate" and died.new_sort_code == ""


def test_hand_written_auddis_skips_the_file_summary():
    report = parse(AUDDIS_SAMPLE)
    assert report.kind == "auddis"
    assert report.items == [AuddisRejection("EDU0000009", "L", "0N", "C MEMBER")]
    assert report.items[0].line == 7


def test_detect_kind_by_record_type_without_header():
    data = AUDDIS_SAMPLE.replace(
        b'<MessagingHeader report-generation-date="2027-02-02" user-number="123456"/>', b""
    )
    assert detect_kind(data) == "auddis"
    assert parse(data).report_date is None
    assert detect_kind(ADDACS_SAMPLE) == "addacs"


def test_malformed_xml_names_the_line():
    broken = ARUDD_SAMPLE.replace(b"</ReturnedDebitItem>", b"</ReturnedDebit>", 1)
    with pytest.raises(ReportError, match="Not well-formed") as info:
        parse(broken)
    assert info.value.line == 19


@pytest.mark.parametrize("encoding", [b"ATF-8", b"no-such-codec"])
def test_an_unknown_text_encoding_is_refused_with_a_reason(encoding):
    _, rest = ARUDD_SAMPLE.split(b"?>", 1)
    declared = b'<?xml version="1.0" encoding="' + encoding + b'"?>' + rest
    with pytest.raises(ReportError, match="encoding cannot be read"):
        parse(declared)


def test_missing_ref_names_the_line():
    broken = ARUDD_SAMPLE.replace(b'ReturnedDebitItem ref="X02345-1" ', b"ReturnedDebitItem ")
    with pytest.raises(ReportError, match="no ref attribute") as info:
        parse(broken)
    assert info.value.line == 20


@pytest.mark.parametrize(
    ("old", "new", "line", "why"),
    [
        (b'valueOf="65.00"', b'valueOf="65.0O"', 16, "not an amount"),
        (b'valueOf="65.00"', b'valueOf="-65.00"', 16, "not an amount"),
        (b'valueOf="65.00"', b'valueOf="65.001"', 16, "not an amount"),
        (
            b'originalProcessingDate="2027-01-12" valueOf="65.00"',
            b'originalProcessingDate="2027-13-12" valueOf="65.00"',
            16,
            "not a date",
        ),
        (
            b'currentProcessingDate="2027-01-16"',
            b'currentProcessingDate="16/01/2027"',
            5,
            "not a date",
        ),
        (b'sortCode="01-02-03"', b'sortCode="01-02"', 17, "not a sort code"),
        (
            b'number="12345678" ref="X01234-1"',
            b'number="123456XY" ref="X01234-1"',
            17,
            "does not end in digits",
        ),
        (b'numberOf="2"', b'numberOf="3"', 24, "Totals say 3"),
        (b'valueOf="125.00" currency', b'valueOf="125.01" currency', 24, "does not add up"),
        (b'userNumber="123456"', b'userNumber="12345"', 9, "service user number"),
        (
            b'currency="GBP">\n                            <PayerAccount number="12345678"',
            b'currency="EUR">\n                            <PayerAccount number="12345678"',
            16,
            "sterling",
        ),
    ],
)
def test_bad_values_name_the_line(old, new, line, why):
    assert old in ARUDD_SAMPLE
    with pytest.raises(ReportError, match=why) as info:
        parse(ARUDD_SAMPLE.replace(old, new, 1))
    assert info.value.line == line


def test_missing_payer_account_element():
    start = ARUDD_SAMPLE.index(b"<PayerAccount")
    end = ARUDD_SAMPLE.index(b"</PayerAccount>") + len(b"</PayerAccount>")
    with pytest.raises(ReportError, match="no <PayerAccount>") as info:
        parse(ARUDD_SAMPLE[:start] + ARUDD_SAMPLE[end:])
    assert info.value.line == 16


def test_addacs_transfer_without_new_details_is_refused():
    broken = ADDACS_SAMPLE.replace(b'payer-new-sort-code="30-90-71"', b'payer-new-sort-code=""')
    with pytest.raises(ReportError, match="new bank details") as info:
        parse(broken)
    assert info.value.line == 6


def test_addacs_missing_reason_code():
    broken = ADDACS_SAMPLE.replace(b'reason-code="2" ', b"")
    with pytest.raises(ReportError, match="reason-code") as info:
        parse(broken)
    assert info.value.line == 7


def test_billion_laughs_is_refused():
    bomb = b"""<?xml version="1.0"?>
<!DOCTYPE lolz [
 <!ENTITY lol "lol">
 <!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">
 <!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">
 <!ENTITY lol9 "&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;">
]>
<BACSDocument><Data><ARUDD>&lol9;</ARUDD></Data></BACSDocument>
"""
    with pytest.raises(ReportError, match="DOCTYPE") as info:
        parse(bomb)
    assert info.value.line == 2
    with pytest.raises(ReportError):
        detect_kind(bomb)


def test_external_entity_is_refused():
    xxe = b"""<?xml version="1.0"?>
<!DOCTYPE r [<!ENTITY x SYSTEM "file:///etc/passwd">]>
<BACSDocument><Data><ARUDD>&x;</ARUDD></Data></BACSDocument>
"""
    with pytest.raises(ReportError):
        parse(xxe)


@pytest.mark.parametrize(
    ("data", "why"),
    [
        (b"", "Not well-formed"),
        (b"<Other/>", "not <BACSDocument>"),
        (b"<BACSDocument/>", "no <Data>"),
        (b"<BACSDocument><Data><Something/></Data></BACSDocument>", "Neither"),
        (b"<BACSDocument><Data><MessagingAdvices/></Data></BACSDocument>", "Cannot tell"),
    ],
)
def test_not_a_report(data, why):
    with pytest.raises(ReportError, match=why):
        parse(data)


def test_ten_thousand_item_arudd():
    items = [
        ReturnedDebit(
            f"EDU{i:07d}",
            "17",
            1000 + i,
            "0",
            "REFER TO PAYER",
            D(2027, 2, 1),
            f"MEMBER {i}",
            "309070",
            f"{i % 100:02d}",
        )
        for i in range(10_000)
    ]
    data = build_arudd(items, report_date=D(2027, 2, 3), service_user_number="123456")
    report = parse(data)
    assert len(report.items) == 10_000
    assert report.items[9_999] == items[9_999]
    assert sum(i.amount_pence for i in report.items) == sum(i.amount_pence for i in items)


def test_reason_tables_cover_the_codes():
    assert set(ARUDD_REASONS) == set("0123456789AB")
    assert set(ADDACS_REASONS) == set("0123BCDER")
    assert set("12356BCFGHIKLMNOPQ") <= set(AUDDIS_REASONS)
    for code in "125B6":
        assert action_for("arudd", code) == "cancel-mandate"
    assert action_for("arudd", "0") == "may-re-present"
    for code in "12B0":
        assert action_for("addacs", code) == "cancel-mandate"
    assert action_for("addacs", "3") == action_for("addacs", "C") == "update-bank-details"
    assert action_for("addacs", "E") == "amended"
    assert action_for("addacs", "Z") == "contact-member"
    assert all(
        r.meaning for t in (ARUDD_REASONS, ADDACS_REASONS, AUDDIS_REASONS) for r in t.values()
    )


def test_bank_details_stay_out_of_reprs_and_errors():
    assert "11223344" not in repr(AMENDMENTS[0]) and "02355688" not in repr(AMENDMENTS[0])
    broken = ADDACS_SAMPLE.replace(
        b'payer-new-account-number="02355688"', b'payer-new-account-number="0235568X"'
    )
    with pytest.raises(ReportError, match="not an eight-digit account number") as info:
        parse(broken)
    assert "0235568" not in str(info.value)
