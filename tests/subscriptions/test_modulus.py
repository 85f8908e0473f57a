"""Vocalink modulus checking: the specification's own test vectors and the portal's rules."""

import pytest

from subscriptions.bacs import modulus
from subscriptions.bacs.modulus import (
    ModulusResult,
    check,
    normalise_account_number,
    normalise_sort_code,
)

# The test accounts printed in Vocalink's "Validating account numbers" v7.70,
# section "Test cases" (sort code, account number, valid?, what it exercises).
VOCALINK_VECTORS = [
    ("089999", "66374958", True, "pass modulus 10"),
    ("107999", "88837491", True, "pass modulus 11"),
    ("202959", "63748472", True, "pass modulus 11 and double alternate"),
    ("871427", "46238510", True, "exc 10/11: first passes, second fails"),
    ("872427", "46238510", True, "exc 10/11: first fails, second passes"),
    ("871427", "09123496", True, "exc 10: ab=09, g=9"),
    ("871427", "99123496", True, "exc 10: ab=99, g=9"),
    ("820000", "73688637", True, "exc 3: start of range, c=6 skips second check"),
    ("827999", "73988638", True, "exc 3: end of range, c=9 skips second check"),
    ("827101", "28748352", True, "exc 3: c not 6/9, both checks pass"),
    ("134020", "63849203", True, "exc 4: remainder equals check digits"),
    ("118765", "64371389", True, "exc 1: 27 added, passes double alternate"),
    ("200915", "41011166", True, "exc 6: fails standard, foreign currency account"),
    ("938611", "07806039", True, "exc 5: passes"),
    ("938600", "42368003", True, "exc 5: passes with substitution"),
    ("938063", "55065200", True, "exc 5: both remainders 0, pass"),
    ("772798", "99345694", True, "exc 7: passes, would fail standard"),
    ("086090", "06774744", True, "exc 8: passes"),
    ("309070", "02355688", True, "exc 2/9: first check passes"),
    ("309070", "12345668", True, "exc 2/9: first fails, second passes with substitution"),
    ("309070", "12345677", True, "exc 2/9: a≠0, g≠9, passes"),
    ("309070", "99345694", True, "exc 2/9: a≠0, g=9, passes"),
    ("938063", "15764273", False, "exc 5: first check digit right, second wrong"),
    ("938063", "15764264", False, "exc 5: first check digit wrong, second right"),
    ("938063", "15763217", False, "exc 5: first check digit wrong, remainder 1"),
    ("118765", "64371388", False, "exc 1: fails double alternate"),
    ("203099", "66831036", False, "passes modulus 11, fails double alternate"),
    ("203099", "58716970", False, "fails modulus 11, passes double alternate"),
    ("089999", "66374959", False, "fails modulus 10"),
    ("107999", "88837493", False, "fails modulus 11"),
    ("074456", "12345112", True, "exc 12/13: passes modulus 11"),
    ("070116", "34012583", True, "exc 12/13: passes modulus 11 (and 10)"),
    ("074456", "11104102", True, "exc 12/13: fails modulus 11, passes modulus 10"),
    ("180002", "00000190", True, "exc 14: first fails, second passes"),
]


def test_all_vocalink_vectors_present():
    assert len(VOCALINK_VECTORS) == 34


@pytest.mark.parametrize(("sort_code", "account", "expected", "what"), VOCALINK_VECTORS)
def test_vocalink_vector(sort_code, account, expected, what):
    result = check(sort_code, account)
    assert result.valid is expected, what
    if expected:
        assert result.reason in {"ok", "foreign-currency-not-checkable"}
    else:
        assert result.reason == "modulus"


def test_foreign_currency_reason():
    assert check("200915", "41011166") == ModulusResult(True, "foreign-currency-not-checkable")


def test_exception_14_eighth_digit_not_0_1_9_fails():
    # The same account with h=5 fails the first check and may not try the second.
    assert check("180002", "00000195") == ModulusResult(False, "modulus")


def test_portal_black_box_pair_is_invalid():
    result = check("00-00-00", "12345678")
    assert result == ModulusResult(False, "unknown-sort-code")
    assert not result


@pytest.mark.parametrize("sort_code", ["000000", "001234", "009999"])
def test_00_range_is_unknown(sort_code):
    assert check(sort_code, "12345678").reason == "unknown-sort-code"


