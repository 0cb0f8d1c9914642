"""Node-disjoint and duct-disjoint path pairs: the reference design worked out by hand, edge
cases, and random small networks checked against exhaustive enumeration."""

from __future__ import annotations

import itertools
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path

import networkx as nx
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from rich.console import Console
from typer.testing import CliRunner

from govnet.cli import app
from govnet.design import Design, load_design
from govnet.topology.graph import build_graph
from govnet.topology.paths import (
    Method,
    PathReport,
    Route,
    TargetPaths,
    Verdict,
    analyse_site,
    analyse_target,
    build_net,
    duct_disjoint_pair,
    make_query,
    node_disjoint_pair,
    paths_tables,
)
from tests.conftest import REFERENCE, json_result, replace_in

TARGETS = ("cloud-dc", "dr-dc", "internet")
R1_STREETS = ("nancheng", "guancheng", "wanjiang", "dongcheng")


@pytest.fixture(scope="module")
def graph(reference: Design) -> nx.MultiGraph:
    return build_graph(reference)


def site_report(design: Design, graph: nx.MultiGraph, site: str) -> PathReport:
    report = analyse_site(design, graph, site)
    assert list(report.targets) == list(TARGETS)
    return report


def chains(paths: TargetPaths) -> list[list[str]]:
    return [p.devices for p in paths.paths]


# --- the reference design, worked out by hand from topology/links.yaml ---------------------------
#
# Metrics are reference bandwidth / capacity: 10 on 100G links, 100 on 10G ring spans, 1000 on GE
# CE tails. Both gateways of every target hang off both metro cores (dg-mc-01, dg-mc-02).


def test_r3_town_to_cloud_dc(reference: Design, graph: nx.MultiGraph) -> None:
    """Humen (R3) leaves by Chang'an towards dg-agg-binhai and by Shatian and Houjie towards
    dg-agg-central; node-disjointness sends the two sides to different metro cores and different
    cloud gateways. Both assignments cost 540; binhai->mc-02 + central->mc-01 is the shorter fiber
    (28.3 + 1.2 km against 27.7 + 20.3 km)."""
    paths = site_report(reference, graph, "humen").targets["cloud-dc"]
    assert paths.verdict is Verdict.DISJOINT and paths.node_disjoint
    assert [c[:-1] for c in chains(paths)] == [
        ["dg-humen", "dg-changan", "dg-agg-binhai", "dg-mc-02"],
        ["dg-humen", "dg-shatian", "dg-houjie", "dg-agg-central", "dg-mc-01"],
    ]
    assert {c[-1] for c in chains(paths)} == {"dg-cloud-01", "dg-cloud-02"}  # a tie: either way
    assert [p.cost for p in paths.paths] == [220, 320] and paths.total_cost == 540
    assert [p.length_km for p in paths.paths] == [65.7, 70.1] and paths.total_km == 135.8
    assert paths.paths[0].ducts == [
        "r3-changan-humen",
        "r3-agg-binhai-changan",
        "agg-binhai-core-2",
        "cloud-dc-core-2",
    ]
    assert paths.paths[1].ducts == [
        "r3-humen-shatian",
        "r3-shatian-houjie",
        "r3-houjie-agg-central",
        "agg-central-core-1",
        "cloud-dc-core-1",
    ]
    assert paths.paths[0].links[0] == "dg-changan--dg-humen"
    assert not paths.shares_duct and paths.shared_ducts == []
    assert paths.duct_disjoint is True and paths.duct_search is None


def test_every_r3_town_has_a_fully_disjoint_pair(reference: Design, graph: nx.MultiGraph) -> None:
    for site in ("changan", "humen", "shatian", "houjie"):
        for paths in site_report(reference, graph, site).targets.values():
            assert paths.verdict is Verdict.DISJOINT, (site, paths.target)
            assert paths.total_cost == 540  # five ring spans around R3, two uplinks, two DC legs


