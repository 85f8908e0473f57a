"""Bacs Standard 18: the writer's layout, its checks, and reading files back."""

import datetime as dt

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from subscriptions.bacs.standard18 import (
    Originator,
    Record,
    Standard18Error,
    parse,
    sanitise_name,
    validate_reference,
    write,
    write_auddis,
    write_collections,
    write_iter,
)

UNION = Originator("123456", "Education Union", "200000", "12345678", "EDU UNION SUBS")
DATES = {
    "processing_date": dt.date(2027, 2, 1),
    "file_serial": 42,
    "created_on": dt.date(2027, 1, 28),
}


def collections():
    return [
        Record("309070", "02355688", "01", 1250, "EDU0000001", "Ann Smith"),
        Record("089999", "66374958", "17", 2099, "EDU0000002", "Siân O'Brien-Jones"),
        Record("107999", "88837491", "18", 1, "EDU/0000-3", "J. Bloggs & Co"),
        Record("202959", "63748472", "19", 99_999, "EDU 0000004", "Ömer Çelik"),
    ]


def instructions():
    return [
        Record("309070", "02355688", "0N", 0, "EDU0000001", "Ann Smith"),
        Record("089999", "66374958", "0C", 0, "EDU0000002", "Siân O'Brien-Jones"),
        Record("107999", "88837491", "0S", 0, "EDU0000003", "Joe Bloggs"),
    ]


def test_layout_of_every_line():
    text = write(UNION, collections(), **DATES)
    assert text.endswith("\n")
    lines = text.split("\n")[:-1]
    assert [ln[:4] for ln in lines] == ["VOL1", "HDR1", "HDR2", "UHL1"] + [
        ln[:4] for ln in lines[4:9]
    ] + ["EOF1", "EOF2", "UTL1"]
    labels = lines[:4] + lines[-3:]
    assert all(len(ln) == 80 for ln in labels)
    assert all(len(ln) == 100 for ln in lines[4:-3])
    vol, hdr1, hdr2, uhl = lines[:4]
    assert vol[4:10] == "000042" and vol[41:47] == "123456" and vol[79] == "1"
    assert vol[10:41] == " " * 31 and vol[47:79] == " " * 32
    assert hdr1[4:21] == "A123456S  1123456"
    assert hdr1[21:27] == "000042" and hdr1[27:35] == "00010001"
    assert hdr1[41:47] == " 27028" and hdr1[47:53] == " 27032"
    assert hdr2[4:15] == "F0200000100" and hdr2[50:52] == "00"
    assert uhl[4:10] == " 27032" and uhl[10:20] == "999999    "
    assert uhl[20:28] == "00000000" and uhl[28:37] == "1 DAILY  " and uhl[37:40] == "001"
    first = lines[4]
    assert first[0:6] == "309070" and first[6:14] == "02355688" and first[14] == "0"
    assert first[15:17] == "01" and first[17:23] == "200000" and first[23:31] == "12345678"
    assert first[31:35] == "    " and first[35:46] == "00000001250"
    assert first[46:64] == "EDUCATION UNION   "
    assert first[64:82] == "EDU0000001        " and first[82:100] == "ANN SMITH         "
    contra = lines[8]
    assert contra[0:14] == "20000012345678" and contra[15:17] == "99"
    assert contra[17:31] == "20000012345678"
    assert contra[35:46] == f"{1250 + 2099 + 1 + 99_999:011d}"
    assert contra[64:82] == "CONTRA            " and contra[82:100] == "EDU UNION SUBS    "
    assert lines[9][4:] == hdr1[4:] and lines[10][4:] == hdr2[4:]
    utl = lines[-1]
    total = 1250 + 2099 + 1 + 99_999
    assert utl[4:17] == f"{total:013d}" and utl[17:30] == f"{total:013d}"
    assert utl[30:37] == "0000004" and utl[37:44] == "0000001" and utl[44:] == " " * 36


