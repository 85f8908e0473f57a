"""What `/me/data/` downloads: a ZIP of everything the union holds on a member.

Two small registries keep `accounts` ignorant of the apps above it:

- `register_export_section(name, fn)` (or `@register(name)`): `fn(user)` returns something
  JSON can hold; it becomes `data[name]` in `my-member-data.json`;
- `register_export_files(name, fn)`: `fn(user)` yields `ExportFile`s (a path inside the ZIP,
  a size and a function that reads the bytes), e.g. casework's case files, decrypted.

`build_zip(user)` puts them together; `services.data_export_request` decides whether it runs
in the request (small accounts, `is_small`) or in the task, and stores the ZIP encrypted
until it is downloaded once or expires.
"""

from __future__ import annotations

import io
import json
import re
import zipfile
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from django.conf import settings
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from portal import crypto

from .models import User

Exporter = Callable[[User], Any]
_exporters: dict[str, Exporter] = {}


def register(name: str) -> Callable[[Exporter], Exporter]:
    def decorator(fn: Exporter) -> Exporter:
        if name in _exporters and _exporters[name] is not fn:
            raise ValueError(f"A data export named {name!r} is already registered.")
        _exporters[name] = fn
        return fn

    return decorator


def register_export_section(name: str, fn: Exporter) -> Exporter:
    """Add `fn(user) -> JSON-able` to the export as `data[name]`."""
    return register(name)(fn)


@dataclass(frozen=True)
class ExportFile:
    """One file in the ZIP: where it goes, how big it is, and how to read it (decrypted)."""

    path: str
    size: int
    read: Callable[[], bytes | None]


FileSource = Callable[[User], Iterable[ExportFile]]
_file_sources: dict[str, FileSource] = {}


def register_export_files(name: str, fn: FileSource) -> FileSource:
    """Add the files `fn(user)` yields to the ZIP (each app under its own folder)."""
    if name in _file_sources and _file_sources[name] is not fn:
        raise ValueError(f"Export files named {name!r} are already registered.")
    _file_sources[name] = fn
    return fn


def export_member_data(user: User) -> dict[str, Any]:
    data: dict[str, Any] = {"exported_at": timezone.now().isoformat()}
    for name, fn in sorted(_exporters.items()):
        data[name] = fn(user)
    return data


def export_files(user: User) -> list[ExportFile]:
    files: list[ExportFile] = []
    for _name, fn in sorted(_file_sources.items()):
        files.extend(fn(user))
    return files


def safe_zip_name(name: str) -> str:
    """A file name that stays inside its folder of the ZIP on every system."""
    name = re.sub(r"[^\w.\- ]+", "_", name or "").strip(" .")
    return name[:120] or "file"


def is_small(user: User) -> bool:
    """Whether the ZIP can be made while the member waits (few, small files); larger ones
    are made by the task and the page says it is being prepared."""
    files = export_files(user)
    max_files = getattr(settings, "DATA_EXPORT_INLINE_MAX_FILES", 10)
    max_bytes = getattr(settings, "DATA_EXPORT_INLINE_MAX_BYTES", 5 * 1024 * 1024)
    return len(files) <= max_files and sum(f.size for f in files) <= max_bytes


README = _("""Everything {union} holds on you, as it was on {date}.

my-member-data.json  your account, membership, contact details and their history,
                     communication preferences and consent history, equality monitoring
                     answers (if you gave any), your cases and their timelines, who opened
                     your cases and your membership record and when, and your sessions.
files/               every file you sent or received on your cases, as it was sent.

Keep this download safe: it holds personal information about you.
""")


@dataclass(frozen=True)
class BuiltZip:
    content: bytes
    file_count: int


def build_zip(user: User) -> BuiltZip:
    data = export_member_data(user)
    listed = []
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        used: set[str] = set()
        for item in export_files(user):
            content = item.read()
            if content is None:
                listed.append({"path": None, "missing": item.path})
                continue
            path = item.path
            stem, dot, ext = path.rpartition(".")
            n = 1
            while path in used:
                n += 1
                path = f"{stem}-{n}.{ext}" if dot else f"{item.path}-{n}"
            used.add(path)
            archive.writestr(path, content)
            listed.append({"path": path, "size": len(content)})
        data["files_in_this_download"] = listed
        archive.writestr(
            "my-member-data.json",
            json.dumps(data, indent=2, ensure_ascii=False, default=str),
        )
        archive.writestr(
            "README.txt",
            README.format(
                union=getattr(settings, "PORTAL_UNION_NAME", "the union"),
                date=timezone.localdate().isoformat(),
            ),
        )
    return BuiltZip(buffer.getvalue(), sum(1 for f in listed if f.get("path")))


# -- where prepared ZIPs wait: encrypted, under PRIVATE_MEDIA_ROOT, never served directly ----


def _export_dir() -> Path:
    return Path(settings.PRIVATE_MEDIA_ROOT) / "exports"


def _export_path(stored_as: str) -> Path | None:
    if not re.fullmatch(r"[0-9a-f-]{36}\.zip\.enc", stored_as or ""):
        return None
    return _export_dir() / stored_as


