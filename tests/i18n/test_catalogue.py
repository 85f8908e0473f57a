"""Every string marked for translation has its Welsh: makemessages, run on a copy of the
tree, finds nothing missing, empty or fuzzy in locale/cy/LC_MESSAGES/django.po."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

from django.conf import settings

from tests.i18n.catalogue import parse

SKIP = {".git", ".venv", "node_modules", "var", "staticfiles", ".pytest_cache", ".ruff_cache"}


def test_makemessages_finds_nothing_untranslated(tmp_path):
    root = Path(settings.BASE_DIR)
    copy = tmp_path / "tree"
    shutil.copytree(
        root,
        copy,
        ignore=lambda directory, names: [n for n in names if n in SKIP or n.endswith(".mo")],
        symlinks=True,
    )
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "portal.settings_test"}
    subprocess.run(
        [sys.executable, "manage.py", "makemessages_cy", "--verbosity", "0"],
        cwd=copy,
        env=env,
        check=True,
        capture_output=True,
    )
    entries = parse(copy / "locale" / "cy" / "LC_MESSAGES" / "django.po")
    committed = {e.msgid for e in parse(root / "locale" / "cy" / "LC_MESSAGES" / "django.po")}
    missing = sorted(e.msgid for e in entries if e.msgid not in committed)
    untranslated = sorted(e.msgid for e in entries if not e.translated)
    assert not missing, f"{len(missing)} strings not in django.po (make messages): {missing[:20]}"
    assert not untranslated, (
        f"{len(untranslated)} strings without Welsh (or fuzzy): {untranslated[:20]}"
    )


def test_the_catalogue_compiles_with_its_placeholders_checked():
    po = Path(settings.BASE_DIR) / "locale" / "cy" / "LC_MESSAGES" / "django.po"
    result = subprocess.run(
        ["msgfmt", "--check-format", "-o", os.devnull, str(po)], capture_output=True, text=True
    )
    assert result.returncode == 0, result.stderr
    header = po.read_text(encoding="utf-8")
    assert "Plural-Forms: nplurals=4;" in header
