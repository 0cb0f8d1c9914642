"""Loopback and loopback-route checks for Huawei VRP, read from display commands.

napalm-huawei-vrp 1.2.0 has no working ``get_route_to`` (an empty stub that answers ``None``),
and asking one prefix at a time would be 120 questions per router anyway. So each hook reads a
whole table through the driver's ``cli([...])`` (:func:`govnet.inventory.device_cli.run_command`),
parses it into small records and lets the shared checks of
:mod:`govnet.inventory.verification` judge them. Output that does not have the documented shape
raises :class:`UnexpectedOutput` naming the command: a parser never guesses.

The output formats, and where they come from (recorded in ``templates/huawei_vrp/SOURCES.md``):

* ``display ip routing-table``: the NetEngine configuration guides' examples. A legend (``Route
  Flags: ...``), a dashed line, ``Routing Table : _public_`` (``Routing Table: Public`` and
  ``Routing Tables: Public`` on older releases), ``Destinations : N  Routes : M``, then columns
  Destination/Mask, Proto, Pre, Cost, Flags, NextHop, Interface. An equal-cost route to the same
  destination is a row without the destination (so Routes can exceed Destinations). An
  interface name too long for an 80-column terminal is wrapped onto the next line (a lone
  fragment), as the CloudEngine captures show; it is skipped (only the destination and the
  protocol are read). IS-IS routes are ``ISIS-L1``
  / ``ISIS-L2``.
* ``display ipv6 routing-table``: the same title block, then one block per route of ``Key :
  value`` pairs, two per line (Destination/PrefixLength, NextHop/Preference, Cost/Protocol,
  RelayNextHop/TunnelID, Interface/Flags). The spacing around the colon varies (``Cost :1``).
* ``display ip interface brief``: a legend (``*down: administratively down``, ``(s):
  spoofing``, ...), ``The number of interface that is UP in Physical is N`` lines, then columns
  Interface, IP Address/Mask, Physical, Protocol and (VRP8) VPN; ``unassigned`` without an
  address.
* ``display ipv6 interface brief``: the same legend, columns Interface, Physical, Protocol and
  (VRP8) VPN, and under each interface one ``[IPv6 Address/Prefix Length] ADDR/LEN`` line
  per address (``[IPv6 Address] ADDR`` on older releases).

Both tables are checked against their own ``Destinations``/``Routes`` counts, so a truncated or
mis-read table is unexpected output rather than a list of missing routes.

The loopback-route check insists on IS-IS: a loopback reachable only through a static route
(or BGP) fails, as it does in the lab, since a static route hides a broken IGP.
"""

from __future__ import annotations

import ipaddress
import re
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from nornir.core.task import Task

from govnet.inventory.device_cli import (
    Hook,
    after_header,
    output_lines,
    run_command,
    unexpected_line,
)
from govnet.inventory.platforms import Platform
from govnet.inventory.verification import (
    Check,
    Loopbacks,
    check_loopback_routes,
    check_loopbacks,
    loopback_prefixes,
)
from govnet.ipv6.live import UnexpectedOutput
from govnet.templates.intent import DeviceIntent

RouteHook = Callable[[Task, DeviceIntent, Loopbacks], Check]

VRP_IPV4_ROUTES_COMMAND = "display ip routing-table"
VRP_IPV6_ROUTES_COMMAND = "display ipv6 routing-table"
VRP_IPV4_INTERFACES_COMMAND = "display ip interface brief"
VRP_IPV6_INTERFACES_COMMAND = "display ipv6 interface brief"


@dataclass(frozen=True)
class Route:
    """One route of a routing table: its prefix (one spelling) and the protocol that put it
    there, as the device names it (``ISIS-L2``, ``Direct``, ``Static``, ``IBGP`` ...)."""

    prefix: str
    protocol: str


def is_isis(protocol: str) -> bool:
    """VRP names IS-IS routes ``ISIS-L1`` / ``ISIS-L2`` (by level)."""
    return protocol.upper().startswith("ISIS")


