"""The failure engine against the naive remove-and-search loop, exactly, on random graphs and on
the reference; and what the reference's weak spots look like."""

from __future__ import annotations

import itertools
import random

import networkx as nx
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from govnet.design import Design
from govnet.topology.failure_report import build_report
from govnet.topology.failures import (
    TargetAnalysis,
    analyse_target,
    chain_positions,
    cut_by_pair,
    cut_off_by,
    degraded_by,
    single_points,
)
from govnet.topology.graph import build_graph

# --- the naive reference -----------------------------------------------------------------------


def naive_cut(
    analysis: TargetAnalysis, edges: set[int] = frozenset(), nodes: frozenset[int] = frozenset()
) -> set[int]:  # type: ignore[assignment]
    """Remove, then search from the sink with networkx: what is no longer reachable."""
    idx = analysis.indexed
    g = nx.MultiGraph()
    g.add_nodes_from(n for n in range(idx.size) if n not in nodes)
    for edge, (a, b) in enumerate(idx.edge_ends):
        if edge not in edges and a not in nodes and b not in nodes:
            g.add_edge(a, b, key=edge)
    reachable = nx.node_connected_component(g, 0) if 0 in g else set()
    baseline = {n for n in range(idx.size) if analysis.tree.reachable(n)}
    return {n for n in baseline if n not in reachable and n not in nodes}


def failable(analysis: TargetAnalysis) -> list[int]:
    return [e for e, key in enumerate(analysis.indexed.edge_keys) if key]


def check_against_naive(analysis: TargetAnalysis) -> None:
    idx = analysis.indexed
    edges = failable(analysis)
    positions = chain_positions(analysis)
    singles = {e: naive_cut(analysis, {e}) for e in edges}
    # single link failures: exactly the bridges
    assert {e: set(v) for e, v in analysis.bridges.items()} == {
        e: v for e, v in singles.items() if v
    }
    # single node failures: exactly the articulation points
    for node in range(1, idx.size):
        if analysis.tree.reachable(node):
            assert set(analysis.articulation.get(node, [])) == naive_cut(
                analysis, nodes=frozenset({node})
            ), node
    # every pair of link failures
    never_redundant = set().union(*singles.values()) if singles else set()
    assert single_points(analysis) == never_redundant
    for first, second in itertools.combinations(edges, 2):
        assert cut_by_pair(analysis, first, second, positions) == naive_cut(
            analysis, {first, second}
        ), (first, second)
    # losing redundancy: cut by this failure plus one more, not before, not by this one alone
    for edge in edges:
        if edge in analysis.bridges:
            continue
        newly = set()
        for other in edges:
            if other != edge:
                newly |= naive_cut(analysis, {edge, other})
        expected = newly - singles[edge] - never_redundant
        assert degraded_by(analysis, edge, positions) == expected, edge
    # every duct
    ducts: dict[str, set[int]] = {}
    for edge, names in enumerate(idx.edge_ducts):
        for name in names:
            ducts.setdefault(name, set()).add(edge)
    for duct, members in ducts.items():
        assert set(analysis.duct_cuts.get(duct, [])) == naive_cut(analysis, members), duct
        assert set(cut_off_by(idx, members)) - set(analysis.unreachable) == naive_cut(
            analysis, members
        )


# --- random ring-of-rings graphs ------------------------------------------------------------------