def test_spur_has_no_node_disjoint_pair(reference: Design, graph: nx.MultiGraph) -> None:
    """dg-huangjiang has one link: one path, 100 + 10 + 10, cheapest fiber through dg-mc-02
    (11.4 + 31.4 + 4.6 km); the spur duct is a cut."""
    report = site_report(reference, graph, "huangjiang")
    for paths in report.targets.values():
        assert paths.verdict is Verdict.SINGLE_PATH and not paths.node_disjoint
        assert len(paths.paths) == 1 and paths.paths[0].cost == 120
        assert chains(paths)[0][:3] == ["dg-huangjiang", "dg-agg-southeast", "dg-mc-02"]
        assert paths.duct_disjoint is False
        search = paths.duct_search
        assert search is not None and search.exists is False and search.exact
        assert search.method is Method.CUT and search.cut == "spur-huangjiang"
        assert search.paths == []
    cloud = report.targets["cloud-dc"]
    assert cloud.paths[0].length_km == 47.4 and cloud.total_km == 47.4


def test_r1_streets_share_the_avenue_trunk(reference: Design, graph: nx.MultiGraph) -> None:
    """The only links leaving the four R1 streets are dg-agg-central—dg-nancheng and
    dg-dongcheng—dg-mc-01, both in dg-avenue-trunk: every street has a node-disjoint pair, every
    such pair shares that duct, and no duct-disjoint pair exists at all."""
    for site in R1_STREETS:
        for paths in site_report(reference, graph, site).targets.values():
            assert paths.verdict is Verdict.SHARED_DUCT, (site, paths.target)
            assert paths.node_disjoint and paths.shared_ducts == ["dg-avenue-trunk"]
            assert paths.duct_disjoint is False
            search = paths.duct_search
            assert search is not None and search.exists is False and search.exact
            assert search.cut == "dg-avenue-trunk"


def test_nancheng_pair_by_hand(reference: Design, graph: nx.MultiGraph) -> None:
    """The ring side must exit at dg-mc-01 (Dongcheng's only uplink), so the short side goes
    dg-agg-central -> dg-mc-02: 100 + 10 + 10 and 4 × 100 + 10."""
    paths = site_report(reference, graph, "nancheng").targets["cloud-dc"]
    assert [c[:-1] for c in chains(paths)] == [
        ["dg-nancheng", "dg-agg-central", "dg-mc-02"],
        ["dg-nancheng", "dg-guancheng", "dg-wanjiang", "dg-dongcheng", "dg-mc-01"],
    ]
    assert [p.cost for p in paths.paths] == [120, 410] and paths.total_cost == 530
    assert [p.length_km for p in paths.paths] == [27.7, 50.0] and paths.total_km == 77.7


def test_single_homed_bureau(reference: Design, graph: nx.MultiGraph) -> None:
    paths = site_report(reference, graph, "bureau-czj").targets["dr-dc"]
    assert paths.verdict is Verdict.SINGLE_PATH and paths.paths[0].cost == 1020
    assert paths.duct_search is not None and paths.duct_search.cut == "bureau-czj-a"


def test_dual_homed_bureau_never_transits_a_ce(reference: Design, graph: nx.MultiGraph) -> None:
    paths = site_report(reference, graph, "bureau-gaj").targets["cloud-dc"]
    assert paths.verdict is Verdict.DISJOINT and paths.total_cost == 1010 + 1020
    for site in ("humen", "nancheng", "core-1"):
        for other in site_report(reference, graph, site).targets.values():
            for path in other.paths:
                assert not any(
                    d.startswith(("dg-ce-", "gd-prov", "ct-", "cu-")) for d in path.devices
                )