def test_collections_round_trip_field_by_field():
    text = write_collections(UNION, collections(), **DATES)
    parsed = parse(text)
    assert parsed.serial == "000042"
    assert parsed.service_user_number == "123456"
    assert parsed.created_on == dt.date(2027, 1, 28)
    assert parsed.expires_on == dt.date(2027, 2, 1)
    assert parsed.processing_date == dt.date(2027, 2, 1)
    assert parsed.work_code == "1 DAILY"
    assert parsed.file_number == "001"
    expected_names = ["ANN SMITH", "SIAN OBRIEN-JONES", "J. BLOGGS & CO", "OMER CELIK"]
    for rec, src, name in zip(parsed.records, collections(), expected_names, strict=True):
        assert rec.dest_sort_code == src.dest_sort_code
        assert rec.dest_account == src.dest_account
        assert rec.account_type == "0"
        assert rec.transaction_code == src.transaction_code
        assert rec.orig_sort_code == "200000" and rec.orig_account == "12345678"
        assert rec.free_format == ""
        assert rec.amount_pence == src.amount_pence
        assert rec.originator_name == "EDUCATION UNION"
        assert rec.reference == src.reference
        assert rec.dest_name == name
    assert [r.line for r in parsed.records] == [5, 6, 7, 8]
    (contra,) = parsed.contras
    assert contra.transaction_code == "99"
    assert (contra.dest_sort_code, contra.dest_account) == ("200000", "12345678")
    assert contra.amount_pence == 103_349
    assert contra.reference == "CONTRA" and contra.dest_name == "EDU UNION SUBS"
    assert contra.line == 9
    assert parsed.debit_total == parsed.credit_total == 103_349
    assert (parsed.debit_count, parsed.credit_count) == (4, 1)


def test_auddis_round_trip_has_no_contra():
    text = write_auddis(UNION, instructions(), **DATES)
    parsed = parse(text)
    assert parsed.contras == []
    assert [r.transaction_code for r in parsed.records] == ["0N", "0C", "0S"]
    assert all(r.amount_pence == 0 for r in parsed.records)
    assert [r.to_record() for r in parsed.records] == [
        Record(
            r.dest_sort_code,
            r.dest_account,
            r.transaction_code,
            0,
            r.reference,
            sanitise_name(r.dest_name),
        )
        for r in instructions()
    ]
    assert (parsed.debit_total, parsed.credit_total) == (0, 0)
    assert (parsed.debit_count, parsed.credit_count) == (3, 0)
    assert all(len(ln) in (80, 100) for ln in text.splitlines())


def test_collection_and_auddis_writers_refuse_each_others_codes():
    with pytest.raises(Standard18Error, match="record 1: Transaction code 0N does not belong"):
        write_collections(UNION, instructions(), **DATES)
    with pytest.raises(Standard18Error, match="record 1: Transaction code 01 does not belong"):
        write_auddis(UNION, collections(), **DATES)


def test_write_streams_from_a_generator():
    def gen():
        for i in range(10_000):
            yield Record("309070", "02355688", "17", 100 + i, f"EDU{i:07d}", f"Member {i}")

    pieces = list(write_iter(UNION, gen(), **DATES))
    assert len(pieces) > 3
    assert all(p.endswith("\n") for p in pieces)
    parsed = parse("".join(pieces))
    assert parsed.debit_count == 10_000
    assert parsed.debit_total == sum(100 + i for i in range(10_000))


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("Siân O'Brien-Jones", "SIAN OBRIEN-JONES"),
        ("Ömer Çelik", "OMER CELIK"),
        ("Gerd Straße", "GERD STRASSE"),
        ("Søren Ærø", "SOREN AERO"),
        ("Smith, John (Mr)", "SMITH JOHN MR"),
        ("  lots   of   space ", "LOTS OF SPACE"),
        ("A & B / C-D. E", "A & B / C-D. E"),
        ("Bartholomew Fotheringay-Phipps", "BARTHOLOMEW FOTHER"),
        ("Łukasz Żółw", "LUKASZ ZOLW"),
        ("李小龍", ""),
    ],
)
def test_sanitise_name(name, expected):
    assert sanitise_name(name) == expected


@pytest.mark.parametrize("ref", ["ABC123", "EDU-000/12.3 &X", "A" * 17 + "B", "mem123456"])
def test_valid_references(ref):
    assert validate_reference(ref) == ref.upper()


