"""The layering the README's "How it works" describes, checked on the source (ast, nothing imported).

Data flows one way: folder → scan → decode → embed (+ faces) → store + index → services → CLI / UI.
So: only album/ui imports Qt; no package imports one above it; no two modules import each other
(also through others, and counting imports inside functions and under TYPE_CHECKING: a circle
that only works because one side imports late is still a circle); and outside a services
package only its `__init__` (its public API) is imported.
"""

from __future__ import annotations

import ast
from pathlib import Path

ALBUM = Path(__file__).resolve().parents[1] / "album"

# Each module's layer, by its first name under album; a module may import its own layer and those below.
LAYERS = {
    **dict.fromkeys(["errors", "config", "progress", "resources", "jsonfiles", "file_names", "disk_space",
                     "priority"], 0),
    **dict.fromkeys(["scan", "media", "models", "faces", "store", "index"], 1),
    "services": 2,
    "library": 3,
    **dict.fromkeys(["cli", "ui"], 4),
    "__main__": 5,
}
LAYER_NAMES = {0: "the base modules", 1: "scan/media/models/faces/store/index", 2: "services", 3: "library",
               4: "cli/ui", 5: "__main__"}
QT = ("PySide6", "shiboken6")


def _module_name(path: Path) -> str:
    parts = list(path.relative_to(ALBUM.parent).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def _sources() -> dict[str, tuple[Path, ast.Module]]:
    return {_module_name(p): (p, ast.parse(p.read_text(), str(p))) for p in sorted(ALBUM.rglob("*.py"))}


SOURCES = _sources()


def _imports(module: str) -> list[tuple[str, int]]:
    """(imported name, line) for every import in `module`: a submodule where `from X import Y` names
    one, else the module itself; relative imports resolved."""
    path, tree = SOURCES[module]
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found += [(alias.name, node.lineno) for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                package = module.split(".") if path.name == "__init__.py" else module.split(".")[:-1]
                base = ".".join(package[:len(package) - node.level + 1] + ([node.module] if node.module else []))
            else:
                base = node.module or ""
            for alias in node.names:
                found.append((f"{base}.{alias.name}" if f"{base}.{alias.name}" in SOURCES else base, node.lineno))
    return found


def _layer(module: str) -> int | None:
    parts = module.split(".")
    return LAYERS.get(parts[1]) if len(parts) > 1 and parts[0] == "album" else None


def test_only_the_ui_imports_qt():
    offenders = [f"{module} (line {line}) imports {name}"
                 for module in SOURCES if not (module + ".").startswith("album.ui.")
                 for name, line in _imports(module) if name.split(".")[0] in QT]
    assert not offenders, "only album/ui may import Qt:\n" + "\n".join(offenders)


def test_every_module_has_a_layer():
    # A new top-level module or package must be placed in LAYERS (and in the README's picture).
    unplaced = sorted(m for m in SOURCES if m != "album" and _layer(m) is None)
    assert not unplaced, f"place these in LAYERS: {unplaced}"


def test_no_package_imports_a_higher_one():
    offenders = []
    for module in SOURCES:
        if module == "album":
            continue  # the package itself: `from album import Library`, imported lazily on first use
        own = _layer(module)
        for name, line in _imports(module):
            theirs = _layer(name)
            if theirs is not None and theirs > own:
                offenders.append(f"{module} (line {line}, {LAYER_NAMES[own]}) imports {name} ({LAYER_NAMES[theirs]})")
    assert not offenders, "imports against the data flow:\n" + "\n".join(offenders)


def test_the_ui_and_the_cli_do_not_import_each_other_backwards():
    # The CLI opens the window (`album gui`); the window never runs CLI code.
    offenders = [f"{module} (line {line}) imports {name}" for module in SOURCES if module.startswith("album.ui")
                 for name, line in _imports(module) if name.startswith("album.cli")]
    assert not offenders, "\n".join(offenders)


def test_no_import_cycles():
    graph = {module: {name for name, _ in _imports(module) if name in SOURCES and name != module}
             for module in SOURCES}
    cycles = _strongly_connected(graph)
    assert not cycles, ("modules that import each other, directly or through one another (move what they share "
                        "to where it belongs):\n" + "\n".join(" <-> ".join(cycle) for cycle in cycles))


def test_a_services_package_is_used_through_its_public_api():
    # album.services.search.query is search's own; the rest of album imports album.services.search.
    offenders = []
    for module in SOURCES:
        for name, line in _imports(module):
            parts = name.split(".")
            if len(parts) > 3 and parts[:2] == ["album", "services"]:
                package = ".".join(parts[:3])
                if not (module + ".").startswith(package + "."):
                    offenders.append(f"{module} (line {line}) imports {name}: import it from {package}")
    assert not offenders, "\n".join(offenders)


def test_each_services_package_names_its_public_api():
    packages = sorted(m for m in SOURCES if m.startswith("album.services.") and m.count(".") == 2
                      and SOURCES[m][0].name == "__init__.py")
    problems = []
    for package in packages:
        tree = SOURCES[package][1]
        if not ast.get_docstring(tree):
            problems.append(f"{package}: no docstring saying what lives there")
        exported = [ast.literal_eval(node.value) for node in tree.body if isinstance(node, ast.Assign)
                    and any(isinstance(t, ast.Name) and t.id == "__all__" for t in node.targets)]
        if not exported:
            problems.append(f"{package}: no __all__")
            continue
        defined = {alias.asname or alias.name for node in tree.body if isinstance(node, ast.ImportFrom)
                   for alias in node.names}
        problems += [f"{package}: __all__ names {name}, which it does not import" for name in exported[0]
                     if name not in defined]
    top = [p for p in (ALBUM / "services").iterdir() if p.name != "__pycache__"]
    assert len(top) <= 10, f"album/services/ has {len(top)} entries: group them into capability packages"
    assert not problems, "\n".join(problems)


def _strongly_connected(graph: dict[str, set[str]]) -> list[list[str]]:
    """Tarjan's algorithm, iterative: the groups of two or more modules that reach each other."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    groups = []
    for root in sorted(graph):
        if root in index:
            continue
        work = [(root, iter(sorted(graph[root])))]
        index[root] = low[root] = len(index)
        stack.append(root)
        on_stack.add(root)
        while work:
            node, children = work[-1]
            child = next(children, None)
            if child is not None:
                if child not in index:
                    index[child] = low[child] = len(index)
                    stack.append(child)
                    on_stack.add(child)
                    work.append((child, iter(sorted(graph[child]))))
                elif child in on_stack:
                    low[node] = min(low[node], index[child])
                continue
            work.pop()
            if work:
                parent = work[-1][0]
                low[parent] = min(low[parent], low[node])
            if low[node] == index[node]:
                group = []
                while True:
                    member = stack.pop()
                    on_stack.discard(member)
                    group.append(member)
                    if member == node:
                        break
                if len(group) > 1:
                    groups.append(sorted(group))
    return sorted(groups)
