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
