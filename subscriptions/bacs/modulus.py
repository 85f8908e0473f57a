"""UK sort code and account number validation: Vocalink's modulus checking.

Every UK bank account is a six-digit sort code (the branch, e.g. 20-00-00) and an
account number of (normally) eight digits.  Vocalink, which runs the Bacs
infrastructure, publishes *"Validating account numbers — UK modulus checking"*:
a set of check-digit rules per sort-code range that catch most typing mistakes
before a Direct Debit Instruction is lodged.  A Direct Debit for a member whose
details fail the check would be rejected by the bank (AUDDIS return code "B",
account number invalid), so the portal checks details when the member types them.

Data
----
``data/valacdos.txt`` (the weights table) and ``data/scsubtab.txt`` (the sort
code substitution table for exception 5) are Vocalink's published files,
**version 7.70** (specification document ``validating-account-numbers-uk-modulus-
checking-v7-70.pdf``, imported by the open-source cs278/bank-modulus project on
3 May 2024; © VocaLink Limited).  Vocalink reissues the table a few times a year
as banks open and close sort-code ranges; replace both files with the newer
download (same format) and rerun the tests, or point the environment variable
``SUBSCRIPTIONS_MODULUS_DATA_DIR`` at a folder holding the newer pair.

Each line of ``valacdos.txt`` is: start sort code, end sort code, the method
(``MOD10``, ``MOD11`` or ``DBLAL``), fourteen weights (for the fourteen digits
``u v w x y z a b c d e f g h`` = six of sort code then eight of account number)
and an optional exception number.  A range may have two lines: two checks.

The methods
-----------
* **Standard modulus 10 / 11**: multiply each of the 14 digits by its weight,
  add the products; the total must divide exactly by 10 (or 11).
* **Double alternate**: multiply as above, but add the *digits* of the products
  (e.g. 18 counts as 1 + 8); the total must divide exactly by 10.

The exceptions (1–14) change the rules for particular banks, exactly as the
Vocalink document describes:

1.  Double alternate: add 27 to the total before dividing.
2.  and 9. (Lloyds) If ``a`` ≠ 0 use weights 0 0 1 2 5 3 6 4 8 7 10 9 3 1, or,
    if also ``g`` = 9, 0 0 0 0 0 0 0 0 8 7 10 9 3 1.  If that check fails, the
    second check (exception 9) replaces the sort code with 30-96-34.  Either
    passing is enough.
3.  If ``c`` is 6 or 9 the double alternate check is not performed.
4.  Modulus 11: the remainder must equal the two-digit number ``gh``.
5.  (Scottish Widows) Substitute the sort code from ``scsubtab.txt``; the first
    check (modulus 11) passes when remainder 0 and ``g`` = 0, fails when the
    remainder is 1, otherwise 11 − remainder must equal ``g``; the second
    (double alternate) passes when remainder 0 and ``h`` = 0, otherwise
    10 − remainder must equal ``h``.  Both must pass.
6.  If ``a`` is 4–8 and ``g`` = ``h`` the account is a foreign-currency account:
    it cannot be checked and is accepted.
7.  If ``g`` = 9, zero the weights ``u`` to ``b``.
8.  Check with the sort code replaced by 09-01-26.
10. and 11. For the exception 10 check, if ``ab`` is 09 or 99 and ``g`` = 9 zero
    the weights ``u`` to ``b``.  Either check passing is enough.
12. and 13. Either check passing is enough.
14. (Coutts) If the standard modulus 11 check fails: if ``h`` is not 0, 1 or 9
    the account is invalid; otherwise drop ``h``, put a 0 at the front of the
    account number and check again.

Where a range has two checks without exceptions 2/9, 10/11, 12/13, both must pass.

Sort codes not in the table
---------------------------
The Vocalink document says that an account whose sort code is not in the table
cannot be modulus checked and *should be accepted* (the bank validates it).  So
``check`` returns ``valid=True, reason="unknown-sort-code-not-checkable"``.

One exception to that: sort codes beginning ``00`` are not allocated to any bank
(the table starts at 01-00-04 and no bank's range starts with 00; 00-00-00 is
the classic made-up value).  Accepting them would let "00-00-00 / 12345678"
through, so they come out invalid with reason ``"unknown-sort-code"``.  This is
the portal's rule, not Vocalink's.

Non-standard account numbers
----------------------------
``normalise_account_number`` applies Vocalink's "non-standard account numbers"
rules before checking (cross-checked against cs278/bank-modulus's normalisers):

* 6 digits: put ``00`` in front; 7 digits: put ``0`` in front.
* 9 digits (Santander, ex-Alliance & Leicester/Girobank — sort codes 09-00-00 to
  09-19-99, 72-xx-xx, 89-00-00 to 89-29-99): the last digit of the sort code is
  replaced by the first digit of the account number, and the last eight digits
  of the account number are used.
* 10 digits: National Westminster (01-xx-xx, 50-xx-xx to 66-xx-xx) use the last
  eight digits; Co-operative Bank (08-xx-xx, except Citibank's 08-30-xx) use the
  first eight digits.  Vocalink documents no other ten-digit rule that can be
  applied from the sort code alone (building-society roll numbers are not bank
  account numbers), so other ten-digit numbers raise ``ValueError``.
"""

