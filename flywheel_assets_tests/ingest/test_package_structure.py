"""Package rules for flywheel_assets/ingest (see flywheel_assets_tests/package_rules.py): no private name imported
across modules, no import cycle (function-level imports included), no module over 500 lines."""

from __future__ import annotations

import ast
from pathlib import Path

import flywheel_assets.ingest as pkg
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


def test_checker_sees_absolute_imports_of_the_package(tmp_path):
    """The checker itself on a made-up package: an absolute private import, a function-level cycle, a big module."""
    root = tmp_path / "ingest"
    root.mkdir()
    (root / "__init__.py").write_text("")
    (root / "a.py").write_text("from flywheel_assets.ingest.b import _hidden\n")
    (root / "b.py").write_text("def f():\n    from flywheel_assets.ingest.a import g\n" + "x = 1\n" * 501)
    p = Package(root)
    assert p.private_imports() == ["ingest.a imports _hidden from ingest.b"]
    assert p.cycles(True) == [] and p.cycles(False) == [["ingest.a", "ingest.b", "ingest.a"]]
    assert p.oversized() == ["ingest.b: 503 lines"]
    assert isinstance(p.mods["ingest.a"][0], ast.Module)