@pytest.mark.parametrize(
    ("ref", "why"),
    [
        ("ABC12", "6 to 18"),
        ("A" * 19, "6 to 18"),
        ("AAAAAA", "same character"),
        ("000000", "same character"),
        ("-ABC123", "start with a letter or digit"),
        ("AB-/-.C", "six letters or digits"),
        ("DDIC12345", "DDIC"),
        ("ABC_123", "may only contain"),
        ("ABC£123", "may only contain"),
    ],
)
def test_invalid_references(ref, why):
    with pytest.raises(Standard18Error, match=why):
        validate_reference(ref)
    bad = Record("309070", "02355688", "17", 100, ref, "Ann Smith")
    with pytest.raises(Standard18Error, match="record 1: "):
        write(UNION, [bad], **DATES)


@pytest.mark.parametrize(
    ("record", "why"),
    [
        (Record("309070", "02355688", "17", 0, "EDU0000001", "A B"), "above zero"),
        (Record("309070", "02355688", "17", -5, "EDU0000001", "A B"), "above zero"),
        (Record("309070", "02355688", "17", 12.5, "EDU0000001", "A B"), "above zero"),
        (Record("309070", "02355688", "17", True, "EDU0000001", "A B"), "above zero"),
        (Record("309070", "02355688", "17", 10**11, "EDU0000001", "A B"), "above zero"),
        (Record("309070", "02355688", "0N", 100, "EDU0000001", "A B"), "amount 0"),
        (Record("309070", "02355688", "99", 100, "EDU0000001", "A B"), "not one the portal"),
        (Record("309070", "02355688", "XX", 100, "EDU0000001", "A B"), "not one the portal"),
        (Record("30907", "02355688", "17", 100, "EDU0000001", "A B"), "6 and 8 digits"),
        (Record("309070", "2355688", "17", 100, "EDU0000001", "A B"), "6 and 8 digits"),
        (Record("30-907", "02355688", "17", 100, "EDU0000001", "A B"), "6 and 8 digits"),
        (Record("309070", "0235568٨", "17", 100, "EDU0000001", "A B"), "6 and 8 digits"),
        (Record("309070", "02355688", "17", 100, "EDU0000001", "!!!"), "name is empty"),
        (Record(None, "02355688", "17", 100, "EDU0000001", "A B"), "not a valid Record"),
    ],
)
def test_invalid_records(record, why):
    ok = Record("309070", "02355688", "17", 100, "EDU0000009", "Ann Smith")
    with pytest.raises(Standard18Error, match=f"record 2: .*{why}"):
        write(UNION, [ok, record], **DATES)


def test_empty_file_refused():
    with pytest.raises(Standard18Error, match="at least one record"):
        write(UNION, [], **DATES)


@pytest.mark.parametrize(
    ("originator", "why"),
    [
        (Originator("12345", "U", "200000", "12345678", "U"), "service user number"),
        (Originator("123456", "U", "2000", "12345678", "U"), "sort code"),
        (Originator("123456", "U", "200000", "1234", "U"), "account number"),
        (Originator("123456", "", "200000", "12345678", "U"), "name"),
    ],
)
def test_invalid_originator(originator, why):
    with pytest.raises(Standard18Error, match=why):
        write(originator, collections(), **DATES)


@pytest.mark.parametrize("serial", [-1, 1_000_000, "12345", "ABC-12", True])
def test_invalid_serial(serial):
    with pytest.raises(Standard18Error, match="serial"):
        write(UNION, collections(), **{**DATES, "file_serial": serial})


# ----------------------------------------------------------------- the parser


def good_lines():
    return write(UNION, collections(), **DATES).split("\n")[:-1]


def corrupt(index, new):
    lines = good_lines()
    lines[index] = new(lines[index])
    return "\n".join(lines) + "\n"


