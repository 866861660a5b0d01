"""A notebook run as reports and notebook tasks run it waits for its kernel in slices."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import nbformat
import pytest

from madlab.pipelines import kernels
from madlab.pipelines.report import execute_template


def test_a_report_run_waits_for_its_kernel_in_slices(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    waits: list[float | None] = []
    sliced = kernels.SlicedChannel.get_msg

    async def counted(self: kernels.SlicedChannel, timeout: float | None = None) -> Any:
        waits.append(timeout)
        return await sliced(self, timeout)

    monkeypatch.setattr(kernels.SlicedChannel, "get_msg", counted)
    notebook = nbformat.v4.new_notebook()
    notebook.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3"}
    notebook.cells = [
        nbformat.v4.new_code_cell("value = 2", metadata={"tags": ["parameters"]}),
        nbformat.v4.new_code_cell("import time\ntime.sleep(1.5)\nprint(value * 21)"),
    ]
    source = tmp_path / "report.ipynb"
    nbformat.write(notebook, source)
    executed = execute_template(source, tmp_path / "out" / "report.ipynb", {"value": 3})
    outputs = nbformat.read(executed, as_version=4).cells[-1].outputs
    assert outputs[0]["text"].strip() == "63"
    assert waits  # the replies came through the sliced channels