def ring_of_rings(
    seed: int, rings: int, chords: int, spurs: int, parallel: int, ducts: int
) -> nx.MultiGraph:
    rng = random.Random(seed)
    g = nx.MultiGraph()

    def node(name: str, role: str = "town", layer: str = "town") -> str:
        g.add_node(name, role=role, layer=layer, site=name, managed=True)
        return name

    core = [node(f"c{i}", "aggregation", "aggregation") for i in range(4)]
    for gw in ("gw1", "gw2"):
        node(gw, "cloud_dc_gw", "dc")
    edges: list[tuple[str, str]] = [(core[i], core[(i + 1) % 4]) for i in range(4)]
    edges += [("gw1", core[0]), ("gw2", core[rng.randrange(4)])]
    towns: list[str] = []
    for r in range(rings):
        ends = rng.sample(core + towns[:3], 2)
        members = [node(f"r{r}t{t}") for t in range(rng.randint(1, 5))]
        towns += members
        chain = [ends[0], *members, ends[1]]
        edges += list(itertools.pairwise(chain))
    for s in range(spurs):
        edges.append((node(f"s{s}"), rng.choice(towns or core)))
    everything = sorted(g.nodes)
    for _ in range(chords):
        a, b = rng.sample(everything, 2)
        edges.append((a, b))
    for _ in range(parallel):
        edges.append(rng.choice(edges))
    pool = [f"d{i}" for i in range(ducts)]
    for i, (a, b) in enumerate(edges):
        if a == b:
            continue
        chosen = tuple(sorted(set(rng.sample(pool, k=rng.randint(0, min(2, len(pool)))))))
        g.add_edge(a, b, key=f"e{i}", ducts=chosen, ring=None)
    return g


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    seed=st.integers(0, 10**6),
    rings=st.integers(1, 5),
    chords=st.integers(0, 3),
    spurs=st.integers(0, 3),
    parallel=st.integers(0, 3),
    ducts=st.integers(1, 6),
)
def test_fast_engine_equals_naive_on_random_rings(
    seed: int, rings: int, chords: int, spurs: int, parallel: int, ducts: int
) -> None:
    graph = ring_of_rings(seed, rings, chords, spurs, parallel, ducts)
    check_against_naive(analyse_target(graph, "cloud-dc", ["gw1", "gw2"], seed=seed))


@pytest.fixture(scope="module")
def graph(reference: Design) -> nx.MultiGraph:
    return build_graph(reference)


@pytest.mark.parametrize(
    "target,gateways",
    [("cloud-dc", ["dg-cloud-01", "dg-cloud-02"]), ("internet", ["dg-inet-01", "dg-inet-02"])],
)
def test_fast_engine_equals_naive_on_the_reference(
    graph: nx.MultiGraph, target: str, gateways: list[str]
) -> None:
    check_against_naive(analyse_target(graph, target, gateways))


def test_reference_weak_spots(graph: nx.MultiGraph) -> None:
    report = build_report(graph)
    cuts = {(s.scope, tuple(s.failed)): s for s in report.scenarios if s.kind == "cut"}
    spur = cuts[("single", ("dg-agg-southeast--dg-huangjiang",))]
    assert {t: [x.site for x in v] for t, v in spur.cut_off.items()} == {
        "cloud-dc": ["huangjiang"], "dr-dc": ["huangjiang"], "internet": ["huangjiang"]
    }  # fmt: skip
    duct = cuts[("srlg", ("dg-avenue-trunk",))]
    assert [x.site for x in duct.cut_off["cloud-dc"]] == [
        "dongcheng",
        "guancheng",
        "nancheng",
        "wanjiang",
    ]
    assert [x.site for x in cuts[("node", ("dg-agg-southeast",))].cut_off["dr-dc"]] == [
        "huangjiang"
    ]
    # the town cuts: only the spur (single) and the R1 duct; bureau tails are single-homed by design
    town_cuts = {
        key for key, s in cuts.items()
        if key[0] in ("single", "node", "srlg")
        and any(not x.site.startswith("bureau-") for v in s.cut_off.values() for x in v)
    }  # fmt: skip
    assert town_cuts == {
        ("single", ("dg-agg-southeast--dg-huangjiang",)),
        ("node", ("dg-agg-southeast",)),
        ("srlg", ("spur-huangjiang",)),
        ("srlg", ("dg-avenue-trunk",)),
    }
    r2 = next(
        s
        for s in report.scenarios
        if s.scope == "double" and s.description.startswith("any two of 8 links on ring R2")
    )
    assert r2.pairs == 28
    assert sorted(x.site for x in r2.cut_off["cloud-dc"]) == [
        "daojiao",
        "gaobu",
        "hongmei",
        "mayong",
        "shijie",
        "wangniudun",
        "zhongtang",
    ]
    assert [len(s) for s in r2.segments] == [1] * 7
    assert report.baseline_unreachable == {}
    assert report.counts == {"single": 97, "node": 66, "srlg": 78, "double": 97 * 96 // 2}
