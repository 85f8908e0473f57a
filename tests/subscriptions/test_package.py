"""The package's top level re-exports the names the rest of the portal imports."""

from pathlib import Path

import subscriptions.bacs as bacs


def test_reexports():
    for name in bacs.__all__:
        assert hasattr(bacs, name), name
    assert bacs.check("00-00-00", "12345678").valid is False
    assert bacs.parse_standard18.__module__ == "subscriptions.bacs.standard18"
    assert bacs.parse_report.__module__ == "subscriptions.bacs.reports"


def test_plain_python_without_django():
    for path in Path(bacs.__file__).parent.glob("*.py"):
        text = path.read_text(encoding="utf-8")
        assert "import django" not in text and "from django" not in text, path.name