def test_duct_disjoint_pair_found_by_search(design_dir: Path) -> None:
    """Move the uplinks of dg-agg-central into the other aggregation's ducts: agg-central—mc-01
    into agg-binhai-core-2 and agg-central—mc-02 into agg-binhai-core-1. Every 540 node-disjoint
    pair from Humen now shares a duct (binhai and central go to different metro cores). Sharing a
    device is allowed for duct-disjointness: both sides go to dg-mc-01 and one crosses to dg-mc-02
    (+10): 550, 32.8 + 43.7 + 27.7 + 1.2 + 25.2 + 20.6 + 4.6 = 155.8 km."""
    links = design_dir / "topology" / "links.yaml"
    replace_in(links, "ducts: [agg-central-core-1]", "ducts: [agg-binhai-core-2]")
    replace_in(links, "ducts: [agg-central-core-2]", "ducts: [agg-binhai-core-1]")
    design = load_design(design_dir)
    paths = analyse_site(design, build_graph(design), "humen").targets["cloud-dc"]
    assert paths.verdict is Verdict.SHARED_DUCT and paths.total_cost == 540
    assert paths.shared_ducts == ["agg-binhai-core-2"]
    assert paths.duct_disjoint is True
    search = paths.duct_search
    assert search is not None and search.exists and search.exact
    assert search.method is Method.BRANCH_AND_BOUND and search.explored > 0
    assert search.total_cost == 550 and search.total_km == 155.8
    assert search.node_disjoint is False
    first, second = search.paths
    assert not set(first.ducts) & set(second.ducts) and not set(first.links) & set(second.links)
    assert all("dg-mc-01" in p.devices for p in search.paths)


# --- edge cases ----------------------------------------------------------------------------------


def test_site_hosting_the_target(reference: Design, graph: nx.MultiGraph) -> None:
    report = site_report(reference, graph, "cloud-dc")
    local = report.targets["cloud-dc"]
    assert local.verdict is Verdict.LOCAL and local.total_cost == 0
    assert chains(local) == [["dg-cloud-01"], ["dg-cloud-02"]]
    assert local.duct_disjoint is True and local.duct_search is None
    dr = report.targets["dr-dc"]  # two devices: the paths leave from different ones
    assert dr.verdict is Verdict.DISJOINT and dr.total_cost == 40
    assert sorted(c[0] for c in chains(dr)) == ["dg-cloud-01", "dg-cloud-02"]


def test_disconnected_site(reference: Design, graph: nx.MultiGraph) -> None:
    cut = graph.copy()
    cut.remove_edge("dg-huangjiang", "dg-agg-southeast")
    for paths in analyse_site(reference, cut, "huangjiang").targets.values():
        assert paths.verdict is Verdict.UNREACHABLE and paths.paths == []
        assert paths.total_cost is None and paths.duct_disjoint is False


def test_target_without_gateways_and_site_without_devices() -> None:
    net = build_net(tiny_graph([("a", "b", 1, ())]))
    assert analyse_target(net, "cloud-dc", ["a"], []).verdict is Verdict.UNREACHABLE
    assert analyse_target(net, "cloud-dc", [], ["b"]).verdict is Verdict.UNREACHABLE


def tiny_graph(
    links: Sequence[tuple[str, str, int, tuple[str, ...]]],
    non_transit: Sequence[str] = (),
    unmanaged: Sequence[str] = (),
) -> nx.MultiGraph:
    """Links (a, b, metric, ducts), keyed l0, l1, ... with 1 km each."""
    graph = nx.MultiGraph()
    for i, (a, b, metric, ducts) in enumerate(links):
        for node in (a, b):
            graph.add_node(node, managed=node not in unmanaged, backbone=node not in non_transit)
        graph.add_edge(a, b, key=f"l{i}", metric=metric, length_km=1.0, ducts=ducts)
    return graph


def test_trap_topology_needs_the_interlacing_step() -> None:
    """The shortest path s-a-b-t (3) leaves no node-disjoint second path; Suurballe's second search
    goes s-c-b, back along a-b (a negative arc of the residual graph) and on a-d-t, which cancels
    the a-b span: s-a-d-t (5) + s-c-b-t (5) = 10."""
    links = [("s", "a", 1, ()), ("a", "b", 1, ()), ("b", "t", 1, ())]
    links += [("s", "c", 2, ()), ("c", "b", 2, ()), ("a", "d", 2, ()), ("d", "t", 2, ())]
    paths = analyse_target(build_net(tiny_graph(links)), "x", ["s"], ["t"])
    assert paths.verdict is Verdict.DISJOINT and paths.total_cost == 10
    assert chains(paths) == [["s", "a", "d", "t"], ["s", "c", "b", "t"]]