from __future__ import annotations

import bisect
import os
import re
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

__all__ = [
    "TABLE_VERSION",
    "ModulusResult",
    "check",
    "normalise_account_number",
    "normalise_sort_code",
]

TABLE_VERSION = "7.70"
# The tables ship with the package; SUBSCRIPTIONS_MODULUS_DATA_DIR points at a folder
# holding newer valacdos.txt / scsubtab.txt downloads instead (read once, at first use).
_PACKAGED_DATA = Path(__file__).with_name("data")


def _data_dir() -> Path:
    return Path(os.environ.get("SUBSCRIPTIONS_MODULUS_DATA_DIR") or _PACKAGED_DATA)


# Positions of the fourteen digits u v w x y z a b c d e f g h.
U, V, W, X, Y, Z, A, B, C, D, E, F, G, H = range(14)

_SORT_CODE_RE = re.compile(r"([0-9]{2})[- ]?([0-9]{2})[- ]?([0-9]{2})")
_EXC2_WEIGHTS = (0, 0, 1, 2, 5, 3, 6, 4, 8, 7, 10, 9, 3, 1)
_EXC2_G9_WEIGHTS = (0, 0, 0, 0, 0, 0, 0, 0, 8, 7, 10, 9, 3, 1)


@dataclass(frozen=True, slots=True)
class ModulusResult:
    """Outcome of a check: ``valid`` and a short machine ``reason``.

    Reasons: ``"ok"`` (passed), ``"modulus"`` (failed the check digits),
    ``"format"`` (not digits / wrong length), ``"unknown-sort-code"`` (a range no
    bank uses), ``"unknown-sort-code-not-checkable"`` (not in Vocalink's table:
    accepted), ``"foreign-currency-not-checkable"`` (exception 6: accepted).
    """

    valid: bool
    reason: str

    def __bool__(self) -> bool:
        return self.valid


@dataclass(frozen=True, slots=True)
class _Rule:
    method: str
    weights: tuple[int, ...]
    exception: int


class _Table:
    def __init__(self, starts, ends, rules, substitutions):
        self.starts = starts
        self.ends = ends
        self.rules = rules
        self.substitutions = substitutions

    def lookup(self, sort_code: str) -> tuple[_Rule, ...]:
        n = int(sort_code)
        i = bisect.bisect_right(self.starts, n) - 1
        if i >= 0 and n <= self.ends[i]:
            return self.rules[i]
        return ()


@lru_cache(maxsize=1)
def _table() -> _Table:
    starts: list[int] = []
    ends: list[int] = []
    rules: list[tuple[_Rule, ...]] = []
    with open(_data_dir() / "valacdos.txt", encoding="ascii") as fh:
        for line in fh:
            parts = line.split()
            if not parts:
                continue
            start, end = int(parts[0]), int(parts[1])
            rule = _Rule(
                parts[2],
                tuple(int(w) for w in parts[3:17]),
                int(parts[17]) if len(parts) > 17 else 0,
            )
            if starts and starts[-1] == start and ends[-1] == end:
                rules[-1] = (*rules[-1], rule)
            else:
                starts.append(start)
                ends.append(end)
                rules.append((rule,))
    substitutions = {}
    with open(_data_dir() / "scsubtab.txt", encoding="ascii") as fh:
        for line in fh:
            parts = line.split()
            if len(parts) >= 2:
                substitutions[parts[0]] = parts[1]
    return _Table(starts, ends, rules, substitutions)


def normalise_sort_code(value: str) -> str:
    """Return the six digits of a sort code typed as 12-34-56, 12 34 56 or 123456."""
    match = _SORT_CODE_RE.fullmatch(value.strip()) if isinstance(value, str) else None
    if not match:
        raise ValueError("A sort code is six digits, for example 12-34-56.")
    return "".join(match.groups())


