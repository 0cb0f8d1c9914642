"""Capacity: ECMP loads by hand on tiny graphs and on the reference, and the fast sweep against a
naive networkx reference (every scenario routed from scratch) on random graphs."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path

import networkx as nx
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from typer.testing import CliRunner

from govnet.cli import app
from govnet.design import Design, load_design
from govnet.topology import capacity
from govnet.topology.capacity import (
    CapacityReport,
    Change,
    LinkLoad,
    Network,
    State,
    analyse,
    analyse_graph,
    capacity_tables,
    compile_network,
    failure_scenarios,
    solve,
    sweep,
    sweep_full,
)
from govnet.topology.generate import ProvinceSpec, write_province
from govnet.topology.graph import build_graph
from govnet.topology.models import Demand
from tests.conftest import json_result, replace_in

Loads = dict[tuple[str, str], float]  # (link key, device the traffic leaves) -> Mb/s
Lost = dict[tuple[str, str], float]  # (source site, target site) -> Mb/s
TOLERANCE = 1e-6

# --- the naive reference: networkx, every scenario from scratch ------------------------------


def _site_devices(graph: nx.MultiGraph) -> dict[str, list[str]]:
    devices: dict[str, list[str]] = defaultdict(list)
    for node, data in graph.nodes(data=True):
        if data["managed"]:
            devices[data["site"]].append(node)
    return devices


def _igp(graph: nx.MultiGraph, failed: set[str]) -> nx.MultiGraph:
    igp = nx.MultiGraph()
    igp.add_nodes_from(n for n, d in graph.nodes(data=True) if d["managed"])
    igp.add_edges_from(
        (a, b, key, data)
        for a, b, key, data in graph.edges(keys=True, data=True)
        if key not in failed and a != b and a in igp and b in igp
    )
    return igp


def naive(graph: nx.MultiGraph, demands: Sequence[Demand], failed: set[str]) -> tuple[Loads, Lost]:
    """Per target site: distances to its devices, then every node, farthest first, splits what
    it has equally over all its shortest-path next hops (each parallel link is one)."""
    igp = _igp(graph, failed)
    devices = _site_devices(graph)
    loads: Loads = defaultdict(float)
    lost: Lost = defaultdict(float)
    for target in sorted({d.target for d in demands}):
        sinks = devices.get(target, [])
        dist = nx.multi_source_dijkstra_path_length(igp, sinks, weight="metric") if sinks else {}
        flow: dict[str, float] = defaultdict(float)
        for demand in (d for d in demands if d.target == target):
            sources = devices.get(demand.source, [])
            if not sources:
                lost[(demand.source, target)] += demand.mbps
            for source in sources:
                share = demand.mbps / len(sources)
                if source in dist:
                    flow[source] += share
                else:
                    lost[(demand.source, target)] += share
        for node in sorted(dist, key=lambda n: -dist[n]):
            hops = [
                (y, key)
                for y, parallel in igp[node].items()
                for key, data in parallel.items()
                if y in dist and dist[y] + data["metric"] == dist[node]
            ]
            for y, key in hops:
                loads[(key, node)] += flow[node] / len(hops)
                flow[y] += flow[node] / len(hops)
    return dict(loads), dict(lost)


def _named_loads(net: Network, loads: Iterable[float]) -> Loads:
    return {
        (net.keys[k // 2], net.nodes[net.ends[k // 2][k % 2]]): load
        for k, load in enumerate(loads)
        if load != 0
    }


def _fast(net: Network, normal: State, change: Change) -> tuple[Loads, Lost]:
    loads = normal.loads.copy()
    for key, value in change.delta.items():
        loads[key] += value
    for edge in change.scenario.edges:
        loads[2 * edge] = loads[2 * edge + 1] = 0.0
    lost: Lost = defaultdict(float, normal.lost)
    for (node, d), mbps in change.lost.items():
        lost[(str(net.sites[node]), net.destinations[d].site)] += mbps
    return _named_loads(net, loads), dict(lost)


def assert_close(got: dict[tuple[str, str], float], want: dict[tuple[str, str], float]) -> None:
    gaps = {k: (got.get(k, 0.0), want.get(k, 0.0)) for k in set(got) | set(want)}
    wrong = {k: v for k, v in gaps.items() if abs(v[0] - v[1]) > TOLERANCE}
    assert not wrong, f"got, want: {wrong}"


# --- a tiny graph by hand ---------------------------------------------------------------------


LinkSpec = tuple[str, str, str, int, tuple[str, ...]]


def tiny_graph(nodes: Mapping[str, str | None], links: Sequence[LinkSpec]) -> nx.MultiGraph:
    """``nodes``: name -> site (None: a peer outside the IGP); ``links``: key, a, b, metric,
    ducts (capacity 10 Gb/s)."""
    graph = nx.MultiGraph()
    for name, site in nodes.items():
        graph.add_node(name, site=site, managed=site is not None)
    for key, a, b, metric, ducts in links:
        graph.add_edge(a, b, key=key, metric=metric, capacity_mbps=10_000, ducts=ducts)
    return graph


@pytest.fixture
def square() -> nx.MultiGraph:
    """s reaches t over x and over y at equal cost; y-t is two parallel links in one duct."""
    return tiny_graph(
        {"s": "src", "x": "mid", "y": "mid", "t": "dst"},
        [
            ("s-x", "s", "x", 1, ()),
            ("s-y", "s", "y", 1, ()),
            ("x-t", "x", "t", 1, ()),
            ("y-t-1", "y", "t", 1, ("trunk",)),
            ("y-t-2", "y", "t", 1, ("trunk",)),
        ],
    )


DEMAND = [Demand(source="src", target="dst", mbps=100)]


def _scenario(net: Network, normal: State, graph: nx.MultiGraph, name: str) -> Change:
    scenarios = [s for s in failure_scenarios(graph, net) if s.name == name]
    assert len(scenarios) == 1, name
    return next(sweep(net, normal, scenarios))


def test_square_splits_equally(square: nx.MultiGraph) -> None:
    net = compile_network(square, DEMAND)
    loads = _named_loads(net, solve(net).loads)
    assert loads == {
        ("s-x", "s"): 50,
        ("s-y", "s"): 50,
        ("x-t", "x"): 50,
        ("y-t-1", "y"): 25,
        ("y-t-2", "y"): 25,
    }


@pytest.mark.parametrize(
    ("failed", "expected"),
    [
        ("link s-x", {("s-y", "s"): 100, ("y-t-1", "y"): 50, ("y-t-2", "y"): 50}),
        (
            "link y-t-1",
            {("s-x", "s"): 50, ("s-y", "s"): 50, ("x-t", "x"): 50, ("y-t-2", "y"): 50},
        ),
        # y's best way out is now back through s: s sends everything over x
        ("duct trunk", {("s-x", "s"): 100, ("x-t", "x"): 100}),
    ],
)
def test_square_failures(square: nx.MultiGraph, failed: str, expected: Loads) -> None:
    net = compile_network(square, DEMAND)
    normal = solve(net)
    loads, lost = _fast(net, normal, _scenario(net, normal, square, failed))
    assert_close(loads, expected)
    assert not lost


def test_square_report(square: nx.MultiGraph) -> None:
    report = analyse_graph(square, DEMAND, threshold=0.009)
    by_link = {x.link: x for x in report.loads}
    assert by_link["s-x"].normal_mbps == 50
    assert by_link["s-x"].normal_from == "s"
    assert by_link["s-x"].worst_mbps == 100
    assert by_link["s-x"].worst_utilisation == 0.01
    assert by_link["s-x"].worst_scenario == "link s-y"  # the first of the three that do it
    # s-x down: all of it over y, split on the pair; y-t-1 down: y's half on y-t-2 alone
    assert by_link["y-t-2"].worst_mbps == 50
    assert by_link["y-t-2"].worst_scenario == "link s-x"
    assert {x.link for x in report.overloaded} == {"s-x", "s-y", "x-t"}
    assert report.scenarios == 6  # five links and one duct
    assert report.scenarios_with_loss == 0


def test_several_devices_share_their_site_and_cut_ones_are_lost() -> None:
    graph = tiny_graph(
        {"a1": "town", "a2": "town", "m": "mid", "d": "dc"},
        [("a1-m", "a1", "m", 1, ()), ("a2-m", "a2", "m", 1, ()), ("m-d", "m", "d", 1, ())],
    )
    demands = [Demand(source="town", target="dc", mbps=300)]
    net = compile_network(graph, demands)
    normal = solve(net)
    assert _named_loads(net, normal.loads) == {
        ("a1-m", "a1"): 150,
        ("a2-m", "a2"): 150,
        ("m-d", "m"): 300,
    }
    loads, lost = _fast(net, normal, _scenario(net, normal, graph, "link a2-m"))
    assert_close(loads, {("a1-m", "a1"): 150, ("m-d", "m"): 150})
    assert lost == {("town", "dc"): 150}


def test_peers_carry_no_transit() -> None:
    """A peer outside our management is not in the IGP: no shortcut through it."""
    graph = tiny_graph(
        {"a": "town", "b": "dc", "c": "mid", "peer": None},
        [
            ("a-peer", "a", "peer", 1, ()),
            ("peer-b", "peer", "b", 1, ()),
            ("a-c", "a", "c", 5, ()),
            ("c-b", "c", "b", 5, ()),
        ],
    )
    demands = [Demand(source="town", target="dc", mbps=10)]
    report = analyse_graph(graph, demands)
    by_link = {x.link: x for x in report.loads}
    assert by_link["a-peer"].worst_mbps == 0
    assert by_link["a-c"].normal_mbps == 10
    assert report.losses[0].scenario == "link a-c"
    assert report.losses[0].lost_mbps == 10


def test_demand_without_devices_is_lost_everywhere() -> None:
    graph = tiny_graph({"a": "town", "b": "dc"}, [("a-b", "a", "b", 1, ())])
    demands = [
        Demand(source="ghost", target="dc", mbps=7),
        Demand(source="town", target="dc", mbps=3),
    ]
    report = analyse_graph(graph, demands)
    assert report.normal_lost_mbps == 7
    assert report.scenarios_with_loss == 1
    assert report.losses[0].lost_mbps == 10
    assert {(d.source, d.mbps) for d in report.losses[0].demands} == {("ghost", 7), ("town", 3)}


# --- the reference city, by hand -------------------------------------------------------------
#
# Metrics: 100G links 10, 10G ring spans and the spur 100, GE bureau tails 1000. Every
# aggregation node and every DC gateway hangs off both metro cores at 10, so every aggregation
# node is 20 from each of the three targets, and the three targets route alike. A town's three
# demands add up: 600 + 150 + 300 = 1,050 Mb/s (twice that for the big ones).
#
# Ring R2 (水乡环): dg-agg-shuixiang, gaobu, shijie, zhongtang, mayong, wangniudun, hongmei, daojiao,
# dg-agg-central; seven towns of 1,050. The k-th town is 100k + 20 from shuixiang's side and
# 100(8 - k) + 20 from central's: gaobu, shijie and zhongtang go west, wangniudun, hongmei and
# daojiao east, and mayong (k = 4, 420 both ways) splits 525 / 525. So the exit span
# shuixiang-gaobu carries 3 x 1,050 + 525 = 3,675 from gaobu, agg-shuixiang halves that to each
# metro core (1,837.5), and with the other exit (central-daojiao) cut the whole ring leaves
# through gaobu: 7 x 1,050 = 7,350 on a 10G span (73.5 %).

R2_WEST_EXIT = "dg-agg-shuixiang--dg-gaobu"
R2_EAST_EXIT = "dg-agg-central--dg-daojiao"
SPUR = "dg-agg-southeast--dg-huangjiang"


@pytest.fixture(scope="module")
def report(reference: Design) -> CapacityReport:
    return analyse(reference, build_graph(reference))


@pytest.fixture(scope="module")
def links(report: CapacityReport) -> dict[str, LinkLoad]:
    return {x.link: x for x in report.loads}


def test_reference_demands_are_what_the_comments_say(reference: Design) -> None:
    r2 = ["gaobu", "shijie", "zhongtang", "mayong", "wangniudun", "hongmei", "daojiao"]
    per_site: dict[str, float] = defaultdict(float)
    for demand in reference.demands:
        per_site[demand.source] += demand.mbps
    assert [per_site[town] for town in r2] == [1050] * 7
    assert per_site["huangjiang"] == 1050
    assert per_site["bureau-gaj"] == 400


def test_spur_carries_huangjiang_alone(links: dict[str, LinkLoad]) -> None:
    spur = links[SPUR]
    assert (spur.normal_mbps, spur.normal_from) == (1050, "dg-huangjiang")
    assert (spur.worst_mbps, spur.worst_scenario) == (1050, "normal")
    assert spur.capacity_mbps == 10_000
    assert spur.normal_utilisation == 0.105


def test_r2_normal_loads(links: dict[str, LinkLoad]) -> None:
    for key in (R2_WEST_EXIT, R2_EAST_EXIT):
        assert links[key].normal_mbps == 3675
    assert links[R2_WEST_EXIT].normal_from == "dg-gaobu"
    assert links[R2_EAST_EXIT].normal_from == "dg-daojiao"
    # mayong's ECMP split: half of it on each of its ring spans, nothing else on them
    for key in ("dg-mayong--dg-zhongtang", "dg-mayong--dg-wangniudun"):
        assert (links[key].normal_mbps, links[key].normal_from) == (525, "dg-mayong")
    for key in ("dg-agg-shuixiang--dg-mc-01", "dg-agg-shuixiang--dg-mc-02"):
        assert (links[key].normal_mbps, links[key].normal_from) == (1837.5, "dg-agg-shuixiang")


def test_r2_exit_carries_the_whole_ring_when_the_other_exit_fails(
    links: dict[str, LinkLoad],
) -> None:
    west, east = links[R2_WEST_EXIT], links[R2_EAST_EXIT]
    assert (west.worst_mbps, west.worst_from) == (7350, "dg-gaobu")
    assert west.worst_scenario == f"link {R2_EAST_EXIT}"
    assert west.worst_utilisation == 0.735
    assert (east.worst_mbps, east.worst_scenario) == (7350, f"link {R2_WEST_EXIT}")


def test_bureau_takes_the_cheaper_tail(links: dict[str, LinkLoad]) -> None:
    """dg-ce-gaj: 1000 + 10 to a target through dg-mc-01, 1000 + 20 through dg-agg-central."""
    assert (links["dg-ce-gaj--dg-mc-01"].normal_mbps, links["dg-ce-gaj--dg-mc-01"].normal_from) == (
        400,
        "dg-ce-gaj",
    )
    assert links["dg-agg-central--dg-ce-gaj"].normal_mbps == 0
    assert links["dg-agg-central--dg-ce-gaj"].worst_mbps == 400


def test_reference_overloads_only_below_the_default_threshold(
    reference: Design, report: CapacityReport
) -> None:
    assert report.overloaded == ()
    assert report.normal_lost_mbps == 0
    stricter = analyse(reference, build_graph(reference), threshold=0.7)
    assert {x.link for x in stricter.overloaded} == {
        R2_WEST_EXIT,
        R2_EAST_EXIT,
        # R3 (滨海环): changan 2,100 + humen 2,100 + shatian 1,050 + houjie 2,100 = 7,350 too
        "dg-agg-binhai--dg-changan",
        "dg-agg-central--dg-houjie",
    }


def test_spur_cut_loses_huangjiang(report: CapacityReport) -> None:
    losses = {loss.scenario: loss for loss in report.losses}
    for scenario in (f"link {SPUR}", "duct spur-huangjiang"):
        loss = losses[scenario]
        assert loss.lost_mbps == 1050
        assert {(d.source, d.target, d.mbps) for d in loss.demands} == {
            ("huangjiang", "cloud-dc", 600),
            ("huangjiang", "dr-dc", 150),
            ("huangjiang", "inet-egress", 300),
        }


def test_avenue_trunk_cut_isolates_the_four_streets(report: CapacityReport) -> None:
    worst = report.losses[0]
    assert worst.scenario == "duct dg-avenue-trunk"
    assert {d.source for d in worst.demands} == {"nancheng", "guancheng", "wanjiang", "dongcheng"}
    assert worst.lost_mbps == 2 * 2100 + 2 * 1050


def test_fast_sweep_only_repairs_destinations_it_touches(
    reference: Design, monkeypatch: pytest.MonkeyPatch
) -> None:
    graph = build_graph(reference)
    net = compile_network(graph, reference.demands)
    normal = solve(net)
    repaired: list[str] = []
    original = capacity._repair

    def spy(
        tree: capacity._Tree, net: Network, failed: frozenset[int], delta: dict[int, float]
    ) -> dict[int, float]:
        repaired.append(net.keys[next(iter(failed))])
        return original(tree, net, failed, delta)

    monkeypatch.setattr(capacity, "_repair", spy)
    by_name = {s.name: s for s in failure_scenarios(graph, net)}
    for name, count in (
        (f"link {SPUR}", 3),  # huangjiang sends to all three targets
        ("link dg-ce-gaj--dg-mc-01", 2),  # bureaus: cloud DC and Internet only
        ("link dg-wan-01--dg-wan-02", 0),  # carries nothing
        ("link dg-mc-01--dg-wan-01", 0),
    ):
        repaired.clear()
        change = next(sweep(net, normal, [by_name[name]]))
        assert len(repaired) == count, name
        assert bool(change.delta) == bool(count)


# --- fast against naive ------------------------------------------------------------------------


def assert_sweeps_agree(graph: nx.MultiGraph, demands: Sequence[Demand]) -> None:
    net = compile_network(graph, demands)
    normal = solve(net)
    want_loads, want_lost = naive(graph, demands, set())
    assert_close(_named_loads(net, normal.loads), want_loads)
    assert_close(normal.lost, want_lost)
    scenarios = failure_scenarios(graph, net)
    full = sweep_full(net, scenarios)
    for change, (scenario, state) in zip(sweep(net, normal, scenarios), full, strict=True):
        failed = {net.keys[e] for e in scenario.edges}
        want_loads, want_lost = naive(graph, demands, failed)
        loads, lost = _fast(net, normal, change)
        assert_close(loads, want_loads)
        assert_close(lost, want_lost)
        assert_close(_named_loads(net, state.loads), want_loads)
        assert_close(state.lost, want_lost)


def test_reference_fast_equals_naive(reference: Design) -> None:
    assert_sweeps_agree(build_graph(reference), reference.demands)


def assert_worst_cases(graph: nx.MultiGraph, demands: Sequence[Demand]) -> None:
    """The report's worst case of every link is the largest load of any scenario, and the
    scenario it names produces it."""
    report = analyse_graph(graph, demands)
    net = compile_network(graph, demands)
    runs = {"normal": naive(graph, demands, set())[0]}
    for scenario in failure_scenarios(graph, net):
        runs[scenario.name] = naive(graph, demands, {net.keys[e] for e in scenario.edges})[0]

    def busier(loads: Loads, link: LinkLoad) -> float:
        return max(loads.get((link.link, link.a), 0.0), loads.get((link.link, link.b), 0.0))

    for link in report.loads:
        worst = max(busier(loads, link) for loads in runs.values())
        assert link.worst_mbps == pytest.approx(worst, abs=1e-3)
        assert busier(runs[link.worst_scenario], link) == pytest.approx(worst, abs=1e-3)
        assert link.normal_mbps == pytest.approx(busier(runs["normal"], link), abs=1e-3)


NAMES = [f"n{i}" for i in range(7)]


@st.composite
def networks(draw: st.DrawFn) -> tuple[nx.MultiGraph, list[Demand]]:
    """Up to 7 devices on up to 4 sites (one maybe a peer outside the IGP), up to 12 links with
    small metrics (ties: ECMP), parallel links, shared ducts; up to 6 demands."""
    n = draw(st.integers(2, 7))
    sites = draw(st.lists(st.sampled_from(["s0", "s1", "s2", "s3", None]), min_size=n, max_size=n))
    ends = st.tuples(st.integers(0, n - 1), st.integers(0, n - 1)).filter(lambda p: p[0] != p[1])
    links = draw(
        st.lists(
            st.tuples(
                ends,
                st.sampled_from([1, 1, 2, 3]),
                st.lists(st.sampled_from(["d0", "d1", "d2"]), max_size=2, unique=True),
            ),
            min_size=1,
            max_size=12,
        )
    )
    graph = tiny_graph(
        dict(zip(NAMES, sites, strict=False)),
        [
            (f"e{i}", NAMES[a], NAMES[b], metric, tuple(ducts))
            for i, ((a, b), metric, ducts) in enumerate(links)
        ],
    )
    pairs = draw(
        st.lists(
            st.tuples(
                st.sampled_from(["s0", "s1", "s2", "s3"]), st.sampled_from(["s0", "s1", "s2"])
            ),
            max_size=6,
            unique=True,
        ).map(lambda ps: [p for p in ps if p[0] != p[1]])
    )
    mbps = draw(st.lists(st.sampled_from([100, 250, 600, 1000 / 3]), min_size=6, max_size=6))
    demands = [Demand(source=s, target=t, mbps=m) for (s, t), m in zip(pairs, mbps, strict=False)]
    return graph, demands


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(networks())
def test_fast_sweep_equals_naive_on_random_graphs(case: tuple[nx.MultiGraph, list[Demand]]) -> None:
    assert_sweeps_agree(*case)


@settings(max_examples=100, deadline=None)
@given(networks())
def test_worst_cases_on_random_graphs(case: tuple[nx.MultiGraph, list[Demand]]) -> None:
    assert_worst_cases(*case)


def test_ring_and_ladder_fast_equals_naive() -> None:
    """Larger than the random graphs: a ring of 12 with chords (many ECMP ties, regions of
    several nodes whose distance grows), two sinks, demands from every other node."""
    nodes = {f"r{i}": f"site{i}" for i in range(12)} | {"dc1": "dc", "dc2": "dc"}
    links: list[LinkSpec] = [
        (f"r{i}-r{(i + 1) % 12}", f"r{i}", f"r{(i + 1) % 12}", 2, (f"d{i % 4}",)) for i in range(12)
    ]
    links += [(f"c{i}", f"r{i}", f"r{i + 6}", 6, ()) for i in range(0, 6, 2)]
    links += [
        ("dc1-r0", "dc1", "r0", 1, ()),
        ("dc2-r6", "dc2", "r6", 1, ()),
        ("dc2-r6b", "dc2", "r6", 1, ()),
    ]
    demands = [Demand(source=f"site{i}", target="dc", mbps=100 + i) for i in range(12)]
    demands += [Demand(source=f"site{i}", target="site0", mbps=10) for i in range(1, 12, 3)]
    graph = tiny_graph(nodes, links)
    assert_sweeps_agree(graph, demands)
    assert_worst_cases(graph, demands)


@pytest.mark.slow
def test_province_fast_equals_full_recompute(tmp_path: Path) -> None:
    """A generated two-city province (2,000 devices, access rings under every town): the fast
    sweep against routing every scenario from scratch, on every 7th scenario."""
    write_province(ProvinceSpec(cities=2), tmp_path)
    design = load_design(tmp_path)
    graph = build_graph(design)
    net = compile_network(graph, design.demands)
    normal = solve(net)
    scenarios = failure_scenarios(graph, net)[::7]
    for change, (_, state) in zip(
        sweep(net, normal, scenarios), sweep_full(net, scenarios), strict=True
    ):
        loads, lost = _fast(net, normal, change)
        assert_close(loads, _named_loads(net, state.loads))
        assert_close(lost, state.lost)


# --- the command --------------------------------------------------------------------------------


def test_cli_json_on_the_reference(reference: Design) -> None:
    result = CliRunner().invoke(app, ["capacity", "--json"])
    assert result.exit_code == 0, result.output
    data = json_result(result.output)
    assert data["overloaded"] == []
    graph = build_graph(reference)
    ducts = {d for *_, ducts in graph.edges(data="ducts") for d in ducts}
    assert (data["links"], data["scenarios"]) == (97, 97 + len(ducts))
    assert len(data["loads"]) == 97
    spur = next(x for x in data["loads"] if x["link"] == SPUR)
    assert spur["normal_mbps"] == 1050


def test_tables(report: CapacityReport) -> None:
    titles = [str(t.title) for t in capacity_tables(report)]
    assert titles[0] == "capacity"
    assert "busiest links" in titles[1]
    assert "lost" in titles[2]


def test_cli_exits_1_when_a_link_overloads(design_dir: Path) -> None:
    replace_in(
        design_dir / "topology/demands.yaml",
        "{source: huangjiang, target: cloud-dc, mbps: 600}",
        "{source: huangjiang, target: cloud-dc, mbps: 8000}",
    )
    result = CliRunner().invoke(app, ["capacity", "--json", "--design", str(design_dir)])
    assert result.exit_code == 1, result.output
    overloaded = json_result(result.output)["overloaded"]
    # 8,000 + 150 + 300 on the 10G spur, always; agg-southeast's 100G uplinks take it easily
    assert [x["link"] for x in overloaded] == [SPUR]
    assert overloaded[0]["normal_mbps"] == overloaded[0]["worst_mbps"] == 8450
    assert overloaded[0]["worst_scenario"] == "normal"