def test_parallel_links_to_a_lone_gateway() -> None:
    """A lone source and a lone gateway joined by two parallel links: the pair is the two links."""
    net = build_net(tiny_graph([("s", "g", 2, ("d1",)), ("s", "g", 3, ("d2",))]))
    paths = analyse_target(net, "t", ["s"], ["g"])
    assert paths.verdict is Verdict.DISJOINT
    assert [p.links for p in paths.paths] == [["l0"], ["l1"]] and paths.total_cost == 5
    same = build_net(tiny_graph([("s", "g", 2, ("d1",)), ("s", "g", 3, ("d1",))]))
    shared = analyse_target(same, "t", ["s"], ["g"])
    assert shared.verdict is Verdict.SHARED_DUCT and shared.duct_disjoint is False
    assert shared.duct_search is not None and shared.duct_search.cut == "d1"


def test_parallel_links_between_inner_nodes_carry_one_path() -> None:
    """s—a has two parallel links: the cheaper one is used, and a can carry only one path."""
    links = [("s", "a", 5, ()), ("s", "a", 1, ()), ("a", "g1", 1, ()), ("a", "g2", 1, ())]
    net = build_net(tiny_graph(links))
    paths = analyse_target(net, "t", ["s"], ["g1", "g2"])
    assert paths.verdict is Verdict.SINGLE_PATH and paths.paths[0].links == ["l1", "l2"]
    assert paths.duct_disjoint is True  # a device may be shared: l0 + l1 lead to a, then g1 / g2
    assert paths.duct_search is not None and paths.duct_search.total_cost == 8
    assert paths.duct_search.node_disjoint is False


def test_transit_only_through_managed_backbone_devices() -> None:
    links = [("s", "ce", 1, ()), ("ce", "g", 1, ()), ("s", "peer", 1, ()), ("peer", "g", 1, ())]
    links += [("s", "x", 10, ()), ("x", "g", 10, ())]
    net = build_net(tiny_graph(links, non_transit=["ce"], unmanaged=["peer"]))
    paths = analyse_target(net, "t", ["s"], ["g"])
    assert paths.verdict is Verdict.SINGLE_PATH and chains(paths) == [["s", "x", "g"]]
    from_ce = analyse_target(net, "t", ["ce"], ["g"])  # a CE may start a path
    assert chains(from_ce)[0] == ["ce", "g"]


def test_lone_device_that_is_the_lone_gateway() -> None:
    net = build_net(tiny_graph([("g", "a", 1, ())]))
    paths = analyse_target(net, "t", ["g"], ["g"])
    assert paths.verdict is Verdict.LOCAL and chains(paths) == [["g"]]


def test_budget_and_size_limits_say_not_exact() -> None:
    """s-a-g and s-b-g (2 each) both run in duct d (on s-a and on b-g): the cheapest duct-disjoint
    pair takes the dear route s-c-g (6) for one side."""
    links = [("s", "a", 1, ("d",)), ("a", "g", 1, ()), ("s", "b", 1, ()), ("b", "g", 1, ("d",))]
    links += [("s", "c", 3, ()), ("c", "g", 3, ())]
    net = build_net(tiny_graph(links))
    exact = analyse_target(net, "t", ["s"], ["g"]).duct_search
    assert exact is not None and exact.exact and exact.total_cost == 8  # s-a-g + s-c-g
    query = make_query(net, ["s"], ["g"])
    heuristic = duct_disjoint_pair(net, query, exact_limit=0)
    assert heuristic.method is Method.HEURISTIC and not heuristic.exact
    stopped = duct_disjoint_pair(net, query, budget=0)
    assert stopped.method is Method.BRANCH_AND_BOUND and not stopped.exact


# --- output --------------------------------------------------------------------------------------


def rendered(report: PathReport) -> str:
    console = Console(record=True, width=200)
    for table in paths_tables(report):
        console.print(table)
    return console.export_text()


