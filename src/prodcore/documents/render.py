"""Renderers of a :class:`~prodcore.documents.model.Document`: text, JSON and printable
HTML (Jinja2, from the ``documents`` extra) with a print stylesheet for A4 or Letter.

>>> from prodcore.documents.model import Document, Section
>>> doc = Document("route-card", "Route card", "PO-1", (("Order", "PO-1"),),
...                (Section("Line 10000", ("Op", "Centre"), (("10", "ASSY"),)),))
>>> print(render_text(doc))
Route card PO-1
Order: PO-1
<BLANKLINE>
Line 10000
Op  Centre
--  ------
10  ASSY
>>> "<td>ASSY</td>" in render_html(doc, paper="Letter")
True
"""

from __future__ import annotations

import json
from importlib import resources

from prodcore.documents.model import Document
from prodcore.errors import InvalidValueError
from prodcore.reports.tables import table

__all__ = ["PAPERS", "render_html", "render_json", "render_text"]

#: The paper sizes the print stylesheet lays out for.
PAPERS = ("A4", "Letter")


def render_text(doc: Document) -> str:
    """Plain text: the title, the fields, then one table per section."""
    parts = [f"{doc.title} {doc.subject}", *(f"{k}: {v}" for k, v in doc.fields)]
    for s in doc.sections:
        rows = [*s.rows, *([("",) * len(s.columns)] * s.blank_rows)]
        parts.append("\n" + table(list(s.columns), rows, title=s.title))
    return "\n".join(parts)


def render_json(doc: Document) -> str:
    return json.dumps(doc.to_dict(), indent=2, ensure_ascii=False)


def render_html(doc: Document, *, paper: str = "A4") -> str:
    """A printable HTML page (Jinja2, autoescaped) with the print stylesheet."""
    if paper not in PAPERS:
        raise InvalidValueError(field="paper", value=paper, reason=f"one of {', '.join(PAPERS)}")
    try:
        import jinja2
    except ImportError as err:  # pragma: no cover - the extra is installed in the tests
        raise ImportError("HTML documents need Jinja2: pip install 'prodcore[documents]'") from err
    templates = resources.files("prodcore.documents").joinpath("templates")
    env = jinja2.Environment(autoescape=True, undefined=jinja2.StrictUndefined)
    template = env.from_string(templates.joinpath("document.html.j2").read_text("utf-8"))
    css = templates.joinpath("print.css").read_text("utf-8")
    return template.render(doc=doc, css=css, paper=paper)
