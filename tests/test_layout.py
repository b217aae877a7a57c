"""`graphs`, `nodes`, `tools` are generic import names: make sure they are this repository's."""

from pathlib import Path

import graphs
import memory_store
import nodes
import sale
import tools

ROOT = Path(__file__).resolve().parents[1]


def test_generic_packages_resolve_to_this_repository():
    for package in (graphs, nodes, tools, memory_store, sale):
        assert Path(package.__file__).resolve().parent.parent == ROOT, package.__file__


def test_langgraph_json_names_both_graphs():
    import json

    config = json.loads((ROOT / "langgraph.json").read_text())
    assert set(config["graphs"]) == {"auction", "executor"}


# Layers, lowest first. A module may import its own layer and lower ones, never a higher one:
# apps -> bench -> analysis -> sim -> graphs (wiring) -> nodes -> graph schema -> suites -> local -> tools
# -> memory_store -> core. The graph schema (state, context, live objects) is one layer: nodes read it.
LAYERS = (
    ("core", ("sale.core",)),
    ("memory", ("memory_store",)),
    ("tools", ("tools",)),
    ("local models", ("sale.local",)),
    ("suites", ("sale.suites",)),
    ("graph schema", ("graphs.state", "graphs.context", "graphs.live")),
    ("nodes", ("nodes",)),
    ("graph wiring", ("graphs",)),
    ("simulator", ("sale.sim",)),
    ("analysis", ("sale.analysis",)),
    ("benchmark", ("sale.bench",)),
    ("apps", ("sale.apps",)),
)
PACKAGES = ("sale", "graphs", "nodes", "tools", "memory_store")


def layer_of(module: str) -> tuple[int, str] | None:
    """(rank, layer) of a project module, the longest matching layer prefix winning (graphs.live before graphs)."""
    best, longest = None, 0
    for rank, (layer, prefixes) in enumerate(LAYERS):
        for prefix in prefixes:
            if (module == prefix or module.startswith(prefix + ".")) and len(prefix) > longest:
                best, longest = (rank, layer), len(prefix)
    return best


def project_imports(path: Path) -> set[str]:
    """Every project module the file imports, lazy (in-function) and relative imports included; ``from pkg import
    mod`` counts as ``pkg.mod``."""
    import ast

    here = module_name(path).split(".")
    package = here if path.name == "__init__.py" else here[:-1]
    found = set()
    for node in ast.walk(ast.parse(path.read_text(), str(path))):
        if isinstance(node, ast.Import):
            names = [a.name for a in node.names]
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                base = ".".join([*package[: len(package) - node.level + 1], *([base] if base else [])])
            names = [f"{base}.{a.name}" if is_module(f"{base}.{a.name}") else base for a in node.names]
        else:
            continue
        found.update(n for n in names if n.split(".")[0] in PACKAGES)
    return found


def is_module(dotted: str) -> bool:
    path = ROOT.joinpath(*dotted.split("."))
    return path.with_suffix(".py").is_file() or (path / "__init__.py").is_file()


def module_name(path: Path) -> str:
    parts = path.relative_to(ROOT).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def source_files() -> list[Path]:
    return sorted(p for package in PACKAGES for p in (ROOT / package).rglob("*.py"))


def test_layer_table_covers_every_module():
    unplaced = [module_name(p) for p in source_files() if module_name(p) != "sale" and layer_of(module_name(p)) is None]
    assert not unplaced, f"modules in no layer (add them to LAYERS or move them): {unplaced}"


def wrong_way_imports(paths: list[Path]) -> list[str]:
    wrong = []
    for path in paths:
        mine = layer_of(module_name(path))
        for imported in project_imports(path):
            theirs = layer_of(imported)
            if mine is None or theirs is None or theirs[1] == mine[1]:
                continue
            if theirs[0] >= mine[0]:
                wrong.append(f"{module_name(path)} ({mine[1]}) imports {imported} ({theirs[1]})")
    return sorted(set(wrong))


def test_dependencies_point_one_way():
    wrong = wrong_way_imports(source_files())
    assert not wrong, "imports against the layering:\n" + "\n".join(wrong)


def test_the_checker_sees_wrong_way_imports():
    node = ROOT / "nodes" / "zz_layout_probe.py"
    node.write_text("from graphs import state\nfrom . import bid\n\n\ndef f():\n    import graphs.auction as wiring\n"
                    "    from ..sale.apps import cli\n")
    try:
        found = project_imports(node)
        wrong = wrong_way_imports([node])
    finally:
        node.unlink()
    assert {"graphs.state", "nodes.bid", "graphs.auction", "sale.apps.cli"} <= found
    assert wrong == ["nodes.zz_layout_probe (nodes) imports graphs.auction (graph wiring)",
                     "nodes.zz_layout_probe (nodes) imports sale.apps.cli (apps)"]


def test_sale_has_no_loose_modules():
    assert [p.name for p in (ROOT / "sale").glob("*.py")] == ["__init__.py"]


MAX_LINES = 330  # "about 300"


def test_no_module_is_much_over_300_lines():
    long = {module_name(p): n for p in source_files() if (n := len(p.read_text().splitlines())) > MAX_LINES}
    assert not long, f"split these into modules of one idea each: {long}"
