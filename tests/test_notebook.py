"""The what-if notebook runs top to bottom (executed in CI so it never rots)."""

from __future__ import annotations

import sys
from pathlib import Path

import nbformat
from nbclient import NotebookClient

ROOT = Path(__file__).resolve().parents[1]
NOTEBOOK = ROOT / "docs" / "notebooks" / "what-if.ipynb"


def test_the_what_if_notebook_runs_top_to_bottom():
    notebook = nbformat.read(NOTEBOOK, as_version=4)
    # A last cell, run only here, proves the kernel is this interpreter's own ipykernel
    # (jupyter_client's native python3 kernel): no `ipykernel install` is needed.
    notebook.cells.append(nbformat.v4.new_code_cell("import sys; print(sys.prefix)"))
    client = NotebookClient(notebook, timeout=600, kernel_name="python3",
                            resources={"metadata": {"path": str(ROOT)}})
    client.execute()  # raises CellExecutionError naming the failing cell
    outputs = [o for cell in notebook.cells if cell.cell_type == "code" for o in cell.outputs]
    assert not [o for o in outputs if o.output_type == "error"]
    assert sum("image/png" in o.get("data", {}) for o in outputs) >= 3  # the three questions' plots
    assert any("Comparison" in o.get("data", {}).get("text/plain", "") for o in outputs)
    assert notebook.cells[-1].outputs[0]["text"].strip() == sys.prefix
