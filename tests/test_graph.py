"""The graph built from the reference design."""

from __future__ import annotations

import ipaddress
import itertools

import networkx as nx
import pytest

from govnet.design import Design
from govnet.topology.graph import build_graph, effective_metric


@pytest.fixture(scope="module")
def graph(reference: Design) -> nx.MultiGraph:
    return build_graph(reference)


def test_sizes(reference: Design, graph: nx.MultiGraph) -> None:
    assert graph.number_of_nodes() == len(reference.hosts) + len(reference.peers) == 66
    assert graph.number_of_edges() == len(reference.links) + len(reference.uplinks) == 97
    assert nx.is_connected(graph)


def test_parallel_links_are_kept(graph: nx.MultiGraph) -> None:
    edges = graph.get_edge_data("dg-mc-01", "dg-mc-02")
    assert sorted(edges) == ["mc-pair-1", "mc-pair-2"]
    assert {e["ducts"] for e in edges.values()} == {("core-east-trunk",), ("core-west-trunk",)}


def test_node_attributes(graph: nx.MultiGraph) -> None:
    humen = graph.nodes["dg-humen"]
    assert humen["role"] == "town"
    assert humen["layer"] == "town"
    assert humen["site"] == "humen"
    assert humen["district"] == "binhai"
    assert humen["platform"] == "huawei_vrp"
    assert humen["managed"] is True
    assert ipaddress.ip_interface(humen["loopback_ipv4"]).network.prefixlen == 32
    assert ipaddress.ip_network(humen["srv6_locator"]).prefixlen == 64
    assert ipaddress.ip_network(humen["srv6_locator"]).subnet_of(
        ipaddress.ip_network("5f00:0:769::/48")
    )
    ce = graph.nodes["dg-ce-gaj"]
    assert ce["layer"] == "ce" and ce["srv6_locator"] is None and ce["loopback_ipv4"] is not None
    peer = graph.nodes["gd-prov-wan-01"]
    assert peer["managed"] is False and peer["layer"] == "province" and peer["asn"] == 65000
    assert graph.nodes["dg-mc-01"]["route_reflector"] is True
    assert graph.nodes["dg-wan-01"]["route_reflector"] is False


def test_ring_edges(graph: nx.MultiGraph) -> None:
    members = graph.graph["rings"]["R3"]["members"]
    assert members == [
        "dg-agg-binhai",
        "dg-changan",
        "dg-humen",
        "dg-shatian",
        "dg-houjie",
        "dg-agg-central",
    ]
    for a, b in itertools.pairwise(members):
        (edge,) = graph.get_edge_data(a, b).values()
        assert edge["ring"] == "R3" and edge["ring_level"] == 1 and edge["kind"] == "ring"
    (spur,) = graph.get_edge_data("dg-huangjiang", "dg-agg-southeast").values()
    assert spur["ring"] is None and spur["kind"] == "backbone"
    (ce,) = graph.get_edge_data("dg-ce-czj", "dg-agg-central").values()
    assert ce["kind"] == "attachment"
    ring_edges = [d for _, _, d in graph.edges(data=True) if d["ring"]]
    assert (
        len(ring_edges) == sum(len(r["members"]) - 1 for r in graph.graph["rings"].values()) == 39
    )


def test_link_addresses(graph: nx.MultiGraph) -> None:
    (edge,) = graph.get_edge_data("dg-agg-binhai", "dg-changan").values()
    v4 = {d: ipaddress.ip_interface(a) for d, a in edge["ipv4"].items()}
    assert v4["dg-agg-binhai"].network == v4["dg-changan"].network
    assert v4["dg-agg-binhai"].network.prefixlen == 31
    assert int(v4["dg-agg-binhai"].ip) + 1 == int(v4["dg-changan"].ip)  # lower name, lower address
    v6 = {d: ipaddress.ip_interface(a) for d, a in edge["ipv6"].items()}
    assert v6["dg-agg-binhai"].network == v6["dg-changan"].network
    assert v6["dg-agg-binhai"].network.prefixlen == 127
    assert edge["interfaces"] == {"dg-agg-binhai": "10GE2/0/0", "dg-changan": "TenGigE0/0/1/0"}
    # every managed link end has a unique address
    addresses = [
        a for _, _, d in graph.edges(data=True) if d["kind"] != "uplink" for a in d["ipv4"].values()
    ]
    assert len(addresses) == len(set(addresses)) == 2 * 91


def test_uplink_edges(graph: nx.MultiGraph) -> None:
    edge = graph.get_edge_data("dg-inet-01", "ct-dongguan")["dg-inet-01--ct-dongguan"]
    assert edge["kind"] == "uplink"
    assert edge["ipv4"] == {"dg-inet-01": "203.0.113.1/30", "ct-dongguan": "203.0.113.2/30"}
    assert edge["interfaces"] == {"dg-inet-01": "100GE1/0/10"}


@pytest.mark.parametrize(
    ("metric", "capacity", "expected"),
    [
        (None, 100_000, 10),
        (None, 10_000, 100),
        (None, 1_000, 1000),
        (None, 2_000_000, 1),
        (7, 10_000, 7),
    ],
)
def test_effective_metric(metric: int | None, capacity: int, expected: int) -> None:
    assert effective_metric(metric, capacity, 1_000_000) == expected


def test_edge_metrics_follow_capacity(graph: nx.MultiGraph) -> None:
    for _, _, data in graph.edges(data=True):
        assert data["metric"] == 1_000_000 // data["capacity_mbps"]
