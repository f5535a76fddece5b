"""Status profiles: the statuses a host sees, over the same ledger.

Business Central's five statuses are the default (:data:`prodcore.orders.lifecycle.TRANSITIONS`).
A host that follows D365 creates its orders with the D365 profile: the order then shows a
:class:`~prodcore.orders.model.D365Status`, each standing on one of the ledger's statuses
(Created, Estimated and Scheduled on Firm Planned; Released, Started and Reported as
finished on Released; Ended on Finished), and moves by the table below.

>>> for src, dst in sorted(D365_TRANSITIONS, key=lambda t: (t[0].rank, t[1].rank)):
...     kind = "reset" if (src, dst) in D365_RESETS else "forward"
...     print(f"{src.value:>20} -> {dst.value} ({kind})")
             CREATED -> ESTIMATED (forward)
             CREATED -> SCHEDULED (forward)
             CREATED -> RELEASED (forward)
           ESTIMATED -> CREATED (reset)
           ESTIMATED -> SCHEDULED (forward)
           ESTIMATED -> RELEASED (forward)
           SCHEDULED -> ESTIMATED (reset)
           SCHEDULED -> RELEASED (forward)
            RELEASED -> SCHEDULED (reset)
            RELEASED -> STARTED (forward)
             STARTED -> RELEASED (reset)
             STARTED -> STARTED (forward)
             STARTED -> REPORTED_AS_FINISHED (forward)
REPORTED_AS_FINISHED -> STARTED (reset)
REPORTED_AS_FINISHED -> REPORTED_AS_FINISHED (forward)
REPORTED_AS_FINISHED -> ENDED (forward)

Forward, an order may skip the planning steps up to Released (D365 runs them on the
way); from there it is started (again, for more quantity), reported as finished (again,
for more output) and ended. Reset status goes back one step at a time, as D365 does.
"""

from __future__ import annotations

from typing import Final

from prodcore.orders.model import D365Status

__all__ = ["D365_RESETS", "D365_TRANSITIONS"]

D = D365Status

#: One step back (D365's Reset status).
D365_RESETS: Final[frozenset[tuple[D365Status, D365Status]]] = frozenset(
    {
        (D.ESTIMATED, D.CREATED),
        (D.SCHEDULED, D.ESTIMATED),
        (D.RELEASED, D.SCHEDULED),
        (D.STARTED, D.RELEASED),
        (D.REPORTED_AS_FINISHED, D.STARTED),
    }
)

#: Every move the D365 profile allows, forward and reset.
D365_TRANSITIONS: Final[frozenset[tuple[D365Status, D365Status]]] = D365_RESETS | frozenset(
    {
        (D.CREATED, D.ESTIMATED),
        (D.CREATED, D.SCHEDULED),
        (D.CREATED, D.RELEASED),
        (D.ESTIMATED, D.SCHEDULED),
        (D.ESTIMATED, D.RELEASED),
        (D.SCHEDULED, D.RELEASED),
        (D.RELEASED, D.STARTED),
        (D.STARTED, D.STARTED),
        (D.STARTED, D.REPORTED_AS_FINISHED),
        (D.REPORTED_AS_FINISHED, D.REPORTED_AS_FINISHED),
        (D.REPORTED_AS_FINISHED, D.ENDED),
    }
)
