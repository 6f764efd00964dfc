"""Package rules for flywheel_assets/demo (see flywheel_assets_tests/package_rules.py): no private name imported
across modules, no import cycle (function-level imports included), no module over 500 lines."""

from __future__ import annotations

from pathlib import Path

import flywheel_assets.demo as pkg
from flywheel_assets_tests.package_rules import Package

PKG = Package(Path(pkg.__file__).parent)


def test_no_private_names_imported_across_modules():
    assert PKG.private_imports() == []
    assert PKG.private_attributes() == []


def test_no_import_cycle():
    assert PKG.cycles(True) == []
    assert PKG.cycles(False) == []


def test_no_module_over_500_lines():
    assert PKG.oversized() == []