def test_tables(reference: Design, graph: nx.MultiGraph) -> None:
    text = rendered(site_report(reference, graph, "nancheng"))
    assert "nancheng → cloud-dc (dg-cloud-01, dg-cloud-02)" in text
    assert "dg-nancheng → dg-agg-central → dg-mc-02" in text
    assert "every path crosses dg-avenue-trunk" in text and "node-disjoint 2" in text
    spur = rendered(site_report(reference, graph, "huangjiang"))
    assert "no two node-disjoint paths" in spur and "shortest" in spur


def test_cli_json_and_unknown_site() -> None:
    runner = CliRunner()
    result = runner.invoke(app, ["paths", "humen", "--json", "--design", str(REFERENCE)])
    assert result.exit_code == 0, result.output
    payload = json_result(result.stdout)
    assert payload["targets"]["cloud-dc"]["verdict"] == "disjoint"
    assert payload["targets"]["cloud-dc"]["total_cost"] == 540
    table = runner.invoke(app, ["paths", "nancheng", "--design", str(REFERENCE)])
    assert table.exit_code == 0 and "dg-avenue-trunk" in table.stdout
    unknown = runner.invoke(app, ["paths", "atlantis", "--design", str(REFERENCE)])
    assert unknown.exit_code == 2


# --- random networks against exhaustive enumeration ----------------------------------------------

DUCTS = ("d0", "d1", "d2", "d3")


@dataclass(frozen=True)
class Case:
    graph: nx.MultiGraph
    sources: tuple[str, ...]
    sinks: tuple[str, ...]


@st.composite
def networks(draw: st.DrawFn) -> Case:
    """Two core nodes, one or two gateways, up to three rings closing on earlier nodes (rings of
    rings, spurs when both ends coincide), chords, parallel links, random ducts, maybe a CE."""
    graph = nx.MultiGraph()
    keys = itertools.count()

    def node(name: str, transit: bool = True) -> None:
        graph.add_node(name, managed=True, backbone=transit)

    def link(a: str, b: str) -> None:
        ducts = draw(st.lists(st.sampled_from(DUCTS), max_size=2, unique=True))
        graph.add_edge(
            a,
            b,
            key=f"l{next(keys)}",
            metric=draw(st.integers(1, 4)),
            length_km=float(draw(st.integers(1, 9))),
            ducts=tuple(ducts),
        )

    node("c0")
    node("c1")
    link("c0", "c1")
    gateways = ["g0", "g1"][: draw(st.integers(1, 2))]
    for gateway in gateways:
        node(gateway)
        for core in draw(st.lists(st.sampled_from(["c0", "c1"]), min_size=1, unique=True)):
            link(gateway, core)
    existing, members = ["c0", "c1"], []
    for r in range(draw(st.integers(1, 3))):
        ring = [f"r{r}n{i}" for i in range(draw(st.integers(1, 3)))]
        ends = draw(st.lists(st.sampled_from(existing), min_size=2, max_size=2))
        for name in ring:
            node(name)
        for a, b in itertools.pairwise([ends[0], *ring, ends[1]]):
            link(a, b)
        existing += ring
        members += ring
    for _ in range(draw(st.integers(0, 2))):
        a, b = draw(st.lists(st.sampled_from(existing), min_size=2, max_size=2, unique=True))
        link(a, b)
    for _ in range(draw(st.integers(0, 2))):
        link(*draw(st.sampled_from(sorted(graph.edges()))))
    if draw(st.booleans()):
        node("ce", transit=False)
        for other in draw(st.lists(st.sampled_from(existing), min_size=1, max_size=2, unique=True)):
            link("ce", other)
        members.append("ce")
    sources = draw(st.lists(st.sampled_from(members), min_size=1, max_size=2, unique=True))
    return Case(graph, tuple(sorted(sources)), tuple(gateways))


@dataclass(frozen=True)
class Walk:
    nodes: tuple[str, ...]
    links: tuple[str, ...]
    ducts: frozenset[str]
    metric: int
    metres: int


