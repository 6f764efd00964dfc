"""Package rules for flywheel_assets/{ingest,demo,feedback,train} (see flywheel_assets_tests/package_rules.py): no
private name or private module imported across modules or reached through a module alias, no import cycle
(function-level imports included), no module over 500 lines; and over the whole of flywheel_assets, no private name
or module imported from another module. (flywheel_assets/privacy has its own test with named size exceptions.)"""

from __future__ import annotations

import ast
import importlib
from pathlib import Path

import pytest

from flywheel_assets_tests.package_rules import Package

PACKAGES = ("ingest", "demo", "feedback", "train")


@pytest.fixture(scope="module", params=PACKAGES)
def pkg(request) -> Package:
    return Package(Path(importlib.import_module(f"flywheel_assets.{request.param}").__file__).parent)


def test_no_private_names_imported_across_modules(pkg):
    assert pkg.private_imports() == []
    assert pkg.private_attributes() == []


def test_no_private_name_or_module_imported_anywhere():
    tree = Package(Path(importlib.import_module("flywheel_assets").__file__).parent)
    assert sorted(set(tree.private_imports() + tree.private_attributes())) == []


def test_no_import_cycle(pkg):
    assert pkg.cycles(True) == []
    assert pkg.cycles(False) == []


def test_no_module_over_500_lines(pkg):
    assert pkg.oversized() == []


def test_checker_sees_absolute_imports_of_the_package(tmp_path):
    """The checker itself on a made-up package: an absolute private import, a function-level cycle, a big module."""
    root = tmp_path / "ingest"
    root.mkdir()
    (root / "__init__.py").write_text("")
    (root / "a.py").write_text("from flywheel_assets.ingest.b import _hidden\n")
    (root / "b.py").write_text("def f():\n    from flywheel_assets.ingest.a import g\n" + "x = 1\n" * 501)
    (root / "_helpers.py").write_text("def load():\n    return 1\n")
    (root / "c.py").write_text("from ._helpers import load\nfrom flywheel_assets.ingest import _helpers as h\n"
                               "import flywheel_assets.ingest._helpers\n")
    p = Package(root)
    assert sorted(p.private_imports()) == ["ingest.a imports _hidden from ingest.b",
                                           "ingest.c imports _helpers from ingest",
                                           "ingest.c imports from private module ingest._helpers",
                                           "ingest.c imports private module ingest._helpers"]
    assert p.cycles(True) == [] and p.cycles(False) == [["ingest.a", "ingest.b", "ingest.a"]]
    assert p.oversized() == ["ingest.b: 503 lines"]
    assert isinstance(p.mods["ingest.a"][0], ast.Module)