def normalise_account_number(sort_code: str, account_number: str) -> tuple[str, str]:
    """Apply the non-standard-length rules; return ``(sort_code, 8-digit account)``.

    Spaces and hyphens in the account number are ignored.  Raises ``ValueError``
    when the number cannot be made into an eight-digit account for that bank.
    """
    sc = normalise_sort_code(sort_code)
    acc = (
        account_number.replace(" ", "").replace("-", "") if isinstance(account_number, str) else ""
    )
    if not acc.isascii() or not acc.isdigit():
        raise ValueError("An account number is digits only.")
    n = len(acc)
    if n == 8:
        return sc, acc
    if n in (6, 7):
        return sc, acc.rjust(8, "0")
    code = int(sc)
    if n == 9:
        if 90000 <= code <= 91999 or 720000 <= code <= 729999 or 890000 <= code <= 892999:
            return sc[:5] + acc[0], acc[1:]
        raise ValueError("Nine-digit account numbers are used only by Santander.")
    if n == 10:
        if 10000 <= code <= 19999 or 500000 <= code <= 669999:
            return sc, acc[2:]
        if 80000 <= code <= 89999 and not 83000 <= code <= 83999:
            return sc, acc[:8]
        raise ValueError("Ten-digit account numbers are used only by NatWest and the Co-op Bank.")
    raise ValueError("An account number has eight digits (six to ten for some banks).")


def _digits(sort_code: str, account: str) -> list[int]:
    return [ord(c) - 48 for c in sort_code + account]


def _total(digits, weights) -> int:
    return sum(d * w for d, w in zip(digits, weights, strict=True))


def _dblal_total(digits, weights) -> int:
    total = 0
    for d, w in zip(digits, weights, strict=True):
        p = d * w
        total += p // 10 + p % 10 if p >= 0 else p
    return total


def _run(rule: _Rule, digits: list[int], weights: tuple[int, ...] | None = None) -> bool:
    """One check of one rule against the 14 digits (exceptions 1, 3, 4, 5, 7, 10 inside)."""
    w = list(weights or rule.weights)
    exc = rule.exception
    if exc == 7 and digits[G] == 9:
        w[:8] = [0] * 8
    if exc == 10 and digits[A] in (0, 9) and digits[B] == 9 and digits[G] == 9:
        w[:8] = [0] * 8
    if rule.method == "DBLAL":
        if exc == 3 and digits[C] in (6, 9):
            return True
        total = _dblal_total(digits, w)
        if exc == 1:
            total += 27
        remainder = total % 10
        if exc == 5:
            return (remainder == 0 and digits[H] == 0) or 10 - remainder == digits[H]
        return remainder == 0
    total = _total(digits, w)
    if rule.method == "MOD10":
        return total % 10 == 0
    remainder = total % 11
    if exc == 4:
        return remainder == digits[G] * 10 + digits[H]
    if exc == 5:
        if remainder == 0 and digits[G] == 0:
            return True
        if remainder == 1:
            return False
        return 11 - remainder == digits[G]
    return remainder == 0


def _passes(rules: tuple[_Rule, ...], sort_code: str, account: str) -> bool:
    digits = _digits(sort_code, account)
    first = rules[0]
    exc = first.exception
    if exc == 8:
        digits = _digits("090126", account)
    elif exc == 5:
        digits = _digits(_table().substitutions.get(sort_code, sort_code), account)

    if len(rules) == 1:
        if _run(first, digits):
            return True
        if exc == 14:
            if digits[H] not in (0, 1, 9):
                return False
            return _run(first, _digits(sort_code, "0" + account[:7]))
        return False

    second = rules[1]
    if exc == 2 and second.exception == 9:
        weights = None
        if digits[A] != 0:
            weights = _EXC2_G9_WEIGHTS if digits[G] == 9 else _EXC2_WEIGHTS
        return _run(first, digits, weights) or _run(second, _digits("309634", account))
    if (exc, second.exception) in ((10, 11), (12, 13)):
        return _run(first, digits) or _run(second, digits)
    return _run(first, digits) and _run(second, digits)


def check(sort_code: str, account_number: str) -> ModulusResult:
    """Check a sort code and account number; see the module docstring for the rules."""
    try:
        sc, acc = normalise_account_number(sort_code, account_number)
    except ValueError:
        return ModulusResult(False, "format")
    # Judge the range on the sort code the member gave (Santander's nine-digit rule
    # rewrites the last digit, which never moves it out of its bank's range).
    if sc.startswith("00"):
        return ModulusResult(False, "unknown-sort-code")
    rules = _table().lookup(sc)
    if not rules:
        return ModulusResult(True, "unknown-sort-code-not-checkable")
    if rules[0].exception == 6 == rules[-1].exception:
        d = _digits(sc, acc)
        if 4 <= d[A] <= 8 and d[G] == d[H]:
            return ModulusResult(True, "foreign-currency-not-checkable")
    if _passes(rules, sc, acc):
        return ModulusResult(True, "ok")
    return ModulusResult(False, "modulus")
