"""Export an executed report notebook to the leaders' HTML through nbconvert.

Our own template (``templates/audit``): no code cells, no prompts, the setup and
parameters cells removed (by tag), no script of any kind, the stylesheet inline,
``lang="zh-CN"``, an A4 print layout and a header with the place, the as-of date,
the days left to 30 June, the run id and the data fingerprint.
"""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

__all__ = ["REMOVE_TAGS", "export_html"]

TEMPLATES = Path(__file__).with_name("templates")
CSS = Path(__file__).with_name("report.css")
#: Cells with these tags never reach a report.
REMOVE_TAGS = {"parameters", "injected-parameters", "setup", "remove-cell"}


def _drop_streams(nb) -> None:
    """Remove stdout/stderr streams (warnings, logs) from code cell outputs."""
    for cell in nb.cells:
        if cell.cell_type == "code":
            cell.outputs = [o for o in cell.outputs if o.get("output_type") != "stream"]


def export_html(notebook: str | Path, html_path: str | Path, header: dict) -> Path:
    """Write the report HTML of an executed notebook.

    Parameters
    ----------
    notebook : str or Path
        The executed notebook.
    html_path : str or Path
        Where to write (atomically).
    header : dict
        Fields of the header (see :meth:`audit.report.context.ReportContext.header`).

    Returns
    -------
    Path
    """
    import nbformat  # imported here: nbformat's validator takes seconds to import
    from nbconvert import HTMLExporter
    from nbconvert.preprocessors import TagRemovePreprocessor

    nb = nbformat.read(str(notebook), as_version=4)
    _drop_streams(nb)
    exporter = HTMLExporter(template_name="audit", extra_template_basedirs=[str(TEMPLATES)])
    exporter.exclude_input = True
    exporter.exclude_input_prompt = True
    exporter.exclude_output_prompt = True
    exporter.anchor_link_text = ""
    exporter.register_preprocessor(
        TagRemovePreprocessor(remove_cell_tags=REMOVE_TAGS, enabled=True), enabled=True
    )
    resources = {"audit": {**header, "css": CSS.read_text(encoding="utf-8")}}
    body, _ = exporter.from_notebook_node(nb, resources=resources)
    html_path = Path(html_path)
    html_path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=".report.", suffix=".html", dir=html_path.parent)
    with os.fdopen(fd, "w", encoding="utf-8") as fh:
        fh.write(body)
    os.chmod(tmp, 0o644)
    os.replace(tmp, html_path)
    return html_path
