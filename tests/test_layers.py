"""The import contract: layers only point down (ARCHITECTURE.md, DESIGN.md "Layers").

Every module of the package is parsed with ``ast`` and every import it makes is checked,
function-level and ``TYPE_CHECKING`` imports included (a lazy import is still a dependency:
it only hides the cycle until run time).

    base (errors, formatting, atomic, _version)
      <- capture <- (enrich | dissection) <- analysis <- (viz | export | synth) <- ui
      <- the package root (``import workbench as wb``) <- (cli | evaluation)

A module may import its own layer and any layer of a lower rank. Layers of the same rank are
siblings and do not import each other, except the pairs in ``SIDEWAYS``. Besides, no module
imports another module's private (``_name``) names: what a sibling needs is made public
where it belongs.
"""

from __future__ import annotations

import ast
import warnings
from functools import cache
from pathlib import Path

PACKAGE = Path(__file__).resolve().parents[1] / "workbench"

# module prefix -> (layer, rank); the longest matching prefix wins
LAYERS: dict[str, tuple[str, int]] = {
    "workbench._version": ("base", 0),
    "workbench.errors": ("base", 0),
    "workbench.formatting": ("base", 0),
    "workbench.atomic": ("base", 0),
    "workbench.capture": ("capture", 1),  # evidence in: formats, records, decoding, datasets, Dask
    "workbench.enrich": ("enrich", 2),  # knowledge about addresses: geo, ASN, bogons
    "workbench.dissection": ("dissection", 2),  # tshark on a selection: evidence, never a verdict
    "workbench.analysis": ("analysis", 3),  # findings: the vector table, classification, Report
    "workbench.viz": ("viz", 4),  # charts: frame in, chart out
    "workbench.export": ("export", 4),  # files out, read from the Report and the packets
    "workbench.synth": ("synth", 4),  # labelled scenarios, named in the vector table's vocabulary
    "workbench.ui": ("ui", 5),
    # the package root joins the layers into the notebook API (``wb.load``, ``wb.analyze``,
    # ``wb.dissect`` with the vector table's fields); the command line and the evaluation use it
    "workbench": ("root", 6),
    "workbench.cli": ("cli", 7),
    "workbench.evaluation": ("evaluation", 7),
}

# Sibling imports that are allowed. export -> viz: the HTML report embeds the very charts the
# dashboard draws (one chart builder, two media); viz never imports export.
SIDEWAYS = {("export", "viz")}

# Upward imports still being removed, each with the engineer removing it; nothing may be added.
# Empty since report.py gives dissection its fields and Report.to_html left the model.
ALLOWED_UPWARD: dict[tuple[str, str], str] = {}

# Private names imported from another module, each with the engineer removing it.
ALLOWED_PRIVATE: dict[tuple[str, str], str] = {}  # empty: synth split its modules to clear its own


