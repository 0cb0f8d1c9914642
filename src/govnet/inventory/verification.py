"""What verification compares, independent of how it was read: each check takes the intent and
what a device reported (NAPALM getters, a CLI parser, FRR's JSON) and returns one :class:`Check`.

The platform-specific parts (commands and their parsers) only turn device output into the small
records here (:class:`Adjacency`, :class:`Locator`), so every platform is judged by the same rules.
"""

from __future__ import annotations

import ipaddress
import time
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict

from govnet.templates.intent import DeviceIntent

CheckStatus = Literal["ok", "failed", "not checked"]


class _Frozen(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class Check(_Frozen):
    name: str
    status: CheckStatus
    detail: str = ""
    # The other devices a failure is about (an adjacency's neighbour, a BGP neighbour's
    # address until name_subjects turns it into its device, a missing loopback's owner);
    # empty: a local failure, or output that could not be read.
    subjects: tuple[str, ...] = ()


class VerifyResult(_Frozen):
    checks: tuple[Check, ...]

    @property
    def ok(self) -> bool:
        return all(check.status != "failed" for check in self.checks)

    def summary(self) -> str:
        failed = [c for c in self.checks if c.status == "failed"]
        unchecked = [c.name for c in self.checks if c.status == "not checked"]
        parts = [f"{c.name}: {c.detail}" for c in failed] or ["ok"]
        if unchecked:
            parts.append(f"not checked: {', '.join(unchecked)}")
        return "; ".join(parts)


Outcome = Mapping[str, VerifyResult | str]  # host -> its result, or why it was not verified


def failed_hosts(outcome: Outcome) -> list[str]:
    """Hosts that failed a check or could not be verified."""
    return [h for h, r in outcome.items() if not (isinstance(r, VerifyResult) and r.ok)]


def outcome_json(outcome: Outcome, causes: Mapping[str, str] | None = None) -> dict[str, Any]:
    """Each host's result (or ``{"error": why}``), with its ``likely_cause`` when ``causes``
    names one."""
    shown: dict[str, Any] = {}
    for host, result in outcome.items():
        entry = (
            result.model_dump(mode="json")
            if isinstance(result, VerifyResult)
            else {"error": result}
        )
        if causes and host in causes:
            entry["likely_cause"] = causes[host]
        shown[host] = entry
    return shown


def _ip(text: str) -> str:
    """An address in one spelling (devices report ``2001:DB8::1`` or ``10.0.0.1/32``)."""
    return ipaddress.ip_interface(str(text).strip()).ip.compressed


def ibgp_neighbors(intent: DeviceIntent) -> list[str]:
    """The global-table iBGP neighbours the intent configures (the route reflectors, or on a
    route reflector its clients)."""
    if intent.bgp is None:
        return []
    return [
        n.address for n in intent.bgp.neighbors if n.remote_as == intent.bgp.asn and n.vrf is None
    ]


def check_bgp(intent: DeviceIntent, bgp_neighbors: Mapping[str, Any]) -> Check:
    """Every iBGP neighbour of the intent is up in NAPALM's ``get_bgp_neighbors()``; the
    address families each reports (with their received prefix counts) go in the detail.
    NAPALM keys ``address_family`` by the session's transport on some drivers (iosxr), so the
    negotiated families are reported, not compared with the intent."""
    wanted = ibgp_neighbors(intent)
    if not wanted:
        return Check(name="bgp", status="not checked", detail="no iBGP neighbours in the intent")
    peers_raw = bgp_neighbors.get("global", {}).get("peers", {})
    peers = {_ip(address): data for address, data in peers_raw.items()}
    problems, seen, failing = [], [], []
    for address in wanted:
        peer = peers.get(_ip(address))
        if peer is None:
            problems.append(f"{address} missing")
            failing.append(address)
        elif not peer.get("is_up", False):
            problems.append(f"{address} down")
            failing.append(address)
        else:
            families = peer.get("address_family", {}) or {}
            counts = ",".join(
                f"{af}={data.get('received_prefixes', '?')}"
                for af, data in sorted(families.items())
            )
            seen.append(f"{address} up [{counts}]")
    if problems:
        return Check(
            name="bgp", status="failed", detail="; ".join(problems), subjects=_unique(failing)
        )
    return Check(name="bgp", status="ok", detail="; ".join(seen))


def _unique(items: Iterable[str]) -> tuple[str, ...]:
    return tuple(dict.fromkeys(items))


def loopback_addresses(intent: DeviceIntent) -> list[str]:
    return [
        _ip(address)
        for interface in intent.interfaces
        if interface.kind == "loopback"
        for address in (interface.ipv4, interface.ipv6)
        if address
    ]


def check_loopbacks(intent: DeviceIntent, interfaces_ip: Mapping[str, Any]) -> Check:
    """The intent's loopback addresses (IPv4 and IPv6) are configured, on whichever interface
    NAPALM names them (Junos reports ``lo0.0``)."""
    present = {
        _ip(address)
        for families in interfaces_ip.values()
        for family in ("ipv4", "ipv6")
        for address in (families.get(family) or {})
    }
    wanted = loopback_addresses(intent)
    missing = [address for address in wanted if address not in present]
    if missing:
        return Check(name="loopbacks", status="failed", detail=f"missing {', '.join(missing)}")
    return Check(name="loopbacks", status="ok", detail=", ".join(wanted))


# --- IS-IS


@dataclass(frozen=True)
class Adjacency:
    """One IS-IS adjacency as a device reports it: the local interface (the device's own
    spelling, full or abbreviated), the neighbour's hostname (dynamic hostname, TLV 137) or
    system ID, and whether it is up."""

    interface: str
    neighbor: str
    up: bool


def expected_adjacencies(intent: DeviceIntent) -> dict[str, str]:
    """Interface -> neighbour device, for every link the intent runs IS-IS on (not passive)."""
    return {
        interface.name: interface.peer
        for interface in intent.interfaces
        if interface.isis is not None and not interface.isis.passive and interface.peer
    }


def check_isis_adjacencies(
    intent: DeviceIntent,
    adjacencies: Iterable[Adjacency],
    same_interface: Callable[[str, str], bool] | None = None,
) -> Check:
    """Every IS-IS link of the intent has an adjacency that is up, on that interface, to the
    neighbour the design puts at its other end; adjacencies the design does not expect are
    failures too (a miscabled or foreign neighbour). ``same_interface(intent_name,
    reported_name)`` matches abbreviated names (``GE0/0/1``); exact match by default."""
    if intent.isis is None:
        return Check(name="isis adjacencies", status="ok", detail="no IS-IS in the intent")
    match = same_interface or (lambda wanted, reported: wanted == reported)
    reported = list(adjacencies)
    problems: list[str] = []
    subjects: list[str] = []
    used: set[int] = set()
    for interface, neighbor in sorted(expected_adjacencies(intent).items()):
        found = [i for i, a in enumerate(reported) if match(interface, a.interface)]
        used.update(found)
        if not found:
            problems.append(f"{interface}: no adjacency (expected {neighbor})")
            subjects.append(neighbor)
            continue
        names = {reported[i].neighbor for i in found}
        if neighbor not in names:
            problems.append(f"{interface}: neighbour {', '.join(sorted(names))}, not {neighbor}")
            subjects.extend([neighbor, *sorted(names)])
        elif not any(reported[i].up for i in found if reported[i].neighbor == neighbor):
            problems.append(f"{interface}: adjacency to {neighbor} not up")
            subjects.append(neighbor)
    for i, adjacency in enumerate(reported):
        if i not in used and adjacency.up:
            problems.append(f"{adjacency.interface}: unexpected neighbour {adjacency.neighbor}")
            subjects.append(adjacency.neighbor)
    if problems:
        return Check(
            name="isis adjacencies",
            status="failed",
            detail="; ".join(problems),
            subjects=_unique(subjects),
        )
    count = len(expected_adjacencies(intent))
    return Check(name="isis adjacencies", status="ok", detail=f"{count} up")


# --- SRv6


@dataclass(frozen=True)
class Locator:
    """One SRv6 locator as a device reports it."""

    name: str
    prefix: str
    up: bool


def check_srv6_locator(intent: DeviceIntent, locators: Iterable[Locator]) -> Check:
    """The intent's locator is configured with its prefix and is up."""
    if intent.srv6 is None:
        return Check(name="srv6 locator", status="ok", detail="no locator in the intent")
    wanted = intent.srv6
    for locator in locators:
        if locator.name != wanted.locator_name:
            continue
        if ipaddress.ip_network(locator.prefix, strict=False) != ipaddress.ip_network(
            wanted.locator_prefix
        ):
            return Check(
                name="srv6 locator",
                status="failed",
                detail=f"{locator.name} is {locator.prefix}, not {wanted.locator_prefix}",
            )
        if not locator.up:
            return Check(name="srv6 locator", status="failed", detail=f"{locator.name} is down")
        return Check(
            name="srv6 locator", status="ok", detail=f"{locator.name} {wanted.locator_prefix}"
        )
    return Check(name="srv6 locator", status="failed", detail=f"{wanted.locator_name} missing")


# --- BGP per address family


@dataclass(frozen=True)
class BgpSession:
    """One iBGP session in one address family (``ipv4_unicast``, ``ipv6_unicast``, ``vpnv4``,
    ``vpnv6``), as a device reports it."""

    address: str
    family: str
    up: bool
    received: int = 0


def check_bgp_sessions(intent: DeviceIntent, sessions: Iterable[BgpSession]) -> Check:
    """Every global iBGP neighbour of the intent is established in every address family the
    intent gives it (a session up in IPv4 unicast but not negotiated for VPNv6 fails)."""
    if intent.bgp is None:
        return Check(name="bgp", status="not checked", detail="no BGP in the intent")
    state = {(_ip(s.address), s.family): s for s in sessions}
    problems: list[str] = []
    failing: list[str] = []
    seen: list[str] = []
    for neighbor in intent.bgp.neighbors:
        if neighbor.remote_as != intent.bgp.asn or neighbor.vrf is not None:
            continue
        counts = []
        for family in neighbor.families:
            session = state.get((_ip(neighbor.address), family))
            if session is None:
                problems.append(f"{neighbor.address} {family} missing")
                failing.append(neighbor.address)
            elif not session.up:
                problems.append(f"{neighbor.address} {family} down")
                failing.append(neighbor.address)
            else:
                counts.append(f"{family}={session.received}")
        seen.append(f"{neighbor.address} [{','.join(counts)}]")
    if problems:
        return Check(
            name="bgp", status="failed", detail="; ".join(problems), subjects=_unique(failing)
        )
    return Check(name="bgp", status="ok", detail="; ".join(seen))


# --- routes to every loopback

Loopbacks = Mapping[str, tuple[str, str]]  # device -> (IPv4, IPv6) without lengths


def loopback_prefixes(device: str, loopbacks: Loopbacks) -> list[str]:
    """The other routers' loopbacks as host routes (``/32``, ``/128``)."""
    return [
        prefix
        for other, (v4, v6) in sorted(loopbacks.items())
        if other != device
        for prefix in (f"{v4}/32", f"{v6}/128")
    ]


def check_loopback_routes(device: str, routed: Iterable[str], loopbacks: Loopbacks) -> Check:
    """Every other IS-IS router's loopback (v4 and v6) is in ``device``'s routing table;
    ``routed`` are the host prefixes the device has a route for."""
    present = set(routed)
    wanted = loopback_prefixes(device, loopbacks)
    missing = [prefix for prefix in wanted if prefix not in present]
    if missing:
        shown = ", ".join(missing[:6]) + (" …" if len(missing) > 6 else "")
        owners = loopback_owners(loopbacks)
        return Check(
            name="loopback routes",
            status="failed",
            detail=f"no route to {shown}",
            subjects=_unique(owners[_ip(prefix.split("/")[0])] for prefix in missing),
        )
    return Check(name="loopback routes", status="ok", detail=f"{len(wanted)} routes")


def loopback_owners(loopbacks: Loopbacks) -> dict[str, str]:
    """Loopback address (either family, one spelling) -> its device."""
    return {_ip(address): device for device, pair in loopbacks.items() for address in pair}


def name_subjects(result: VerifyResult, loopbacks: Loopbacks) -> VerifyResult:
    """``result`` with every subject that is a loopback address (a BGP neighbour) replaced by
    its device; other subjects (device names, addresses outside the design) stay as they are."""
    owners = loopback_owners(loopbacks)

    def device(subject: str) -> str:
        try:
            return owners.get(_ip(subject), subject)
        except ValueError:
            return subject

    checks = tuple(
        check.model_copy(update={"subjects": _unique(map(device, check.subjects))})
        for check in result.checks
    )
    return result.model_copy(update={"checks": checks})


def retry_until(
    read: Callable[[], VerifyResult],
    accept: Callable[[VerifyResult], bool],
    settle: float,
    interval: float = 0.5,
    clock: Callable[[], float] = time.monotonic,
    sleep: Callable[[float], None] = time.sleep,
) -> VerifyResult:
    """``read()`` again every ``interval`` seconds until ``accept`` takes its result or
    ``settle`` seconds have passed; the last result. A device needs a moment after a commit
    for its adjacencies and sessions to come up."""
    deadline = clock() + settle
    while True:
        result = read()
        left = deadline - clock()
        if accept(result) or left <= 0:
            return result
        sleep(min(interval, left))
