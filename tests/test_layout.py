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
    """Every project module the file imports, lazy (in-function) imports included."""
    import ast

    found = set()
    for node in ast.walk(ast.parse(path.read_text(), str(path))):
        if isinstance(node, ast.Import):
            names = [a.name for a in node.names]
        elif isinstance(node, ast.ImportFrom) and node.module and not node.level:
            names = [node.module, *(f"{node.module}.{a.name}" for a in node.names)]
        else:
            continue
        found.update(n for n in names if n.split(".")[0] in PACKAGES)
    return found


def module_name(path: Path) -> str:
    parts = path.relative_to(ROOT).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def source_files() -> list[Path]:
    return sorted(p for package in PACKAGES for p in (ROOT / package).rglob("*.py"))


def test_layer_table_covers_every_module():
    unplaced = [module_name(p) for p in source_files() if module_name(p) != "sale" and layer_of(module_name(p)) is None]
    assert not unplaced, f"modules in no layer (add them to LAYERS or move them): {unplaced}"


def test_dependencies_point_one_way():
    wrong = []
    for path in source_files():
        mine = layer_of(module_name(path))
        for imported in project_imports(path):
            theirs = layer_of(imported)
            if mine is None or theirs is None or theirs[1] == mine[1]:
                continue
            if theirs[0] >= mine[0]:
                wrong.append(f"{module_name(path)} ({mine[1]}) imports {imported} ({theirs[1]})")
    assert not wrong, "imports against the layering:\n" + "\n".join(sorted(set(wrong)))


def test_the_checker_sees_a_wrong_way_import(tmp_path):
    bad = tmp_path / "bad.py"
    bad.write_text("def f():\n    from graphs.auction import graph\n    import sale.apps.cli\n")
    assert {"graphs.auction", "sale.apps.cli"} <= project_imports(bad)
    assert layer_of("graphs.auction")[0] > layer_of("nodes.bid")[0]
    assert layer_of("graphs.context")[0] < layer_of("nodes.bid")[0]


def test_sale_has_no_loose_modules():
    assert [p.name for p in (ROOT / "sale").glob("*.py")] == ["__init__.py"]


MAX_LINES = 330  # "about 300"


def test_no_module_is_much_over_300_lines():
    long = {module_name(p): n for p in source_files() if (n := len(p.read_text().splitlines())) > MAX_LINES}
    assert not long, f"split these into modules of one idea each: {long}"
