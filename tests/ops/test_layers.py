"""The app graph's layers, as `make lint` checks them (lint-imports, [tool.importlinter] in
pyproject.toml): the real tree keeps every contract, and a copy of the tree with one
forbidden import added fails the build naming the contract it breaks."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tomllib
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
CONFIG = tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["importlinter"]
CONTRACTS = {c["id"]: c["name"] for c in CONFIG["contracts"]}
LINT_IMPORTS = Path(sys.executable).parent / "lint-imports"


def lint_imports(cwd: Path) -> subprocess.CompletedProcess:
    return subprocess.run(  # noqa: S603 - our own tool, fixed arguments
        [str(LINT_IMPORTS), "--config", "pyproject.toml", "--no-cache"],
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=120,
    )


@pytest.fixture
def tree_copy(tmp_path) -> Path:
    """The root packages' Python files and the contract configuration, in a temp dir."""
    for package in CONFIG["root_packages"]:
        top = package.split(".")[0]
        if not (tmp_path / top).exists():
            shutil.copytree(
                ROOT / top,
                tmp_path / top,
                ignore=shutil.ignore_patterns("__pycache__", "templates", "static", "data"),
            )
    shutil.copy(ROOT / "pyproject.toml", tmp_path / "pyproject.toml")
    return tmp_path


def test_the_real_tree_keeps_every_contract():
    result = lint_imports(ROOT)
    assert result.returncode == 0, result.stdout + result.stderr
    for name in CONTRACTS.values():
        assert name in result.stdout
    assert f"Contracts: {len(CONTRACTS)} kept, 0 broken." in result.stdout


@pytest.mark.parametrize(
    ("module", "line", "broken"),
    [
        # A throwaway module in accounts reaching up into casework.
        ("portal/accounts/layer_probe.py", "from casework import models", "accounts-bottom"),
        # Accounts reaching the communications app above it, even lazily inside a function.
        (
            "portal/accounts/layer_probe.py",
            "def f():\n    from portal.communications import notifications",
            "accounts-bottom",
        ),
        (
            "portal/communications/layer_probe.py",
            "import consultations.selectors",
            "communications-independent",
        ),
        # A lower layer importing a higher one that no forbidden contract names.
        ("portal/communications/layer_probe.py", "import events.models", "app-layers"),
        # A service importing its app's tasks: the service-task cycle coming back.
        ("casework/services.py", "from casework import tasks", "tasks-above-services"),
        ("membership/selectors.py", "import membership.tasks", "tasks-above-services"),
    ],
)
def test_a_forbidden_import_fails_the_build_naming_the_contract(tree_copy, module, line, broken):
    path = tree_copy / module
    text = path.read_text() if path.exists() else ""
    path.write_text(text + "\n" + line + "  # noqa\n")

    result = lint_imports(tree_copy)

    assert result.returncode != 0
    assert f"{CONTRACTS[broken]} BROKEN" in " ".join(result.stdout.split())
    importer = module.removesuffix(".py").replace("/", ".")
    assert importer in result.stdout


def test_the_copied_tree_without_a_probe_passes(tree_copy):
    """The failures above come from the probe, not from copying the tree."""
    assert lint_imports(tree_copy).returncode == 0


def test_every_apps_tasks_module_is_forbidden_to_services():
    """A new app's tasks.py is covered too: the contract lists every tasks module there is,
    all but portal.tasks, through which services enqueue by name."""
    contract = next(c for c in CONFIG["contracts"] if c["id"] == "tasks-above-services")
    on_disk = set()
    for top in {p.split(".")[0] for p in CONFIG["root_packages"]}:
        for path in (ROOT / top).rglob("tasks.py"):
            on_disk.add(".".join(path.relative_to(ROOT).with_suffix("").parts))
    on_disk.discard("portal.tasks")
    assert on_disk
    assert set(contract["forbidden_modules"]) == on_disk


def test_a_task_is_found_by_name_before_its_module_was_imported():
    """A web process has imported few tasks modules when a service first names one."""
    probe = (
        "import django; django.setup();"
        "from celery import current_app; from portal.tasks import task_named;"
        "name = 'casework.tasks.refresh_case_flags';"
        "print('registered at start:', name in current_app.tasks);"
        "print('found by name:', task_named(name).name == name)"
    )
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "portal.settings_test"}
    result = subprocess.run(  # noqa: S603 - this interpreter, a fixed probe
        [sys.executable, "-c", probe],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=True,
    )
    assert "registered at start: False" in result.stdout
    assert "found by name: True" in result.stdout