def _module_name(path: Path) -> str:
    parts = list(path.relative_to(PACKAGE.parent).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


@cache
def _modules() -> dict[str, Path]:
    return {_module_name(p): p for p in sorted(PACKAGE.rglob("*.py"))}


def _is_module(name: str) -> bool:
    return name in _modules()


def _layer(module: str) -> tuple[str, int]:
    best = max((prefix for prefix in LAYERS if module == prefix or module.startswith(prefix + ".")), key=len)  # fmt: skip
    return LAYERS[best]


def _imports(module: str, path: Path) -> list[tuple[str, list[str], int]]:
    """(imported module, names taken from it, line) for every workbench import in a module."""
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    package = module if path.name == "__init__.py" else module.rpartition(".")[0]
    out = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            out += [(a.name, [], node.lineno) for a in node.names if a.name.split(".")[0] == "workbench"]  # fmt: skip
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:  # relative: from the package, up level - 1 packages
                anchor = package.split(".")[: len(package.split(".")) - node.level + 1]
                base = ".".join([*anchor, *([base] if base else [])])
            if base.split(".")[0] != "workbench":
                continue
            names = [a.name for a in node.names]
            # ``from workbench.pkg import sub`` imports the submodule ``sub`` itself
            subs = [f"{base}.{n}" for n in names if _is_module(f"{base}.{n}")]
            rest = [n for n in names if not _is_module(f"{base}.{n}")]
            out += [(s, [], node.lineno) for s in subs]
            if rest or not subs:
                out.append((base, rest, node.lineno))
    return out


def _allowed(importer: str, imported: str) -> bool:
    (mine, my_rank), (theirs, their_rank) = _layer(importer), _layer(imported)
    return mine == theirs or their_rank < my_rank or (mine, theirs) in SIDEWAYS


def _listed(allowlist: dict, importer: str, imported: str) -> bool:
    return any(
        (importer == a or importer.startswith(a + ".")) and (imported == b or imported.startswith(b + "."))
        for a, b in allowlist
    )  # fmt: skip


def _upward() -> list[tuple[str, str, int]]:
    return [
        (module, imported, line)
        for module, path in _modules().items()
        for imported, _, line in _imports(module, path)
        if not _allowed(module, imported)
    ]


def test_every_module_has_a_layer() -> None:
    assert {_layer(m)[0] for m in _modules()} <= {layer for layer, _ in LAYERS.values()}
    for package in (p for p in PACKAGE.iterdir() if p.is_dir() and (p / "__init__.py").exists()):
        assert f"workbench.{package.name}" in LAYERS, f"{package.name}/ has no layer in LAYERS"


def test_every_import_names_a_module_that_exists() -> None:
    """A moved module leaves no importer behind (``workbench.cluster`` is ``capture.cluster``)."""
    missing = [
        f"{module}:{line} imports {imported}"
        for module, path in _modules().items()
        for imported, _, line in _imports(module, path)
        if not _is_module(imported)
    ]
    assert not missing, "imports of modules that do not exist:\n" + "\n".join(missing)


def test_imports_only_point_down() -> None:
    found = [
        f"{module}:{line} imports {imported} ({_layer(module)[0]} -> {_layer(imported)[0]})"
        for module, imported, line in _upward()
        if not _listed(ALLOWED_UPWARD, module, imported)
    ]
    assert not found, "imports pointing up or sideways:\n" + "\n".join(found)


def test_the_allowlist_only_shrinks() -> None:
    """An entry whose import is gone should leave the list, so the list says what is left to do
    (a warning, not a failure: the engineer removing an import need not edit this file)."""
    upward = _upward()
    stale = [
        pair for pair in ALLOWED_UPWARD
        if not any(_listed({pair: ""}, module, imported) for module, imported, _ in upward)
    ]  # fmt: skip
    if stale:
        warnings.warn(f"no longer needed, remove from ALLOWED_UPWARD: {stale}", stacklevel=1)


def test_no_module_imports_private_names_of_another() -> None:
    found = [
        f"{module}:{line} imports {name} from {imported}"
        for module, path in _modules().items()
        for imported, names, line in _imports(module, path)
        if imported != module
        for name in names
        if name.startswith("_") and not name.startswith("__")
        if not _listed(ALLOWED_PRIVATE, module, imported)
    ]
    assert not found, "private names used across modules:\n" + "\n".join(found)


def test_the_checker_sees_function_level_and_relative_imports(tmp_path) -> None:
    """The parser itself: a lazy import inside a function counts, and so does a relative one."""
    source = (
        "def f():\n    from workbench.analysis import classify\n\nfrom .schema import COLUMNS\n"
    )
    path = PACKAGE / "capture" / "reader.py"
    tree = ast.parse(source)
    assert any(
        isinstance(n, ast.ImportFrom) and n.module == "workbench.analysis" for n in ast.walk(tree)
    )
    fake = tmp_path / "reader.py"
    fake.write_text(source)
    found = {imported for imported, _, _ in _imports("workbench.capture.reader", fake)}
    assert {"workbench.analysis", "workbench.capture.schema"} <= found, found
    assert not _allowed("workbench.capture.reader", "workbench.analysis")
    assert not _allowed("workbench.dissection", "workbench.analysis.vector_table")
    assert not _allowed("workbench.viz.rates", "workbench.export.escaping")
    assert _allowed("workbench.export.html_report", "workbench.viz")
    assert not _allowed("workbench.enrich.geo", "workbench.dissection")
    assert _allowed("workbench.cli", "workbench.ui") and path.exists()
