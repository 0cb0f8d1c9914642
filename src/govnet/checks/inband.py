"""Can the NOC reach a bureau CE in-band? A bureau has no out-of-band network, so its CE is
managed at its inventory address through its PE: the address must sit on an interface of the
CE's global table (not inside a VPN instance), and the global table must hold a static route
covering each management prefix through a next hop on a directly connected global subnet.

One reader per platform returns what the config says (global addresses with their subnets,
global static routes); :func:`inband_problems` judges it and returns one line of evidence per
problem, empty when the path is there. The PE's half (its host route and the IS-IS import) is
judged across devices from the intents (:mod:`govnet.checks.ce_reachability`).
"""

from __future__ import annotations

import ipaddress
from collections.abc import Callable
from dataclasses import dataclass

from govnet.checks.management_path import (
    ManagementAddress,
    Network,
    braced_blocks,
    indented_blocks,
)
from govnet.templates.linux_host import FRR_CONF, split_bundle

Interface = ipaddress.IPv4Interface | ipaddress.IPv6Interface


@dataclass(frozen=True)
class GlobalRoute:
    prefix: Network
    next_hop: ManagementAddress | None  # None: no next-hop address (an interface-only route)
    line: int


@dataclass(frozen=True)
class GlobalTable:
    addresses: list[Interface]  # every interface address outside any VPN instance / VRF
    routes: list[GlobalRoute]


def _vrp_table(text: str) -> GlobalTable:
    root = indented_blocks(text, frozenset({"#"}))
    addresses: list[Interface] = []
    for interface in root.starting("interface "):
        if interface.starting("ip binding vpn-instance "):
            continue
        for statement in interface.starting("ip address "):
            words = statement.line.split()
            if len(words) >= 4:
                addresses.append(ipaddress.ip_interface(f"{words[2]}/{words[3]}"))
    routes = []
    for route in root.starting("ip route-static "):
        words = route.line.split()[2:]
        if not words or words[0] == "vpn-instance" or len(words) < 3:
            continue
        prefix = ipaddress.ip_network(f"{words[0]}/{words[1]}", strict=False)
        routes.append(GlobalRoute(prefix, _first_address(words[2:4]), route.number))
    return GlobalTable(addresses, routes)


def _xr_table(text: str) -> GlobalTable:
    root = indented_blocks(text, frozenset({"!", "end"}))
    addresses: list[Interface] = []
    for interface in root.starting("interface "):
        if interface.starting("vrf "):
            continue
        for statement in interface.starting("ipv4 address "):
            words = statement.line.split()
            if len(words) >= 4:
                addresses.append(ipaddress.ip_interface(f"{words[2]}/{words[3]}"))
    routes = []
    static = root.child("router static")
    family = static.child("address-family ipv4 unicast") if static else None
    for route in family.children if family else []:
        words = route.line.split()
        try:
            prefix = ipaddress.ip_network(words[0], strict=False)
        except ValueError:
            continue
        routes.append(GlobalRoute(prefix, _first_address(words[1:3]), route.number))
    return GlobalTable(addresses, routes)


def _junos_table(text: str) -> GlobalTable:
    root = braced_blocks(text)
    addresses: list[Interface] = []
    interfaces = root.child("interfaces")
    for interface in interfaces.children if interfaces else []:
        for unit in interface.starting("unit "):
            inet = unit.child("family inet")
            for statement in inet.starting("address ") if inet else []:
                addresses.append(ipaddress.ip_interface(statement.line.split()[1]))
    routes = []
    options = root.child("routing-options")
    static = options.child("static") if options else None
    for route in static.starting("route ") if static else []:
        words = route.line.split()
        hop = words[words.index("next-hop") + 1] if "next-hop" in words else None
        routes.append(
            GlobalRoute(ipaddress.ip_network(words[1], strict=False), _address(hop), route.number)
        )
    return GlobalTable(addresses, routes)


def _frr_table(text: str) -> GlobalTable:
    """FRR as govnet renders it: ``interface NAME [vrf X]`` blocks closed by ``exit``, global
    ``ip route P NH IF`` lines; a production host's bundle is read for its frr.conf."""
    conf = split_bundle(text).get(FRR_CONF, text)
    addresses: list[Interface] = []
    routes = []
    global_interface = False
    for number, raw in enumerate(conf.splitlines(), 1):
        words = raw.split()
        if raw.startswith("interface "):
            global_interface = "vrf" not in words[2:]
        elif raw == "exit":
            global_interface = False
        elif global_interface and words[:2] == ["ip", "address"] and len(words) > 2:
            addresses.append(ipaddress.ip_interface(words[2]))
        elif raw.startswith("ip route ") and len(words) > 2:
            prefix = ipaddress.ip_network(words[2], strict=False)
            routes.append(GlobalRoute(prefix, _first_address(words[3:4]), number))
    return GlobalTable(addresses, routes)


def _address(word: str | None) -> ManagementAddress | None:
    try:
        return ipaddress.ip_address(word) if word else None
    except ValueError:
        return None


def _first_address(words: list[str]) -> ManagementAddress | None:
    return next((a for a in map(_address, words) if a is not None), None)


READERS: dict[str, Callable[[str], GlobalTable]] = {
    "huawei_vrp": _vrp_table,
    "iosxr": _xr_table,
    "junos": _junos_table,
    "frr": _frr_table,
}


def inband_problems(
    platform: str, text: str, address: ManagementAddress, prefixes: list[Network]
) -> list[str]:
    """Evidence that the NOC (``prefixes``) cannot reach ``address`` in-band on this config;
    empty when it can. A platform without a reader is not judged."""
    reader = READERS.get(platform)
    if reader is None:
        return []
    try:
        table = reader(text)
    except ValueError as error:
        return [f"in-band management: the configuration does not parse: {error}"]
    problems = []
    if not any(a.ip == address for a in table.addresses):
        problems.append(
            f"in-band management: {address} is on no interface of the global table "
            "(a bureau CE has no out-of-band network)"
        )
    connected = [a.network for a in table.addresses if a.network.prefixlen < a.max_prefixlen]
    for prefix in prefixes:
        if prefix.version != address.version:
            continue
        usable = [
            r
            for r in table.routes
            if r.prefix.version == prefix.version
            and prefix.subnet_of(r.prefix)  # type: ignore[arg-type]
            and r.next_hop is not None
            and any(r.next_hop in n for n in connected)
        ]
        if not usable:
            problems.append(
                f"in-band management: no global static route towards {prefix} through a "
                "directly connected next hop (replies to the NOC have no way back)"
            )
    return problems
