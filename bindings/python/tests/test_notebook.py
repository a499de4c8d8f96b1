"""The example notebook runs from top to bottom: its cells draw the CPU grids
and assert the kubelet's rules on every allocation it shows."""

import pathlib

import nbclient
import nbformat

EXAMPLES = pathlib.Path(__file__).resolve().parents[1] / "examples"


def test_explore_cpu_policies_notebook_runs(monkeypatch):
    # The kernel draws with its inline backend; a backend chosen outside would hide the figures.
    monkeypatch.delenv("MPLBACKEND", raising=False)
    notebook = nbformat.read(EXAMPLES / "explore_cpu_policies.ipynb", as_version=4)
    client = nbclient.NotebookClient(notebook, timeout=600, kernel_name="python3", resources={"metadata": {"path": str(EXAMPLES)}})
    client.execute()
    outputs = [out for cell in notebook.cells if cell.cell_type == "code" for out in cell.get("outputs", [])]
    assert not [out for out in outputs if out.output_type == "error"]
    figures = [out for out in outputs if out.output_type == "display_data" and "image/png" in out.data]
    assert len(figures) == 8, "one grid per option set"
    text = "".join(out.get("text", "") for out in outputs if out.output_type == "stream")
    assert "all checks hold" in text
