"""Every notebook in notebooks/ runs top to bottom in a fresh kernel (nbclient), with its own assertions."""

from __future__ import annotations

from pathlib import Path

import nbformat
import pytest
from nbclient import NotebookClient

NOTEBOOKS = sorted((Path(__file__).resolve().parents[1] / "notebooks").glob("*.ipynb"))


def test_the_three_walkthroughs_exist():
    assert [p.name for p in NOTEBOOKS] == ["01_quickstart.ipynb", "02_paper_study_simulated.ipynb",
                                           "03_custom_domain.ipynb"]


@pytest.mark.parametrize("path", [pytest.param(p, marks=pytest.mark.embedded) if "quickstart" in p.name else p
                                  for p in NOTEBOOKS], ids=lambda p: p.stem)
def test_notebook_runs(path):
    notebook = nbformat.read(path, as_version=4)
    NotebookClient(notebook, timeout=900, kernel_name="python3",
                   resources={"metadata": {"path": str(path.parent)}}).execute()
    errors = [o for c in notebook.cells if c.cell_type == "code" for o in c.get("outputs", [])
              if o.get("output_type") == "error"]
    assert not errors