@pytest.mark.parametrize(
    ("index", "change", "line", "why"),
    [
        (0, lambda s: "VOL2" + s[4:], 1, "VOL1"),
        (0, lambda s: s[:-1], 1, "80"),
        (1, lambda s: s[:5] + "654321" + s[11:], 2, "same service user"),
        (1, lambda s: s[:41] + " 27999" + s[47:], 2, "not a real date"),
        (3, lambda s: s[:4] + "XXXXXX" + s[10:], 4, "Julian"),
        (5, lambda s: s + " ", 6, "100 characters"),
        (5, lambda s: s[:15] + "42" + s[17:], 6, "Unknown transaction code"),
        (5, lambda s: s[:35] + "0000000X099" + s[46:], 6, "amount must be digits"),
        (5, lambda s: s[:2] + "AB" + s[4:], 6, "must be digits"),
        (5, lambda s: s[:35] + "00000000000" + s[46:], 6, "0 pence"),
        (8, lambda s: s[:35] + "00000000001" + s[46:], 9, "contra"),
        (9, lambda s: s[:30] + "9" + s[31:], 10, "EOF1 does not match"),
        (11, lambda s: s[:4] + "0" * 12 + "1" + s[17:], 12, "totals"),
        (11, lambda s: s[:30] + "0000003" + s[37:], 12, "counts"),
        (11, lambda s: s[:30] + "00000x3" + s[37:], 12, "count must be digits"),
    ],
)
def test_parse_names_the_line(index, change, line, why):
    with pytest.raises(Standard18Error, match=why) as info:
        parse(corrupt(index, change))
    assert info.value.line == line
    assert str(info.value).startswith(f"line {line}: ")


def test_parse_truncated_file():
    text = "\n".join(good_lines()[:-1]) + "\n"
    with pytest.raises(Standard18Error, match="UTL1") as info:
        parse(text)
    assert info.value.line == 12


def test_parse_extra_line_after_trailer():
    with pytest.raises(Standard18Error, match="after UTL1") as info:
        parse("\n".join([*good_lines(), "X" * 80]) + "\n")
    assert info.value.line == 13


def test_parse_debits_without_contra():
    lines = good_lines()
    del lines[8]
    with pytest.raises(Standard18Error, match="not balanced"):
        parse("\n".join(lines) + "\n")


def test_parse_accepts_crlf():
    text = write(UNION, collections(), **DATES).replace("\n", "\r\n")
    assert parse(text).debit_count == 4


def test_parse_refuses_bytes():
    with pytest.raises(Standard18Error):
        parse(b"VOL1")


# ----------------------------------------------------------------- hypothesis

REF_CHARS = "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789"
references = st.text(REF_CHARS, min_size=6, max_size=18).filter(lambda r: len(set(r)) > 1)
records = st.builds(
    Record,
    dest_sort_code=st.text("0123456789", min_size=6, max_size=6),
    dest_account=st.text("0123456789", min_size=8, max_size=8),
    transaction_code=st.sampled_from(["01", "17", "18", "19"]),
    amount_pence=st.integers(1, 10**9),
    reference=references.filter(lambda r: not r.startswith("DDIC")),
    dest_name=st.text(min_size=1, max_size=40).filter(lambda n: sanitise_name(n) != ""),
)


@settings(max_examples=150, deadline=None)
@given(st.lists(records, min_size=1, max_size=30), st.integers(0, 999_999))
def test_hypothesis_round_trip(recs, serial):
    text = write(UNION, recs, **{**DATES, "file_serial": serial})
    parsed = parse(text)
    assert parsed.serial == f"{serial:06d}"
    assert [r.to_record() for r in parsed.records] == [
        Record(
            r.dest_sort_code,
            r.dest_account,
            r.transaction_code,
            r.amount_pence,
            r.reference,
            sanitise_name(r.dest_name),
        )
        for r in recs
    ]
    assert parsed.debit_total == parsed.credit_total == sum(r.amount_pence for r in recs)
    assert parsed.debit_count == len(recs) and parsed.credit_count == 1
    assert all(len(ln) == 100 for ln in text.split("\n")[4:-4])


@settings(max_examples=300, deadline=None)
@given(st.text(max_size=60))
def test_hypothesis_names_are_always_bacs_characters(name):
    clean = sanitise_name(name)
    assert len(clean) <= 18
    assert set(clean) <= set("ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789.&/- ")
    assert clean == clean.strip() and "  " not in clean


def test_bank_details_stay_out_of_reprs_and_errors():
    record = Record("309070", "02355688", "17", 100, "EDU0000001", "Ann Smith")
    assert "02355688" not in repr(record)
    parsed = parse(write(UNION, [record], **DATES))
    assert "02355688" not in repr(parsed.records[0])
    bad = Record("309070", "0235568", "17", 100, "EDU0000001", "Ann Smith")
    with pytest.raises(Standard18Error) as info:
        write(UNION, [bad], **DATES)
    assert "0235568" not in str(info.value)