def _prefix(command: str, address: str, length: str) -> str:
    try:
        return ipaddress.ip_network(f"{address}/{length}", strict=False).compressed
    except ValueError:
        raise UnexpectedOutput(f"{command!r}: {address}/{length} is not a prefix") from None


_COUNTS = re.compile(
    r"\s*Destinations\s*:\s*(?P<destinations>\d+)\s+Routes\s*:\s*(?P<routes>\d+)\s*$"
)


def _counts(lines: list[str], command: str) -> tuple[int, int]:
    """The table's own ``Destinations : N  Routes : M`` line."""
    for line in lines:
        found = _COUNTS.match(line)
        if found:
            return int(found["destinations"]), int(found["routes"])
    raise UnexpectedOutput(f"{command!r}: no 'Destinations : N Routes : N' line")


def _checked(routes: list[Route], counts: tuple[int, int], command: str) -> list[Route]:
    destinations, total = counts
    seen = len({route.prefix for route in routes})
    if (seen, len(routes)) != (destinations, total):
        raise UnexpectedOutput(
            f"{command!r}: read {seen} destinations and {len(routes)} routes, "
            f"the table says {destinations} and {total}"
        )
    return routes


# --- display ip routing-table

_IPV4 = r"\d{1,3}(?:\.\d{1,3}){3}"
_IPV4_HEADER = re.compile(
    r"\s*Destination/Mask\s+Proto\s+Pre\s+Cost\s+Flags\s+NextHop\s+Interface\s*$"
)
_IPV4_TAIL = (
    r"(?P<proto>[A-Za-z][\w-]*)\s+(?P<pre>\d+)\s+(?P<cost>\d+)\s+(?:(?P<flags>[A-Z]{1,6})\s+)?"
    rf"(?P<nexthop>{_IPV4})\s+(?P<interface>\S+)\s*$"
)
_IPV4_ROW = re.compile(rf"\s*(?P<address>{_IPV4})/(?P<length>\d+)\s+{_IPV4_TAIL}")
_IPV4_EQUAL_COST = re.compile(rf"\s+{_IPV4_TAIL}")
# the rest of a wrapped interface name: one word that is not an address
_FRAGMENT = re.compile(rf"(?!\s*{_IPV4})\s*\S+\s*$")


def parse_huawei_vrp_ipv4_routes(text: str) -> list[Route]:
    """``display ip routing-table``: one route per row, equal-cost rows under their
    destination; a wrapped interface name does not count as a row."""
    command = VRP_IPV4_ROUTES_COMMAND
    lines = output_lines(text, command)
    counts = _counts(lines, command)
    routes: list[Route] = []
    previous_was_row = False
    for line in after_header(lines, _IPV4_HEADER, command):
        row = _IPV4_ROW.match(line)
        equal_cost = None if row else _IPV4_EQUAL_COST.match(line)
        if row:
            prefix = _prefix(command, row["address"], row["length"])
            routes.append(Route(prefix=prefix, protocol=row["proto"]))
        elif equal_cost and routes:
            routes.append(Route(prefix=routes[-1].prefix, protocol=equal_cost["proto"]))
        elif previous_was_row and _FRAGMENT.fullmatch(line):
            previous_was_row = False  # the rest of an interface name: only one line of it
            continue
        elif line.strip():
            raise unexpected_line(command, line)
        previous_was_row = bool(row or equal_cost)
    return _checked(routes, counts, command)


# --- display ipv6 routing-table

_IPV6_TITLE = re.compile(r"\s*Routing\s+Tables?\s*:\s*\S+\s*$")
_PAIR = re.compile(r"(?P<key>[A-Za-z][\w-]*)\s*:\s*(?P<value>\S+)")
_PAIRS_LINE = re.compile(r"\s*[A-Za-z][\w-]*\s*:\s*\S+(\s+[A-Za-z][\w-]*\s*:\s*\S+)?\s*$")
_LEGEND = re.compile(r"\s*(Route\s+Flags|Proto)\s*:.*$|\s*-+\s*$")


