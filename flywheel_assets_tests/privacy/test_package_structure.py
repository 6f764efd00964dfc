"""Package rules for flywheel_assets/privacy (read from the source with ``ast``): no module imports a private
(``_name``) name from another module, and the imports form no cycle: module-level ones, and also all imports
(function-level included), so a cycle cannot hide behind an import inside a function."""

from __future__ import annotations

import ast
from pathlib import Path

import flywheel_assets.privacy as pkg

ROOT = Path(pkg.__file__).parent


def _modules() -> dict[str, ast.Module]:
    out = {}
    for f in sorted(ROOT.rglob("*.py")):
        parts = f.relative_to(ROOT.parent).with_suffix("").parts
        name = ".".join(parts[:-1] if parts[-1] == "__init__" else parts)
        out[name] = (ast.parse(f.read_text(encoding="utf-8")), f.name == "__init__.py")
    return out


def _target(mod: str, is_pkg: bool, node: ast.ImportFrom) -> str:
    base = mod.split(".")
    base = base if is_pkg else base[:-1]
    base = base[:len(base) - (node.level - 1)] if node.level > 1 else base
    return ".".join(base + ([node.module] if node.module else []))


def _imports(mods, module_level_only: bool):
    for mod, (tree, is_pkg) in mods.items():
        nodes = tree.body if module_level_only else ast.walk(tree)
        for node in nodes:
            if isinstance(node, ast.ImportFrom) and node.level:
                yield mod, _target(mod, is_pkg, node), node


def test_no_private_names_imported_across_modules():
    bad = [f"{mod} imports {n.name} from {target}" for mod, target, node in _imports(_modules(), False)
           for n in node.names if n.name.startswith("_") and not n.name.startswith("__")]
    assert bad == [], "\n".join(bad)


def _cycles(module_level_only: bool) -> list[list[str]]:
    mods = _modules()
    graph: dict[str, set[str]] = {m: set() for m in mods}
    for mod, target, node in _imports(mods, module_level_only):
        for n in node.names:  # "from . import x" names a submodule
            sub = f"{target}.{n.name}"
            graph[mod].add(sub if sub in mods else target)
    state: dict[str, int] = {}
    cycles = []

    def visit(m, path):
        state[m] = 1
        for t in sorted(graph.get(m, ())):
            if t not in graph or t == m:
                continue
            if state.get(t) == 1:
                cycles.append(path[path.index(t):] + [t])
            elif t not in state:
                visit(t, path + [t])
        state[m] = 2

    for m in sorted(graph):
        if m not in state:
            visit(m, [m])
    return cycles


def test_module_level_imports_have_no_cycle():
    assert _cycles(True) == []


def test_all_imports_including_function_level_have_no_cycle():
    """An import inside a function still ties two modules together: the whole graph must be a DAG."""
    assert _cycles(False) == []


def test_cycle_check_sees_function_level_imports():
    """The checker itself: a function-level import that closes a loop is found (parsed from a made-up source)."""
    tree = ast.parse("def f():\n    from .b import g\n")
    found = [(_target("p.a", False, n), n.names[0].name) for n in ast.walk(tree) if isinstance(n, ast.ImportFrom)]
    assert found == [("p.b", "g")]
    assert [n for n in tree.body if isinstance(n, ast.ImportFrom)] == []  # invisible to a module-level-only scan


def test_no_private_attribute_of_another_module():
    """``gz._TABLE`` through a module alias is the same leak as ``from .gazetteer import _TABLE``."""
    mods = _modules()
    bad = []
    for mod, target, node in _imports(mods, False):
        for n in node.names:
            if f"{target}.{n.name}" not in mods:
                continue
            alias = n.asname or n.name
            tree = mods[mod][0]
            bad += [f"{mod} uses {alias}.{a.attr}" for a in ast.walk(tree) if isinstance(a, ast.Attribute)
                    and isinstance(a.value, ast.Name) and a.value.id == alias and a.attr.startswith("_")
                    and not a.attr.startswith("__")]
    assert bad == [], "\n".join(bad)
