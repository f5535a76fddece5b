"""What a production document holds: header fields and sections of rows, as text.

Every renderer (text, JSON, HTML) renders this one structure, so the printed page and
the tables show the same data.

>>> doc = Document("picking-list", "Picking list", "PO-1", fields=(("Order", "PO-1"),),
...                sections=(Section("To bin LINE", ("Item", "Qty"), (("COMP", "110"),)),))
>>> doc.to_dict()["sections"][0]["rows"]
[['COMP', '110']]
"""

from __future__ import annotations

from typing import Any

import attrs

from prodcore.numbers import tuple_of

__all__ = ["Document", "Section"]


@attrs.frozen
class Section:
    """A titled table; ``blank_rows`` empty rows follow, to be filled in by hand."""

    title: str
    columns: tuple[str, ...]
    rows: tuple[tuple[str, ...], ...] = ()
    blank_rows: int = 0

    def to_dict(self) -> dict[str, Any]:
        return {
            "title": self.title,
            "columns": list(self.columns),
            "rows": [list(r) for r in self.rows],
            "blank_rows": self.blank_rows,
        }


@attrs.frozen
class Document:
    """A production document: its ``kind`` (``picking-list``, ``route-card``,
    ``job-card``, ``production-order``), title, the order it is about (or the centre of
    a picking list per centre), header fields and sections."""

    kind: str
    title: str
    subject: str
    fields: tuple[tuple[str, str], ...] = ()
    sections: tuple[Section, ...] = attrs.field(default=(), validator=tuple_of(Section))

    def to_dict(self) -> dict[str, Any]:
        return {
            "kind": self.kind,
            "title": self.title,
            "subject": self.subject,
            "fields": [{"label": k, "value": v} for k, v in self.fields],
            "sections": [s.to_dict() for s in self.sections],
        }