def _ipv6_route(command: str, fields: Mapping[str, str]) -> Route:
    missing = [key for key in ("Destination", "PrefixLength", "Protocol") if key not in fields]
    if missing:
        where = fields.get("Destination", "?")
        raise UnexpectedOutput(f"{command!r}: route {where} has no {', '.join(missing)}")
    prefix = _prefix(command, fields["Destination"], fields["PrefixLength"])
    return Route(prefix=prefix, protocol=fields["Protocol"])


def parse_huawei_vrp_ipv6_routes(text: str) -> list[Route]:
    """``display ipv6 routing-table``: each ``Destination`` starts a route block of ``Key :
    value`` pairs; the prefix is Destination/PrefixLength, the protocol Protocol."""
    command = VRP_IPV6_ROUTES_COMMAND
    lines = output_lines(text, command)
    counts = _counts(lines, command)
    blocks: list[dict[str, str]] = []
    for line in after_header(lines, _IPV6_TITLE, command):
        if not line.strip() or _COUNTS.match(line) or _LEGEND.match(line):
            continue
        if not _PAIRS_LINE.match(line):
            raise unexpected_line(command, line)
        for pair in _PAIR.finditer(line):
            if pair["key"] == "Destination":
                blocks.append({})
            elif not blocks:
                raise unexpected_line(command, line)
            blocks[-1][pair["key"]] = pair["value"]
    return _checked([_ipv6_route(command, block) for block in blocks], counts, command)


# --- display ip interface brief / display ipv6 interface brief

InterfacesIp = dict[str, dict[str, dict[str, dict[str, int]]]]  # NAPALM get_interfaces_ip shape

_IPV4_BRIEF_HEADER = re.compile(
    r"\s*Interface\s+IP\s+Address/Mask\s+Physical\s+Protocol(\s+VPN)?\s*$"
)
_STATE = r"[*!^]?[A-Za-z]+(\([A-Za-z]+\))?"
_IPV4_BRIEF_ROW = re.compile(
    rf"(?P<interface>\S+)\s+(?:(?P<address>{_IPV4})/(?P<length>\d+)|unassigned)"
    rf"\s+{_STATE}\s+{_STATE}(\s+\S+)?\s*$"
)
_IPV6_BRIEF_HEADER = re.compile(r"\s*Interface\s+Physical\s+Protocol(\s+VPN)?\s*$")
_IPV6_BRIEF_ROW = re.compile(rf"(?P<interface>\S+)\s+{_STATE}\s+{_STATE}(\s+\S+)?\s*$")
_IPV6_BRIEF_ADDRESS = re.compile(
    r"\s*\[IPv6\s+Address(?:/Prefix\s+Length)?\]\s+(?P<address>[0-9A-Fa-f:.]+)(?:/(?P<length>\d+))?\s*$"
)
_IPV6_UNASSIGNED = re.compile(r"\s*\[IPv6\s+Address(?:/Prefix\s+Length)?\]\s+Unassigned\s*$")


def _address(
    command: str, address: str, length: str | None, default_length: int
) -> tuple[str, int]:
    try:
        parsed = ipaddress.ip_interface(f"{address}/{length or default_length}")
    except ValueError:
        raise UnexpectedOutput(f"{command!r}: {address!r} is not an address") from None
    return parsed.ip.compressed, parsed.network.prefixlen


def parse_huawei_vrp_ipv4_interfaces(text: str) -> InterfacesIp:
    """``display ip interface brief``: interface -> its (primary) IPv4 address, in the shape
    of NAPALM's ``get_interfaces_ip`` so the shared loopback check reads it."""
    command = VRP_IPV4_INTERFACES_COMMAND
    interfaces: InterfacesIp = {}
    for line in after_header(output_lines(text, command), _IPV4_BRIEF_HEADER, command):
        row = _IPV4_BRIEF_ROW.match(line)
        if row:
            family = interfaces.setdefault(row["interface"], {}).setdefault("ipv4", {})
            if row["address"]:
                address, length = _address(command, row["address"], row["length"], 32)
                family[address] = {"prefix_length": length}
        elif line.strip():
            raise unexpected_line(command, line)
    return interfaces


