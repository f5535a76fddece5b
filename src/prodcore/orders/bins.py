"""Which bin a component is taken from and output is put to (BC's semantics).

A component of a pick flushing method lies in the To-Production bin of the work or
machine centre of its linked operation (a machine centre naming none uses its work
centre's), else in the To-Production bin of its location. Output goes to the
From-Production bin the same way, from the line's last operation. "" is no bin: a
location without bins keeps everything in bin "".

>>> from prodcore.masterdata import Bin, Location, MasterData, WorkCenter
>>> md = MasterData.of(
...     work_centers=[WorkCenter("WC", to_production_bin_code="WC-IN")],
...     locations=[Location("MAIN", bins=(Bin("LINE"),), to_production_bin_code="LINE")])
>>> centre_bins(md, CapacityType.WORK_CENTER, "WC")
('WC-IN', '')
>>> location_bins(md, "MAIN"), location_bins(md, "ELSEWHERE")
(('LINE', ''), ('', ''))
"""

from __future__ import annotations

from prodcore.masterdata import CapacityType, Location
from prodcore.masterdata.lookup import find_record
from prodcore.orders.explosion import MasterDataLookup
from prodcore.orders.flushing import linked_operation
from prodcore.orders.model import Component, Operation, OrderLine

__all__ = [
    "centre_bins",
    "from_production_bin",
    "location_bins",
    "location_of",
    "to_production_bin",
]


def location_of(md: MasterDataLookup, location_code: str) -> Location | None:
    """The location record, None for a location that is not set up."""
    location = getattr(md, "location", None)  # (isinstance of the protocol: far slower)
    if location is None:
        return None
    return find_record(md, Location, location_code, location)


def location_bins(md: MasterDataLookup, location_code: str) -> tuple[str, str]:
    """The location's (To-Production, From-Production) bins; ("", "") for a location
    that is not set up (stock there lies in no bin)."""
    location = location_of(md, location_code)
    if location is None:
        return "", ""
    return location.to_production_bin_code, location.from_production_bin_code


def centre_bins(md: MasterDataLookup, type_: CapacityType, no: str) -> tuple[str, str]:
    """The (To-Production, From-Production) bins a work or machine centre names."""
    if type_ is CapacityType.MACHINE_CENTER:
        mc = md.machine_center(no)
        wc = md.work_center(mc.work_center_no)
        return (
            mc.to_production_bin_code or wc.to_production_bin_code,
            mc.from_production_bin_code or wc.from_production_bin_code,
        )
    wc = md.work_center(no)
    return wc.to_production_bin_code, wc.from_production_bin_code


def to_production_bin(md: MasterDataLookup, line: OrderLine, comp: Component) -> str:
    """The bin ``comp`` is picked to and consumed from."""
    op = linked_operation(line, comp)
    if op is not None:
        found = centre_bins(md, op.type, op.no)[0]
        if found:
            return found
    return location_bins(md, comp.location_code)[0]


def from_production_bin(md: MasterDataLookup, location_code: str, op: Operation | None) -> str:
    """The bin output of ``op`` (None: a line without routing) is put to."""
    if op is not None:
        found = centre_bins(md, op.type, op.no)[1]
        if found:
            return found
    return location_bins(md, location_code)[1]
