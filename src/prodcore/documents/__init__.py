"""Production documents: picking list, route card, job card and the production order,
rendered as text, JSON and printable HTML from the data the tables show.

:func:`load_document` reads what a document needs from a store's unit of work.
"""

from __future__ import annotations

from prodcore.documents.build import job_card, picking_list, production_order, route_card
from prodcore.documents.model import Document, Section
from prodcore.documents.render import PAPERS, render_html, render_json, render_text
from prodcore.errors import InvalidValueError
from prodcore.masterdata import MasterData
from prodcore.orders.model import OrderStatus
from prodcore.ports import UnitOfWork

__all__ = [
    "KINDS",
    "PAPERS",
    "Document",
    "Section",
    "job_card",
    "load_document",
    "picking_list",
    "production_order",
    "render_html",
    "render_json",
    "render_text",
    "route_card",
]

#: The document kinds :func:`load_document` builds.
KINDS = ("picking-list", "route-card", "job-card", "production-order")


def load_document(
    uow: UnitOfWork,
    kind: str,
    *,
    order_id: str | None = None,
    centre: str | None = None,
    line_no: int | None = None,
    operation_no: str | None = None,
) -> Document:
    """The document ``kind`` of ``order_id`` (a picking list per ``centre`` covers every
    released order; a job card needs ``operation_no``, and ``line_no`` unless the order
    has one line).

    >>> from prodcore.adapters.memory import InMemoryStore, InMemoryUnitOfWork
    >>> load_document(InMemoryUnitOfWork(InMemoryStore()), "invoice", order_id="PO-1")
    Traceback (most recent call last):
    ...
    prodcore.errors.InvalidValueError: ...
    """
    if kind not in KINDS:
        raise InvalidValueError(field="kind", value=kind, reason=f"one of {', '.join(KINDS)}")
    with uow:
        md = MasterData.lazy(uow.master_data)
        if kind == "picking-list" and centre is not None:
            released = uow.orders.list(status=OrderStatus.RELEASED)
            return picking_list(released, md, uow.ledger, centre=centre)
        if order_id is None:
            raise InvalidValueError(field="order", value=None, reason="name the order")
        order = uow.orders.get(order_id)
        if kind == "picking-list":
            return picking_list([order], md, uow.ledger)
        if kind == "route-card":
            return route_card(order, md)
        if kind == "production-order":
            return production_order(order, md)
        if operation_no is None:
            raise InvalidValueError(field="operation", value=None, reason="a job card needs one")
        line = line_no if line_no is not None else order.lines[0].line_no
        return job_card(order, md, line_no=line, operation_no=operation_no)