def parse_huawei_vrp_ipv6_interfaces(text: str) -> InterfacesIp:
    """``display ipv6 interface brief``: interface -> its IPv6 addresses (the lines under
    its row), in the shape of NAPALM's ``get_interfaces_ip``."""
    command = VRP_IPV6_INTERFACES_COMMAND
    interfaces: InterfacesIp = {}
    current: dict[str, dict[str, int]] | None = None
    for line in after_header(output_lines(text, command), _IPV6_BRIEF_HEADER, command):
        address = _IPV6_BRIEF_ADDRESS.match(line)
        row = None if address else _IPV6_BRIEF_ROW.match(line)
        if address and current is not None:
            ip, length = _address(command, address["address"], address["length"], 128)
            current[ip] = {"prefix_length": length}
        elif row:
            current = interfaces.setdefault(row["interface"], {}).setdefault("ipv6", {})
        elif not (line.strip() == "" or (current is not None and _IPV6_UNASSIGNED.match(line))):
            raise unexpected_line(command, line)
    return interfaces


def merge_families(*tables: Mapping[str, Mapping[str, Any]]) -> InterfacesIp:
    """The per-family tables as one interface -> family -> addresses mapping."""
    merged: InterfacesIp = {}
    for table in tables:
        for interface, families in table.items():
            for family, addresses in families.items():
                merged.setdefault(interface, {}).setdefault(family, {}).update(addresses)
    return merged


# --- judging


def judge_loopback_routes(device: str, routes: Iterable[Route], loopbacks: Loopbacks) -> Check:
    """Every other router's loopback has an IS-IS route on ``device``; a loopback routed only
    by another protocol is named with it, so a static route cannot hide a broken IGP."""
    table = list(routes)
    result = check_loopback_routes(
        device, [route.prefix for route in table if is_isis(route.protocol)], loopbacks
    )
    if result.status != "failed":
        return result
    wanted = set(loopback_prefixes(device, loopbacks))
    by_isis = {route.prefix for route in table if is_isis(route.protocol)}
    not_isis = sorted(
        {
            f"{route.prefix} ({route.protocol})"
            for route in table
            if route.prefix in wanted and route.prefix not in by_isis
        }
    )
    if not not_isis:
        return result
    detail = f"{result.detail}; not from IS-IS: {', '.join(not_isis)}"
    return Check(name=result.name, status="failed", detail=detail)


# --- hooks


def loopback_routes_huawei_vrp(task: Task, intent: DeviceIntent, loopbacks: Loopbacks) -> Check:
    """Both routing tables, each read with one command, judged for IS-IS routes to every
    other router's loopback."""
    if intent.isis is None:  # nothing to compare: the device is not asked
        return Check(name="loopback routes", status="ok", detail="no IS-IS in the intent")
    routes = [
        *parse_huawei_vrp_ipv4_routes(run_command(task, VRP_IPV4_ROUTES_COMMAND)),
        *parse_huawei_vrp_ipv6_routes(run_command(task, VRP_IPV6_ROUTES_COMMAND)),
    ]
    return judge_loopback_routes(intent.hostname, routes, loopbacks)


def loopbacks_huawei_vrp(task: Task, intent: DeviceIntent) -> Check:
    """The intent's loopback addresses, read from the two brief interface tables."""
    interfaces = merge_families(
        parse_huawei_vrp_ipv4_interfaces(run_command(task, VRP_IPV4_INTERFACES_COMMAND)),
        parse_huawei_vrp_ipv6_interfaces(run_command(task, VRP_IPV6_INTERFACES_COMMAND)),
    )
    return check_loopbacks(intent, interfaces)


ROUTE_CLI_HOOKS: dict[Platform, RouteHook] = {Platform.HUAWEI_VRP: loopback_routes_huawei_vrp}
LOOPBACK_CLI_HOOKS: dict[Platform, Hook] = {Platform.HUAWEI_VRP: loopbacks_huawei_vrp}
