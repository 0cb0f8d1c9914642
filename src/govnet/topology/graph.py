"""The one graph every analysis starts from.

A :class:`networkx.MultiGraph` whose nodes are devices (and the peers outside the design) and whose
edges are fibers; parallel links stay separate edges, keyed by their stable link key. Attribute
values are plain strings, numbers, tuples and dicts, so the graph serialises as it is.

Node attributes: role, layer, site, district, platform, model, managed, backbone,
route_reflector, mgmt, loopback_ipv4, loopback_ipv6, srv6_locator (None where not allocated).
Edge attributes: id (also the edge key), kind (ring | backbone | attachment | uplink), ring, ring_level,
capacity_mbps, metric, length_km, ducts, interfaces, ipv4, ipv6 ({device: "addr/len"}).
Graph attributes: name, asn, transport, rings ({name: {"level": n, "members": [...]}}).
"""

from __future__ import annotations

import itertools
from typing import Any

import networkx as nx

from govnet.design import Design
from govnet.inventory.roles import ROLES, Role
from govnet.topology.addressing import PoolKind
from govnet.topology.models import Fiber, Link


def effective_metric(metric: int | None, capacity_mbps: int, reference_mbps: int) -> int:
    """The design's metric, else the reference bandwidth over the link's capacity (at least 1)."""
    if metric is not None:
        return metric
    return max(1, reference_mbps // capacity_mbps)


def ring_spans(design: Design) -> dict[frozenset[str], tuple[str, int]]:
    """Each pair of ring neighbours -> (ring name, level)."""
    spans: dict[frozenset[str], tuple[str, int]] = {}
    for ring in design.rings:
        for first, second in itertools.pairwise(ring.members):
            spans[frozenset((first, second))] = (ring.name, ring.level)
    return spans


def _edge_kind(design: Design, link: Link, on_ring: bool) -> str:
    if on_ring:
        return "ring"
    roles = (design.hosts[link.a.device].role, design.hosts[link.b.device].role)
    return "backbone" if all(ROLES[r].backbone for r in roles) else "attachment"


UNMANAGED: dict[str, Any] = dict.fromkeys(
    (
        "site",
        "district",
        "platform",
        "model",
        "mgmt",
        "loopback_ipv4",
        "loopback_ipv6",
        "srv6_locator",
    )
) | {"managed": False}


def _role_attrs(role: Role) -> dict[str, Any]:
    info = ROLES[role]
    return {
        "role": role.value,
        "layer": info.layer.value,
        "backbone": info.backbone,
        "route_reflector": info.route_reflector,
    }


def _fiber_attrs(fiber: Fiber, reference_mbps: int) -> dict[str, Any]:
    return {
        "capacity_mbps": fiber.capacity_mbps,
        "metric": effective_metric(fiber.metric, fiber.capacity_mbps, reference_mbps),
        "length_km": fiber.length_km,
        "ducts": tuple(fiber.ducts),
    }


def build_graph(design: Design) -> nx.MultiGraph:
    addressing = design.addressing
    graph = nx.MultiGraph(
        name=design.network.name,
        asn=design.network.asn,
        transport=design.network.transport.value,
        rings={r.name: {"level": r.level, "members": list(r.members)} for r in design.rings},
    )
    for host in design.hosts.values():
        graph.add_node(
            host.name,
            **_role_attrs(host.role),
            site=host.site,
            district=host.district,
            platform=host.platform.value,
            model=host.data.model,
            managed=True,
            mgmt=str(host.hostname),
            loopback_ipv4=addressing.text(PoolKind.LOOPBACK_IPV4, host.name),
            loopback_ipv6=addressing.text(PoolKind.LOOPBACK_IPV6, host.name),
            srv6_locator=addressing.text(PoolKind.SRV6_LOCATOR, host.name),
        )
    for peer in design.peers.values():
        graph.add_node(peer.name, **_role_attrs(peer.role), **UNMANAGED, asn=peer.asn)
    spans = ring_spans(design)
    reference = design.network.igp.reference_bandwidth_mbps
    for link in design.links:
        a, b = link.a.device, link.b.device
        ring = spans.get(frozenset((a, b)))
        graph.add_edge(
            a,
            b,
            key=link.key,
            id=link.key,
            kind=_edge_kind(design, link, ring is not None),
            ring=ring[0] if ring else None,
            ring_level=ring[1] if ring else None,
            **_fiber_attrs(link, reference),
            interfaces={a: link.a.interface, b: link.b.interface},
            ipv4=addressing.link_addresses(PoolKind.LINK_IPV4, link.key, a, b),
            ipv6=addressing.link_addresses(PoolKind.LINK_IPV6, link.key, a, b),
        )
    for up in design.uplinks:
        ends = ((up.device, up.ipv4, up.ipv6), (up.peer, up.peer_ipv4, up.peer_ipv6))
        graph.add_edge(
            up.device,
            up.peer,
            key=up.key,
            id=up.key,
            kind="uplink",
            ring=None,
            ring_level=None,
            **_fiber_attrs(up, reference),
            interfaces={up.device: up.interface},
            ipv4={name: str(v4) for name, v4, _ in ends if v4 is not None},
            ipv6={name: str(v6) for name, _, v6 in ends if v6 is not None},
        )
    return graph