@dataclass(frozen=True)
class Hop:
    key: str
    ducts: tuple[str, ...]
    metric: int
    metres: int


def walks(case: Case) -> list[Walk]:
    """Every simple path from a source to a sink whose inner devices may carry transit."""
    graph, found = case.graph, []

    def extend(nodes: tuple[str, ...], hops: tuple[Hop, ...]) -> None:
        here = nodes[-1]
        if here in case.sinks:
            found.append(
                Walk(
                    nodes,
                    tuple(h.key for h in hops),
                    frozenset(d for h in hops for d in h.ducts),
                    sum(h.metric for h in hops),
                    sum(h.metres for h in hops),
                )
            )
        if len(nodes) > 1 and not graph.nodes[here]["backbone"]:
            return
        for _, other, key, data in graph.edges(here, keys=True, data=True):
            if other not in nodes:
                hop = Hop(key, data["ducts"], data["metric"], round(data["length_km"] * 1000))
                extend((*nodes, other), (*hops, hop))

    for source in case.sources:
        extend((source,), ())
    return found


def node_disjoint(case: Case, a: Walk, b: Walk) -> bool:
    shared_ends = {ends[0] for ends in (case.sources, case.sinks) if len(ends) == 1}
    return set(a.nodes) & set(b.nodes) <= shared_ends and not set(a.links) & set(b.links)


def duct_disjoint(a: Walk, b: Walk) -> bool:
    return not a.ducts & b.ducts and not set(a.links) & set(b.links)


def pairs(found: Sequence[Walk], keep: Callable[[Walk, Walk], bool]) -> Iterator[tuple[Walk, Walk]]:
    for a, b in itertools.combinations(found, 2):
        if keep(a, b):
            yield a, b


def cheapest(found: Sequence[tuple[Walk, Walk]]) -> list[tuple[Walk, Walk]]:
    best = min(a.metric + b.metric for a, b in found)
    return [(a, b) for a, b in found if a.metric + b.metric == best]


def shortest_fiber(found: Sequence[tuple[Walk, Walk]]) -> int:
    return min(a.metres + b.metres for a, b in found)


def link_sets(net_keys: Sequence[str], routes: Sequence[Route]) -> frozenset[tuple[str, ...]]:
    return frozenset(tuple(net_keys[e] for e in route.edges) for route in routes)


def walk_sets(pair: tuple[Walk, Walk]) -> frozenset[tuple[str, ...]]:
    return frozenset(w.links for w in pair)


PROPERTY = settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@st.composite
def meshes(draw: st.DrawFn) -> Case:
    """Any small multigraph: the shapes rings never make (where Dijkstra without potentials on
    the residual graph goes wrong)."""
    size = draw(st.integers(4, 7))
    graph = nx.MultiGraph()
    for i in range(size):
        graph.add_node(f"n{i}", managed=True, backbone=True)
    ends = st.lists(st.integers(0, size - 1), min_size=2, max_size=2, unique=True)
    for key, (a, b) in enumerate(draw(st.lists(ends, min_size=size, max_size=11))):
        ducts = draw(st.lists(st.sampled_from(DUCTS), max_size=2, unique=True))
        metric = draw(st.integers(1, 9))
        graph.add_edge(
            f"n{a}", f"n{b}", key=f"l{key}", metric=metric, length_km=1.0, ducts=tuple(ducts)
        )
    sinks = ("n1", "n2")[: draw(st.integers(1, 2))]
    return Case(graph, ("n0",), sinks)


def test_suurballe_needs_the_potentials() -> None:
    """A mesh where Dijkstra with raw costs in the residual graph finds a pair costing 33."""
    links = [("n0", "n3", 4), ("n0", "n6", 9), ("n1", "n2", 6), ("n1", "n4", 1), ("n2", "n3", 2)]
    links += [("n2", "n4", 8), ("n2", "n6", 8), ("n3", "n4", 5), ("n3", "n4", 8), ("n3", "n5", 6)]
    links += [("n4", "n6", 8)]
    graph = tiny_graph([(a, b, m, ()) for a, b, m in links])
    case = Case(graph, ("n0",), ("n1",))
    best = min(
        a.metric + b.metric for a, b in pairs(walks(case), lambda a, b: node_disjoint(case, a, b))
    )
    assert best == 30
    assert analyse_target(build_net(graph), "x", ["n0"], ["n1"]).total_cost == 30