def test_sort_code_outside_table_is_accepted_not_checkable():
    # 99-99-99 is not in Vocalink's table: the spec says such accounts are accepted.
    assert check("999999", "12345678") == ModulusResult(True, "unknown-sort-code-not-checkable")


@pytest.mark.parametrize(
    ("sort_code", "account"),
    [
        ("12345", "12345678"),
        ("1234567", "12345678"),
        ("ab-cd-ef", "12345678"),
        ("200000", "12345"),
        ("200000", "12345678901"),
        ("200000", "1234567x"),
        ("200000", "123456789"),
        ("200000", "1234567890"),
        ("200000", ""),
    ],
)
def test_format_errors(sort_code, account):
    assert check(sort_code, account) == ModulusResult(False, "format")


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("12-34-56", "123456"),
        ("12 34 56", "123456"),
        ("123456", "123456"),
        (" 12-34-56 ", "123456"),
    ],
)
def test_normalise_sort_code(value, expected):
    assert normalise_sort_code(value) == expected


@pytest.mark.parametrize(
    "value", ["", "12-34-5", "1234567", "12/34/56", "١٢٣٤٥٦", "12--34-56", None]
)
def test_normalise_sort_code_rejects(value):
    with pytest.raises(ValueError):
        normalise_sort_code(value)


@pytest.mark.parametrize(
    ("sort_code", "account", "expected"),
    [
        ("20-00-00", "12345678", ("200000", "12345678")),
        ("200000", "123456", ("200000", "00123456")),
        ("200000", "1234567", ("200000", "01234567")),
        ("200000", "1234 5678", ("200000", "12345678")),
        # Santander nine digits: last sort-code digit from the first account digit.
        ("090000", "612345678", ("090006", "12345678")),
        ("720000", "712345678", ("720007", "12345678")),
        ("891000", "112345678", ("891001", "12345678")),
        # NatWest ten digits: last eight.
        ("600000", "0012345678", ("600000", "12345678")),
        ("010000", "9912345678", ("010000", "12345678")),
        # Co-operative Bank ten digits: first eight.
        ("089000", "1234567899", ("089000", "12345678")),
    ],
)
def test_normalise_account_number(sort_code, account, expected):
    assert normalise_account_number(sort_code, account) == expected


@pytest.mark.parametrize(
    ("sort_code", "account"),
    [
        ("200000", "12345"),
        ("200000", "123456789"),
        ("200000", "1234567890"),
        ("083000", "1234567890"),
        ("200000", "12345678901"),
        ("200000", "12a45678"),
    ],
)
def test_normalise_account_number_rejects(sort_code, account):
    with pytest.raises(ValueError):
        normalise_account_number(sort_code, account)


def test_co_op_ten_digit_checks_first_eight():
    # 089999 66374958 passes modulus 10; two trailing digits are ignored for the Co-op.
    assert check("08-99-99", "6637495812").valid
    assert check("08-99-99", "66374958") == check("089999", "6637495899")


def test_table_loaded_and_ordered():
    table = modulus._table()
    assert len(table.starts) > 500
    assert table.starts == sorted(table.starts)
    assert all(s <= e for s, e in zip(table.starts, table.ends, strict=True))
    assert all(e < s for e, s in zip(table.ends, table.starts[1:], strict=False))
    assert table.substitutions["938600"] == "938611"
    assert all(len(rules) in (1, 2) for rules in table.rules)


def test_newer_tables_from_a_folder(tmp_path, monkeypatch):
    # A one-line table: 99-00-00 to 99-00-99 checked by standard modulus 10.
    (tmp_path / "valacdos.txt").write_text("990000 990099 MOD10 0 0 0 0 0 0 7 1 3 7 1 3 7 1\n")
    (tmp_path / "scsubtab.txt").write_text("")
    monkeypatch.setenv("SUBSCRIPTIONS_MODULUS_DATA_DIR", str(tmp_path))
    modulus._table.cache_clear()
    try:
        assert check("990001", "66374958") == ModulusResult(True, "ok")
        assert check("990001", "66374959") == ModulusResult(False, "modulus")
        assert check("089999", "66374959").reason == "unknown-sort-code-not-checkable"
    finally:
        monkeypatch.delenv("SUBSCRIPTIONS_MODULUS_DATA_DIR")
        modulus._table.cache_clear()
    assert check("089999", "66374959") == ModulusResult(False, "modulus")
