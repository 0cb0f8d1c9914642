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
from govnet.inventory.roles import ROLES
from govnet.topology.addressing import PoolKind
from govnet.topology.models import Link


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


def build_graph(design: Design) -> nx.MultiGraph:
    addressing = design.addressing
    graph = nx.MultiGraph(
        name=design.network.name,
        asn=design.network.asn,
        transport=design.network.transport.value,
        rings={r.name: {"level": r.level, "members": list(r.members)} for r in design.rings},
    )
    for host in design.hosts.values():
        info = ROLES[host.role]
        graph.add_node(
            host.name,
            role=host.role.value,
            layer=info.layer.value,
            site=host.site,
            district=host.district,
            platform=host.platform.value,
            model=host.data.model,
            managed=True,
            backbone=info.backbone,
            route_reflector=info.route_reflector,
            mgmt=str(host.hostname),
            loopback_ipv4=addressing.text(PoolKind.LOOPBACK_IPV4, host.name),
            loopback_ipv6=addressing.text(PoolKind.LOOPBACK_IPV6, host.name),
            srv6_locator=addressing.text(PoolKind.SRV6_LOCATOR, host.name),
        )
    for peer in design.peers.values():
        info = ROLES[peer.role]
        graph.add_node(
            peer.name,
            role=peer.role.value,
            layer=info.layer.value,
            site=None,
            district=None,
            platform=None,
            model=None,
            managed=False,
            backbone=False,
            route_reflector=False,
            mgmt=None,
            loopback_ipv4=None,
            loopback_ipv6=None,
            srv6_locator=None,
            asn=peer.asn,
        )
    spans = ring_spans(design)
    reference = design.network.igp.reference_bandwidth_mbps
    for link in design.links:
        a, b = link.a.device, link.b.device
        ring = spans.get(frozenset((a, b)))
        attrs: dict[str, Any] = {
            "id": link.key,
            "kind": _edge_kind(design, link, ring is not None),
            "ring": ring[0] if ring else None,
            "ring_level": ring[1] if ring else None,
            "capacity_mbps": link.capacity_mbps,
            "metric": effective_metric(link.metric, link.capacity_mbps, reference),
            "length_km": link.length_km,
            "ducts": tuple(link.ducts),
            "interfaces": {a: link.a.interface, b: link.b.interface},
            "ipv4": addressing.link_addresses(PoolKind.LINK_IPV4, link.key, a, b),
            "ipv6": addressing.link_addresses(PoolKind.LINK_IPV6, link.key, a, b),
        }
        graph.add_edge(a, b, key=link.key, **attrs)
    for up in design.uplinks:
        graph.add_edge(
            up.device,
            up.peer,
            key=up.key,
            id=up.key,
            kind="uplink",
            ring=None,
            ring_level=None,
            capacity_mbps=up.capacity_mbps,
            metric=effective_metric(up.metric, up.capacity_mbps, reference),
            length_km=up.length_km,
            ducts=tuple(up.ducts),
            interfaces={up.device: up.interface},
            ipv4={
                k: str(v)
                for k, v in ((up.device, up.ipv4), (up.peer, up.peer_ipv4))
                if v is not None
            },
            ipv6={
                k: str(v)
                for k, v in ((up.device, up.ipv6), (up.peer, up.peer_ipv6))
                if v is not None
            },
        )
    return graph