@PROPERTY
@given(networks() | meshes())
def test_node_disjoint_pair_against_enumeration(case: Case) -> None:
    net = build_net(case.graph)
    found = walks(case)
    report = analyse_target(net, "t", case.sources, case.sinks)
    if not found:
        assert report.verdict is Verdict.UNREACHABLE and report.paths == []
        return
    candidates = list(pairs(found, lambda a, b: node_disjoint(case, a, b)))
    if not candidates:
        assert report.verdict is Verdict.SINGLE_PATH and len(report.paths) == 1
        shortest = min((w.metric, w.metres) for w in found)
        assert (report.paths[0].cost, round(report.paths[0].length_km * 1000)) == shortest
        return
    # Suurballe alone: the cheapest pair by IGP cost, then by fiber length
    routes = node_disjoint_pair(net, make_query(net, case.sources, case.sinks))
    optimum = min((a.metric + b.metric, a.metres + b.metres) for a, b in candidates)
    by_weight = [
        p for p in candidates if (p[0].metric + p[1].metric, p[0].metres + p[1].metres) == optimum
    ]
    assert link_sets(net.keys, routes) in {walk_sets(p) for p in by_weight}
    # the report: among the cheapest pairs, one sharing no duct if there is one
    best = cheapest(candidates)
    fully = [(a, b) for a, b in best if not a.ducts & b.ducts]
    assert report.node_disjoint and report.total_cost == best[0][0].metric + best[0][1].metric
    assert (report.verdict is Verdict.DISJOINT) == bool(fully)
    assert report.shares_duct == (not fully)
    chosen = fully or best
    reported = frozenset(tuple(p.links) for p in report.paths)
    assert reported in {walk_sets(p) for p in chosen}
    assert round((report.total_km or 0) * 1000) == shortest_fiber(chosen)
    if not fully:
        assert report.duct_disjoint == any(True for _ in pairs(found, duct_disjoint))


@PROPERTY
@given(networks() | meshes())
def test_duct_disjoint_pair_against_enumeration(case: Case) -> None:
    net = build_net(case.graph)
    query = make_query(net, case.sources, case.sinks)
    answer = duct_disjoint_pair(net, query)
    candidates = list(pairs(walks(case), duct_disjoint))
    assert answer.exact
    assert answer.exists is bool(candidates)
    if not candidates:
        assert answer.pair is None
        return
    assert answer.pair is not None
    best = cheapest(candidates)
    reported = link_sets(net.keys, answer.pair)
    assert reported in {walk_sets(p) for p in best}
    also_node = [p for p in best if node_disjoint(case, *p)]
    chosen = also_node or best
    assert reported in {walk_sets(p) for p in chosen}
    total_metres = sum(net.metres[e] for route in answer.pair for e in route.edges)
    assert total_metres == shortest_fiber(chosen)


@PROPERTY
@given(networks() | meshes())
def test_heuristic_and_budget_answers_are_sound(case: Case) -> None:
    net = build_net(case.graph)
    query = make_query(net, case.sources, case.sinks)
    candidates = list(pairs(walks(case), duct_disjoint))
    for answer in (
        duct_disjoint_pair(net, query, exact_limit=0),
        duct_disjoint_pair(net, query, budget=1),
    ):
        if answer.pair is None:
            assert answer.exists is not True
            assert answer.exists is None or not candidates
            continue
        assert answer.exists is True
        reported = link_sets(net.keys, answer.pair)
        valid = {walk_sets(p): p for p in candidates}
        assert reported in valid
        if answer.exact:
            assert (
                sum(w.metric for w in valid[reported])
                == cheapest(candidates)[0][0].metric + cheapest(candidates)[0][1].metric
            )
