"""The Welsh catalogue as the tests read it: each msgid with its msgstr(s) and flags
(a small reader of gettext's PO format, enough for what makemessages writes)."""

from __future__ import annotations

import ast
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path

from django.conf import settings

PO = Path(settings.BASE_DIR) / "locale" / "cy" / "LC_MESSAGES" / "django.po"
# Words that are the same in both languages, or names: never "left in English".
ALLOWED_SAME = {
    "English",
    "Cymraeg",
    "CPD",
    "PDF",
    "Email",
    "OK",
    "ID",
    "QR",
    "URL",
    "Wi-Fi",
}


@dataclass
class Entry:
    msgid: str
    msgid_plural: str = ""
    msgctxt: str = ""
    msgstr: list[str] = field(default_factory=list)
    flags: set[str] = field(default_factory=set)
    obsolete: bool = False

    @property
    def translated(self) -> bool:
        return bool(self.msgstr) and all(self.msgstr) and "fuzzy" not in self.flags


def _unquote(text: str) -> str:
    return ast.literal_eval(text)


def parse(path: Path = PO) -> list[Entry]:
    entries: list[Entry] = []
    current: Entry | None = None
    key = None
    flags: set[str] = set()

    def finish():
        nonlocal current
        if current is not None:
            entries.append(current)
        current = None

    for raw in path.read_text(encoding="utf-8").splitlines():
        line = raw.strip()
        obsolete = line.startswith("#~")
        if obsolete:
            line = line[2:].strip()
        if not line:
            finish()
            key = None
            continue
        if line.startswith("#,"):
            flags |= {f.strip() for f in line[2:].split(",")}
            continue
        if line.startswith("#"):
            continue
        if (
            line.startswith(("msgctxt ", "msgid "))
            and current is not None
            and key
            in (
                "msgstr",
                "msgstr[]",
            )
        ):
            finish()
        if line.startswith("msgctxt "):
            current = current or Entry(msgid="", flags=flags, obsolete=obsolete)
            current.msgctxt = _unquote(line[8:])
            key = "msgctxt"
        elif line.startswith("msgid_plural "):
            current.msgid_plural = _unquote(line[13:])
            key = "msgid_plural"
        elif line.startswith("msgid "):
            current = current or Entry(msgid="", flags=flags, obsolete=obsolete)
            current.msgid = _unquote(line[6:])
            flags = set()
            key = "msgid"
        elif line.startswith("msgstr["):
            current.msgstr.append(_unquote(line.split("]", 1)[1].strip()))
            key = "msgstr[]"
        elif line.startswith("msgstr "):
            current.msgstr.append(_unquote(line[7:]))
            key = "msgstr"
        elif line.startswith('"') and current is not None:
            value = _unquote(line)
            if key == "msgid":
                current.msgid += value
            elif key == "msgid_plural":
                current.msgid_plural += value
            elif key == "msgctxt":
                current.msgctxt += value
            elif key in ("msgstr", "msgstr[]"):
                current.msgstr[-1] += value
    finish()
    return [e for e in entries if e.msgid and not e.obsolete]


@cache
def untranslated_msgids() -> frozenset[str]:
    """English strings marked for translation whose Welsh is missing, empty or fuzzy."""
    return frozenset(
        e.msgid for e in parse() if not e.translated and e.msgid.strip() not in ALLOWED_SAME
    )


def english_left_in(text: str, *, min_words: int = 2) -> list[str]:
    """Untranslated msgids (of at least `min_words` words, placeholders cut off) found in
    `text`, which should be all Welsh."""
    found = []
    flat = " ".join(text.split())
    for msgid in untranslated_msgids():
        # The fixed words before the first placeholder or tag.
        head = msgid.split("%(", 1)[0].split("{", 1)[0].split("<", 1)[0]
        head = " ".join(head.split())
        if len(head.split()) >= min_words and head in flat:
            found.append(msgid)
    return sorted(found)
