"""Package rules of the project guide, read from the source with ``ast`` (shared by the packages' structure tests):
no module imports a private (``_name``) name or module from another module or reaches one through a module alias, the
imports form no cycle (module-level ones, and also all imports, function-level included, so a cycle cannot hide
behind an import inside a function), and no module is over the size limit."""

from __future__ import annotations

import ast
from pathlib import Path

MAX_LINES = 500


class Package:
    """The modules of one package (``root`` is its folder), parsed once."""

    def __init__(self, root: Path):
        self.root = root
        self.mods: dict[str, tuple[ast.Module, bool]] = {}
        self.lines: dict[str, int] = {}
        for f in sorted(root.rglob("*.py")):
            parts = f.relative_to(root.parent).with_suffix("").parts
            name = ".".join(parts[:-1] if parts[-1] == "__init__" else parts)
            text = f.read_text(encoding="utf-8")
            self.mods[name] = (ast.parse(text), f.name == "__init__.py")
            self.lines[name] = len(text.splitlines())
        self.prefix = root.name  # the package's own name (absolute imports are matched on the dotted tail)

    def absolute(self, module: str) -> str | None:
        """``flywheel_assets.ingest.sse`` -> ``ingest.sse`` when it names a module of this package."""
        parts = module.split(".")
        if self.prefix in parts:
            return ".".join(parts[parts.index(self.prefix):])
        return None

    def imports(self, module_level_only: bool):
        """(importing module, imported module, ImportFrom node) for each import of this package's modules."""
        for mod, (tree, is_pkg) in self.mods.items():
            nodes = tree.body if module_level_only else ast.walk(tree)
            for node in nodes:
                if not isinstance(node, ast.ImportFrom):
                    continue
                if node.level:
                    yield mod, target(mod, is_pkg, node), node
                elif node.module and self.absolute(node.module):
                    yield mod, self.absolute(node.module), node

    def private_imports(self) -> list[str]:
        """A private name imported from another module (``from .sft import _tool_index``, ``from . import _common``)
        and any import from a private module (``from ._common import load``, ``import pkg._common``)."""
        bad = [f"{mod} imports {n.name} from {t}" for mod, t, node in self.imports(False)
               for n in node.names if is_private(n.name)]
        bad += [f"{mod} imports from private module {t}" for mod, t, _ in self.imports(False)
                if t != mod and any(is_private(p) for p in t.split("."))]
        for mod, (tree, _) in self.mods.items():
            for node in ast.walk(tree):
                if isinstance(node, ast.Import):
                    bad += [f"{mod} imports private module {t}" for a in node.names
                            if (t := self.absolute(a.name)) and any(is_private(p) for p in t.split("."))]
        return bad

    def private_attributes(self) -> list[str]:
        """``gz._TABLE`` through a module alias is the same leak as ``from .gazetteer import _TABLE``."""
        bad = []
        for mod, t, node in self.imports(False):
            for n in node.names:
                if f"{t}.{n.name}" not in self.mods:
                    continue
                alias = n.asname or n.name
                tree = self.mods[mod][0]
                bad += [f"{mod} uses {alias}.{a.attr}" for a in ast.walk(tree) if isinstance(a, ast.Attribute)
                        and isinstance(a.value, ast.Name) and a.value.id == alias and a.attr.startswith("_")
                        and not a.attr.startswith("__")]
        return bad

    def cycles(self, module_level_only: bool) -> list[list[str]]:
        graph: dict[str, set[str]] = {m: set() for m in self.mods}
        for mod, t, node in self.imports(module_level_only):
            for n in node.names:  # "from . import x" names a submodule
                sub = f"{t}.{n.name}"
                graph[mod].add(sub if sub in self.mods else t)
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

    def oversized(self, limit: int = MAX_LINES) -> list[str]:
        return [f"{m}: {n} lines" for m, n in sorted(self.lines.items()) if n > limit]


def is_private(name: str) -> bool:
    """``_common`` / ``_tool_index`` (not a dunder such as ``__init__``)."""
    return name.startswith("_") and not name.startswith("__")


def target(mod: str, is_pkg: bool, node: ast.ImportFrom) -> str:
    """The module a relative ``from ... import`` in ``mod`` names."""
    base = mod.split(".")
    base = base if is_pkg else base[:-1]
    base = base[:len(base) - (node.level - 1)] if node.level > 1 else base
    return ".".join(base + ([node.module] if node.module else []))