def export_storage_write(key: str, content: bytes) -> str:
    stored_as = f"{key}.zip.enc"
    folder = _export_dir()
    folder.mkdir(parents=True, exist_ok=True, mode=0o700)
    path = folder / stored_as
    temporary = path.with_suffix(".part")
    temporary.write_bytes(crypto.encrypt_bytes(content))
    temporary.replace(path)
    return stored_as


def export_storage_read(stored_as: str) -> bytes | None:
    path = _export_path(stored_as)
    if path is None or not path.is_file():
        return None
    return crypto.decrypt_bytes(path.read_bytes())


def export_storage_delete(stored_as: str) -> None:
    path = _export_path(stored_as)
    if path is not None:
        path.unlink(missing_ok=True)


def _iso(value):
    return value.isoformat() if value else None


@register("account")
def _account(user: User) -> dict:
    from allauth.account.models import EmailAddress
    from allauth.mfa.models import Authenticator

    return {
        "email": user.email,
        "first_name": user.first_name,
        "last_name": user.last_name,
        "date_joined": _iso(user.date_joined),
        "last_login": _iso(user.last_login),
        "email_addresses": [
            {"email": e.email, "primary": e.primary, "verified": e.verified}
            for e in EmailAddress.objects.filter(user=user)
        ],
        "two_factor_methods": [
            {"type": a.type, "created_at": _iso(a.created_at), "last_used_at": _iso(a.last_used_at)}
            for a in Authenticator.objects.filter(user=user)
        ],
    }


@register("membership")
def _membership(user: User) -> dict | None:
    m = getattr(user, "membership", None)
    if m is None:
        return None
    return {
        "number": m.number,
        "status": m.get_status_display(),
        "status_changed_at": _iso(m.status_changed_at),
        "joined_on": _iso(m.joined_on),
        "section": m.get_section_display(),
        "fee_band": m.get_fee_band_display(),
        "job_role": m.get_job_role_display(),
        "hours": m.get_hours_display(),
        "employer": {
            "name": m.employer.name,
            "type": m.employer.get_kind_display(),
            "town": m.employer.town,
        },
        "workplace_postcode": m.workplace_postcode,
        "nation": m.get_nation_display(),
        "region": m.region.name,
        "workplace_rep": m.is_rep,
    }


@register("communication_preferences")
def _preferences(user: User) -> dict:
    return {
        "current": [
            {
                "kind": c.kind,
                "channel": c.channel,
                "granted": c.granted,
                "changed_at": _iso(c.changed_at),
            }
            for c in user.consents.order_by("kind", "channel")
        ],
        "history": [
            {
                "kind": e.kind,
                "channel": e.channel,
                "granted": e.granted,
                "source": e.source,
                "at": _iso(e.at),
            }
            for e in user.consent_events.order_by("at")
        ],
    }


@register("equality_monitoring")
def _equality(user: User) -> dict | None:
    record = getattr(user, "equality", None)
    if record is None:
        return None
    return {
        "ethnicity": record.get_ethnicity_display(),
        "disability": record.get_disabled_display(),
        "sexual_orientation": record.get_sexual_orientation_display(),
        "trans_history": record.get_trans_display(),
        "networks": record.network_labels(),
        "updated_at": _iso(record.updated_at),
    }


@register("sessions")
def _sessions(user: User) -> list:
    from allauth.usersessions.models import UserSession

    return [
        {
            "ip": s.ip,
            "user_agent": s.user_agent,
            "created_at": _iso(s.created_at),
            "last_seen_at": _iso(s.last_seen_at),
        }
        for s in UserSession.objects.filter(user=user).order_by("created_at")
    ]


@register("contact_details")
def _contact_details(user: User) -> dict | None:
    from .contact import country_name

    record = getattr(user, "contact", None)
    if record is None:
        return None
    return {
        "address_line_1": record.address_line_1,
        "address_line_2": record.address_line_2,
        "address_line_3": record.address_line_3,
        "town": record.town,
        "postcode": record.postcode,
        "country": country_name(record.country) if record.country else "",
        "mobile": record.mobile,
        "updated_at": _iso(record.updated_at),
    }


def _who(person, user: User) -> str:
    if person is None:
        return "someone whose account no longer exists"
    if person.pk == user.pk:
        return "you"
    return person.get_full_name() or "a member of staff"


@register("contact_details_history")
def _contact_history(user: User) -> list:
    """Which field changed, who changed it and when (the old values are not kept)."""
    return [
        {
            "at": _iso(c.at),
            "field": c.get_field_display(),
            "emptied": c.cleared,
            "by": _who(c.actor, user),
        }
        for c in user.contact_changes.select_related("actor").order_by("at", "pk")
    ]


@register("membership_record_access")
def _record_access(user: User) -> list:
    """Who opened the member's record (account, membership, contact details) and when."""
    return [
        {"at": _iso(a.at), "what": a.get_part_display(), "by": _who(a.viewer, user)}
        for a in user.record_accesses.select_related("viewer").order_by("at", "pk")
    ]
