"""Across devices, from the intents: does every bureau CE's management address reach the NOC's
side of the network (the metro cores) and back?

A CE is reachable when some PE holds a static host route to its management address through
the CE's address on their shared global link, that PE's IS-IS import policy admits the route,
the PE is joined to a metro core by IS-IS adjacencies (an interface in IS-IS at both ends of a
link), and the CE routes the management prefixes back through that same PE. Pure functions:
the caller builds the intents (production or lab).
"""

from __future__ import annotations

import ipaddress
from collections.abc import Mapping
from dataclasses import dataclass

import networkx as nx

from govnet.templates.intent import DeviceIntent, StaticRoute

NOC_ROLES = frozenset({"metro_core"})


@dataclass(frozen=True)
class CePath:
    ce: str
    address: str
    pes: list[str]  # PEs whose host route, import and IS-IS path all hold
    problems: list[str]  # why a PE does not carry the path (empty when ``pes`` is not)


def isis_graph(intents: Mapping[str, DeviceIntent]) -> nx.Graph:
    """Devices joined by a link whose both ends run IS-IS on it (the adjacencies the design
    expects)."""
    graph = nx.Graph()
    graph.add_nodes_from(name for name, intent in intents.items() if intent.isis)
    for name, intent in intents.items():
        if intent.isis is None:
            continue
        for interface in intent.interfaces:
            peer = intents.get(interface.peer or "")
            if interface.isis is None or interface.isis.passive or peer is None:
                continue
            back = any(
                i.peer == name and i.link == interface.link and i.isis and not i.isis.passive
                for i in peer.interfaces
            )
            if peer.isis and back:
                graph.add_edge(name, interface.peer)
    return graph


def _admitted(pe: DeviceIntent, prefix: str) -> bool:
    policy = pe.isis.import_static if pe.isis else None
    if policy is None:
        return False
    network = ipaddress.ip_network(prefix)
    return network.prefixlen == policy.length and any(
        network.subnet_of(ipaddress.ip_network(p))  # type: ignore[arg-type]
        for p in policy.prefixes
        if ipaddress.ip_network(p).version == network.version
    )


def _global_addresses(intent: DeviceIntent) -> dict[str, ipaddress.IPv4Interface]:
    return {
        i.name: ipaddress.IPv4Interface(i.ipv4)
        for i in intent.interfaces
        if i.vrf is None and i.ipv4 and ipaddress.ip_interface(i.ipv4).version == 4
    }


def _via(routes: list[StaticRoute], prefix: str, next_hops: set[str]) -> bool:
    network = ipaddress.ip_network(prefix)
    return any(
        network.version == ipaddress.ip_network(r.prefix).version
        and network.subnet_of(ipaddress.ip_network(r.prefix))  # type: ignore[arg-type]
        and r.next_hop in next_hops
        for r in routes
    )


def ce_paths(intents: Mapping[str, DeviceIntent], management_prefixes: list[str]) -> list[CePath]:
    """One result per device with an in-band management address, by name."""
    graph = isis_graph(intents)
    cores = {n for n, i in intents.items() if i.role in NOC_ROLES and n in graph}
    reached = {n for core in cores for n in nx.node_connected_component(graph, core)}
    results = []
    for ce_name, ce in sorted(intents.items()):
        if ce.management_address is None:
            continue
        address = ce.management_address
        ce_addresses = {str(a.ip) for a in _global_addresses(ce).values()}
        pes, problems = [], []
        for pe_name, pe in sorted(intents.items()):
            routes = [r for r in pe.static_routes if r.prefix == address]
            if not routes:
                continue
            pe_side = _global_addresses(pe)
            hops_ok = [
                r
                for r in routes
                if r.next_hop in ce_addresses
                and r.interface in pe_side
                and ipaddress.ip_address(r.next_hop) in pe_side[r.interface].network
            ]
            back = {str(pe_side[r.interface].ip) for r in hops_ok}
            family = ipaddress.ip_interface(address).version
            missing_back = [
                p
                for p in management_prefixes
                if ipaddress.ip_network(p).version == family and not _via(ce.static_routes, p, back)
            ]
            if not hops_ok:
                problems.append(
                    f"{pe_name}: its route to {address} points at no address of {ce_name}"
                )
            elif not _admitted(pe, address):
                problems.append(f"{pe_name}: its IS-IS import policy does not admit {address}")
            elif pe_name not in reached:
                problems.append(f"{pe_name}: no IS-IS path to a metro core")
            elif missing_back:
                problems.append(f"{ce_name}: no route to {', '.join(missing_back)} via {pe_name}")
            else:
                pes.append(pe_name)
        if not pes and not problems:
            problems.append(f"no PE routes {address} to {ce_name}")
        results.append(CePath(ce_name, address, pes, problems))
    return results
