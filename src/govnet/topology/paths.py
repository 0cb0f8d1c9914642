"""Two paths from a site to each service target, and whether they can avoid sharing a duct.

For each target (government cloud DC, DR DC, Internet egress) ``analyse_site`` reports:

- **the shortest pair of node-disjoint paths** (Suurballe / Bhandari). Every device is split into
  an in-node and an out-node joined by an arc of capacity 1, every fiber becomes two arcs, and two
  units of flow go from the site to the target at minimum cost: one Dijkstra, a change of
  potentials (reduced costs stay non-negative), a second Dijkstra in the residual graph, and the
  flow splits into the two paths. O((V + E) log V). The target is a super-sink joined to all its
  gateways (the two paths end at different gateways when it has several); a site with several
  devices is a super-source joined to them (the paths leave from different devices). The lone
  device of a site and the lone gateway of a target are the shared ends. Parallel links are kept
  as separate arcs: between two inner nodes only the cheaper can carry a path.
- **whether the two paths share a duct**, and, when they do or when there is no node-disjoint
  pair, **the cheapest duct-disjoint pair**: two paths with no duct in common and no fiber in
  common (every link is its own risk; links without ducts share nothing; nodes may be shared).
  That problem (SRLG-disjoint paths) is NP-hard in general, so it is answered in steps, each
  exact, cheapest first:

  1. *single-risk cut*: if removing one duct (or one link) separates the site from the target,
     there is no such pair, and the report names it;
  2. *flow relaxation*: the cheapest pair of fiber-disjoint paths (min-cost flow, as above but
     without node splitting) is a lower bound; when it shares no duct it is the answer;
  3. *branch-and-bound* over duct conflicts: a node fixes, for each path, the risks it must
     avoid; its bound is the larger of the two independent shortest paths and the flow
     relaxation over the risks both must avoid; a conflict (a risk on both shortest paths)
     branches into "path 1 avoids it" and "path 2 avoids it"; best-first, seeded by a penalty
     re-routing heuristic. Exact when the search finishes: worst case exponential in the
     number of conflicting risks, each node O((V + E) log V). The reference city never gets
     here (steps 1-2 settle every site); with its ducts redrawn at random, or on a generated
     two-city province, a search takes at most a dozen or so nodes.

  Above ``EXACT_EDGE_LIMIT`` edges step 3 is replaced by the heuristic alone, and a search that
  exceeds ``NODE_BUDGET`` nodes stops; either way the answer is the best pair found, with
  ``exact: false`` (steps 1-2 stay exact at any size).

Costs are the IGP metric. Among pairs of equal IGP cost, a node-disjoint pair that shares no duct
wins over one that does, and a duct-disjoint pair that shares no device over one that does; then
the shorter fiber (the weight used is metric × scale + metres, exact in integers), then the
device order. Paths run over managed backbone devices only: peers outside the design
(provincial WAN core, carriers) and bureau CEs never carry transit (a CE can only start a path).
"""

from __future__ import annotations

import heapq
import itertools
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from enum import StrEnum

import networkx as nx
from pydantic import BaseModel, ConfigDict
from rich.markup import escape
from rich.table import Table

from govnet.design import Design
from govnet.topology.targets import TARGET_ROLES, target_nodes

EXACT_EDGE_LIMIT = 3000  # above this many edges the duct-disjoint search is heuristic
NODE_BUDGET = 2_000  # branch-and-bound nodes (each a few Dijkstras) before giving up exactness
PENALTY_ROUNDS = 8  # re-routing rounds of the heuristic

Pair = tuple["Route", "Route"]
Risks = tuple[frozenset[int], ...]  # per edge: the risk ids it carries


# --- the report --------------------------------------------------------------------------------


class Model(BaseModel):
    model_config = ConfigDict(frozen=True)


class Verdict(StrEnum):
    DISJOINT = "disjoint"  # two node-disjoint paths sharing no duct
    SHARED_DUCT = "shared-duct"  # the cheapest node-disjoint pair must share a duct
    SINGLE_PATH = "single-path"  # no two node-disjoint paths
    UNREACHABLE = "unreachable"  # no path at all
    LOCAL = "local"  # the site hosts a gateway of the target


class Method(StrEnum):
    CUT = "single-risk cut"
    FLOW = "min-cost flow relaxation"
    BRANCH_AND_BOUND = "branch-and-bound"
    HEURISTIC = "penalty re-routing"


class PathInfo(Model):
    devices: list[str]  # from a device of the site to a gateway of the target
    links: list[str]
    cost: int  # IGP cost: the sum of the link metrics
    length_km: float
    ducts: list[str]  # in path order


class DuctSearch(Model):
    """The cheapest pair of paths that share no duct and no link (devices may be shared)."""

    exists: bool | None  # None: the heuristic found none and cannot prove there is none
    paths: list[PathInfo]
    total_cost: int | None
    total_km: float | None
    node_disjoint: bool | None  # whether that pair also shares no device
    method: Method
    exact: bool  # the pair is the cheapest there is (or there is none, for certain)
    cut: str | None = None  # the one duct (or "link ...") every path crosses
    explored: int = 0  # branch-and-bound nodes


class TargetPaths(Model):
    target: str
    gateways: list[str]
    verdict: Verdict
    node_disjoint: bool  # two node-disjoint paths exist
    paths: list[PathInfo]  # the pair; the shortest path alone if there is no pair
    total_cost: int | None
    total_km: float | None
    shares_duct: bool
    shared_ducts: list[str]
    duct_disjoint: bool | None  # does any duct-disjoint pair exist (None: not known)
    duct_search: DuctSearch | None  # run when the pair shares a duct or there is no pair


class PathReport(Model):
    site: str
    devices: list[str]
    targets: dict[str, TargetPaths]


# --- the graph as arrays -----------------------------------------------------------------------


@dataclass(frozen=True)
class Net:
    """Managed devices and the links between them, indexed; nodes and edges in name order."""

    names: tuple[str, ...]
    position: Mapping[str, int]  # name -> node id
    transit: tuple[bool, ...]  # may carry a path through (a managed backbone device)
    keys: tuple[str, ...]
    ends: tuple[tuple[int, int], ...]
    metric: tuple[int, ...]
    metres: tuple[int, ...]
    weight: tuple[int, ...]  # metric × scale + metres: IGP cost first, then fiber length
    scale: int  # above the length in metres of any pair of paths
    ducts: tuple[tuple[str, ...], ...]
    duct_names: tuple[str, ...]  # risk ids: ducts, then one per link, then one per node
    risks: Risks  # per edge: its ducts and the link itself
    adjacency: tuple[tuple[tuple[int, int], ...], ...]  # node -> ((neighbour, edge), ...)

    def risk_name(self, risk: int) -> str:
        ducts, edges = len(self.duct_names), len(self.keys)
        if risk < ducts:
            return self.duct_names[risk]
        if risk < ducts + edges:
            return f"link {self.keys[risk - ducts]}"
        return f"device {self.names[risk - ducts - edges]}"

    def node_risk(self, node: int) -> int:
        return len(self.duct_names) + len(self.keys) + node


def build_net(graph: nx.MultiGraph) -> Net:
    """Index the managed part of the graph; peers outside the design are left out."""
    names = tuple(sorted(n for n, data in graph.nodes(data=True) if data.get("managed")))
    position = {name: i for i, name in enumerate(names)}
    edges = sorted(
        (key, a, b, data)
        for a, b, key, data in graph.edges(keys=True, data=True)
        if a in position and b in position and a != b
    )
    metres = tuple(round(float(data["length_km"]) * 1000) for *_, data in edges)
    scale = 2 * sum(metres) + 1  # above any pair's total length: metric decides first
    duct_names = tuple(sorted({d for *_, data in edges for d in data.get("ducts", ())}))
    duct_id = {name: i for i, name in enumerate(duct_names)}
    risks = tuple(
        frozenset({len(duct_names) + edge, *(duct_id[d] for d in data.get("ducts", ()))})
        for edge, (*_, data) in enumerate(edges)
    )
    adjacency: list[list[tuple[int, int]]] = [[] for _ in names]
    for edge, (_, a, b, _) in enumerate(edges):
        adjacency[position[a]].append((position[b], edge))
        adjacency[position[b]].append((position[a], edge))
    return Net(
        names=names,
        position=position,
        transit=tuple(bool(graph.nodes[n].get("backbone")) for n in names),
        keys=tuple(str(key) for key, *_ in edges),
        ends=tuple((position[a], position[b]) for _, a, b, _ in edges),
        metric=tuple(int(data["metric"]) for *_, data in edges),
        metres=metres,
        scale=scale,
        weight=tuple(
            int(data["metric"]) * scale + m for (*_, data), m in zip(edges, metres, strict=True)
        ),
        ducts=tuple(tuple(data.get("ducts", ())) for *_, data in edges),
        duct_names=duct_names,
        risks=risks,
        adjacency=tuple(tuple(links) for links in adjacency),
    )


@dataclass(frozen=True)
class Query:
    """Paths from any source to any sink. A node is entered only if it may carry transit or is a
    sink, and left only if it may carry transit or is a source."""

    sources: frozenset[int]
    sinks: frozenset[int]
    emit: tuple[bool, ...]
    accept: tuple[bool, ...]

    @property
    def shared_ends(self) -> frozenset[int]:
        """Nodes two node-disjoint paths may share: a lone source and a lone sink."""
        return frozenset().union(*(ends for ends in (self.sources, self.sinks) if len(ends) == 1))


def make_query(net: Net, sources: Iterable[str], sinks: Iterable[str]) -> Query:
    source_ids = frozenset(net.position[s] for s in sources if s in net.position)
    sink_ids = frozenset(net.position[s] for s in sinks if s in net.position)
    return Query(
        sources=source_ids,
        sinks=sink_ids,
        emit=tuple(t or i in source_ids for i, t in enumerate(net.transit)),
        accept=tuple(t or i in sink_ids for i, t in enumerate(net.transit)),
    )


# --- routes and problems -----------------------------------------------------------------------


@dataclass(frozen=True)
class Route:
    """A path as node ids (from a source to a sink) and the edge ids between them."""

    nodes: tuple[int, ...]
    edges: tuple[int, ...]


@dataclass(frozen=True)
class Problem:
    """A query with the risks paths must not share and the flow relaxation that bounds it."""

    net: Net
    query: Query
    risks: Risks
    split_nodes: bool  # relaxation: node-disjoint flow (True) or fiber-disjoint flow (False)


def duct_problem(net: Net, query: Query) -> Problem:
    """Paths that share no duct and no link."""
    return Problem(net, query, net.risks, split_nodes=False)


def full_problem(net: Net, query: Query) -> Problem:
    """Paths that share no duct, no link and no device but the lone source and lone sink."""
    shared = query.shared_ends
    risks = tuple(
        risks | {net.node_risk(n) for n in net.ends[edge] if n not in shared}
        for edge, risks in enumerate(net.risks)
    )
    return Problem(net, query, risks, split_nodes=True)


def route_weight(net: Net, route: Route) -> int:
    return sum(net.weight[e] for e in route.edges)


def pair_weight(net: Net, pair: Sequence[Route]) -> int:
    return sum(route_weight(net, route) for route in pair)


def igp_bound(net: Net, pair: Sequence[Route]) -> int:
    """The weight below which pairs cost no more IGP metric than ``pair``."""
    return (sum(net.metric[e] for route in pair for e in route.edges) + 1) * net.scale


def route_risks(problem: Problem, route: Route) -> frozenset[int]:
    return frozenset().union(*(problem.risks[e] for e in route.edges))


def first_conflict(problem: Problem, first: Route, second: Route) -> int | None:
    """The first risk along ``first`` that ``second`` also carries."""
    other = route_risks(problem, second)
    for edge in first.edges:
        for risk in sorted(problem.risks[edge] & other):
            return risk
    return None


def is_node_disjoint(query: Query, pair: Sequence[Route]) -> bool:
    first, second = pair
    common = set(first.nodes) & set(second.nodes)
    return common <= query.shared_ends and not set(first.edges) & set(second.edges)


def ordered(net: Net, routes: Iterable[Route]) -> list[Route]:
    """Cheapest first, then by device names: the order reports show."""
    return sorted(routes, key=lambda r: (route_weight(net, r), [net.names[n] for n in r.nodes]))


# --- shortest path (Dijkstra) ------------------------------------------------------------------


def shortest_route(
    problem: Problem,
    banned: frozenset[int] = frozenset(),
    penalty: Mapping[int, int] | None = None,
) -> Route | None:
    """The cheapest path avoiding every edge that carries a banned risk; each risk on an edge
    adds its ``penalty`` to the edge's weight. Multi-source Dijkstra, O((V + E) log V)."""
    net, query = problem.net, problem.query
    best = dict.fromkeys(query.sources, 0)
    back: dict[int, tuple[int, int]] = {}
    heap = [(0, source) for source in sorted(query.sources)]
    done: set[int] = set()
    while heap:
        dist, node = heapq.heappop(heap)
        if node in done:
            continue
        done.add(node)
        if node in query.sinks:
            return _trace(node, back)
        # here: a source or a transit device (``accept`` lets no other node in)
        for other, edge in net.adjacency[node]:
            risks = problem.risks[edge]
            if other in done or not query.accept[other] or not risks.isdisjoint(banned):
                continue
            cost = dist + net.weight[edge]
            if penalty:
                cost += sum(penalty.get(r, 0) for r in risks)
            if cost < best.get(other, cost + 1):
                best[other] = cost
                back[other] = (node, edge)
                heapq.heappush(heap, (cost, other))
    return None


def _trace(node: int, back: Mapping[int, tuple[int, int]]) -> Route:
    nodes, edges = [node], []
    while node in back:
        node, edge = back[node]
        nodes.append(node)
        edges.append(edge)
    return Route(tuple(reversed(nodes)), tuple(reversed(edges)))


# --- two disjoint paths (Suurballe: min-cost flow of two units) --------------------------------


@dataclass(frozen=True)
class _Arc:
    tail: int
    head: int
    cost: int
    edge: int  # the net edge it runs on; -1 for node-splitting and super-node arcs


@dataclass(frozen=True)
class _FlowGraph:
    size: int
    arcs: tuple[_Arc, ...]
    source: int
    sink: int
    device: tuple[int | None, ...]  # the net node of each flow node (None: super nodes)


def _edge_arcs(problem: Problem, banned: frozenset[int], out: int, into: int) -> Iterator[_Arc]:
    """Both directions of every allowed edge; ``out`` and ``into`` offset the flow node of a
    device for leaving (1 with node splitting) and for entering it (0)."""
    net, query = problem.net, problem.query
    scale = 2 if problem.split_nodes else 1
    for edge, (a, b) in enumerate(net.ends):
        if not problem.risks[edge].isdisjoint(banned):
            continue
        for u, v in ((a, b), (b, a)):
            if query.emit[u] and query.accept[v]:
                yield _Arc(scale * u + out, scale * v + into, net.weight[edge], edge)


def _split_graph(problem: Problem, banned: frozenset[int]) -> _FlowGraph:
    """Node v becomes 2v (in) -> 2v+1 (out) with capacity 1; a lone source starts at its out-node,
    a lone sink ends at its in-node, otherwise super nodes join the sources and the sinks."""
    query, size = problem.query, len(problem.net.names)
    super_source, super_sink = 2 * size, 2 * size + 1
    lone_source = min(query.sources) if len(query.sources) == 1 else None
    lone_sink = min(query.sinks) if len(query.sinks) == 1 else None
    arcs = [_Arc(2 * v, 2 * v + 1, 0, -1) for v in range(size) if v not in (lone_source, lone_sink)]
    if lone_source is None:
        arcs += [_Arc(super_source, 2 * s, 0, -1) for s in sorted(query.sources)]
    if lone_sink is None:
        arcs += [_Arc(2 * t + 1, super_sink, 0, -1) for t in sorted(query.sinks)]
    arcs += _edge_arcs(problem, banned, out=1, into=0)
    return _FlowGraph(
        size=2 * size + 2,
        arcs=tuple(arcs),
        source=super_source if lone_source is None else 2 * lone_source + 1,
        sink=super_sink if lone_sink is None else 2 * lone_sink,
        device=(*(v // 2 for v in range(2 * size)), None, None),
    )


def _fiber_graph(problem: Problem, banned: frozenset[int]) -> _FlowGraph:
    """Devices as they are (shared freely), two unit arcs from the super-source to each source
    and from each sink to the super-sink."""
    query, size = problem.query, len(problem.net.names)
    super_source, super_sink = size, size + 1
    arcs = [_Arc(super_source, s, 0, -1) for s in sorted(query.sources) for _ in range(2)]
    arcs += [_Arc(t, super_sink, 0, -1) for t in sorted(query.sinks) for _ in range(2)]
    arcs += _edge_arcs(problem, banned, out=0, into=0)
    return _FlowGraph(size + 2, tuple(arcs), super_source, super_sink, (*range(size), None, None))


@dataclass
class _Residual:
    graph: _FlowGraph
    leaving: list[list[int]]  # flow node -> arcs whose tail it is
    entering: list[list[int]]  # flow node -> arcs whose head it is
    flow: list[bool]


def _residual(graph: _FlowGraph) -> _Residual:
    leaving: list[list[int]] = [[] for _ in range(graph.size)]
    entering: list[list[int]] = [[] for _ in range(graph.size)]
    for i, arc in enumerate(graph.arcs):
        leaving[arc.tail].append(i)
        entering[arc.head].append(i)
    return _Residual(graph, leaving, entering, [False] * len(graph.arcs))


def _residual_steps(res: _Residual, node: int) -> Iterator[tuple[int, int, int, bool]]:
    """(arc, next node, cost, forward) for each residual arc leaving ``node``."""
    arcs = res.graph.arcs
    for i in res.leaving[node]:
        if not res.flow[i]:
            yield i, arcs[i].head, arcs[i].cost, True
    for i in res.entering[node]:
        if res.flow[i]:
            yield i, arcs[i].tail, -arcs[i].cost, False


def _reduced_dijkstra(
    res: _Residual, potential: Sequence[int | None]
) -> tuple[list[int | None], list[tuple[int, bool] | None]]:
    """Distances in the residual graph under reduced costs (non-negative with these potentials)."""
    size = res.graph.size
    dist: list[int | None] = [None] * size
    via: list[tuple[int, bool] | None] = [None] * size
    dist[res.graph.source] = 0
    heap = [(0, res.graph.source)]
    done = [False] * size
    while heap:
        d, node = heapq.heappop(heap)
        if done[node]:
            continue
        done[node] = True
        here = potential[node]
        for arc, other, cost, forward in _residual_steps(res, node):
            there = potential[other]
            if here is None or there is None or done[other]:
                continue
            reduced = d + cost + here - there
            known = dist[other]
            if known is None or reduced < known:
                dist[other] = reduced
                via[other] = (arc, forward)
                heapq.heappush(heap, (reduced, other))
    return dist, via


def _augment(res: _Residual, via: Sequence[tuple[int, bool] | None]) -> None:
    node = res.graph.sink
    while node != res.graph.source:
        step = via[node]
        assert step is not None
        arc, forward = step
        res.flow[arc] = forward
        node = res.graph.arcs[arc].tail if forward else res.graph.arcs[arc].head


def _two_units(graph: _FlowGraph) -> list[list[int]]:
    """Suurballe: up to two units of flow at minimum cost, as arc paths (0, 1 or 2)."""
    res = _residual(graph)
    potential: list[int | None] = [0] * graph.size
    units = 0
    for _ in range(2):
        dist, via = _reduced_dijkstra(res, potential)
        if dist[graph.sink] is None:
            break
        _augment(res, via)
        units += 1
        potential = [
            None if p is None or d is None else p + d for p, d in zip(potential, dist, strict=True)
        ]
    return _decompose(res, units)


def _decompose(res: _Residual, units: int) -> list[list[int]]:
    taken: set[int] = set()
    paths: list[list[int]] = []
    for _ in range(units):
        node, path = res.graph.source, []
        while node != res.graph.sink:
            arc = next(a for a in res.leaving[node] if res.flow[a] and a not in taken)
            taken.add(arc)
            path.append(arc)
            node = res.graph.arcs[arc].head
        paths.append(path)
    return paths


def _as_route(graph: _FlowGraph, path: Sequence[int]) -> Route:
    nodes: list[int] = []
    for i in path:
        for flow_node in (graph.arcs[i].tail, graph.arcs[i].head):
            device = graph.device[flow_node]
            if device is not None and (not nodes or nodes[-1] != device):
                nodes.append(device)
    return Route(tuple(nodes), tuple(graph.arcs[i].edge for i in path if graph.arcs[i].edge >= 0))


def disjoint_pair(problem: Problem, banned: frozenset[int] = frozenset()) -> list[Route]:
    """The problem's relaxation: the cheapest two node-disjoint (``split_nodes``) or fiber-
    disjoint paths avoiding the banned risks; one path if there is no pair, none if no path."""
    graph = (_split_graph if problem.split_nodes else _fiber_graph)(problem, banned)
    return [_as_route(graph, path) for path in _two_units(graph)]


def node_disjoint_pair(net: Net, query: Query) -> list[Route]:
    """Suurballe/Bhandari: the cheapest pair of node-disjoint paths, else the shortest path."""
    if query.sources & query.sinks and len(query.sources) == len(query.sinks) == 1:
        return [Route((min(query.sources),), ())]
    return disjoint_pair(full_problem(net, query))


# --- duct-disjoint pairs -----------------------------------------------------------------------


def single_risk_cut(problem: Problem, route: Route) -> int | None:
    """A risk on ``route`` that every path carries (removing it leaves no path), if any."""
    seen: set[int] = set()
    for edge in route.edges:
        for risk in sorted(problem.risks[edge] - seen):
            seen.add(risk)
            if shortest_route(problem, banned=frozenset({risk})) is None:
                return risk
    return None


def shares_risk(problem: Problem, pair: Sequence[Route]) -> bool:
    first, second = pair
    return not route_risks(problem, first).isdisjoint(route_risks(problem, second))


def _polish(problem: Problem, pair: Pair) -> Pair:
    """Re-route each path around the other's risks while that makes the pair cheaper."""
    net, (first, second) = problem.net, pair
    for _ in range(4):
        better_first = shortest_route(problem, banned=route_risks(problem, second))
        if better_first is not None:
            first = better_first
        better_second = shortest_route(problem, banned=route_risks(problem, first))
        if better_second is None or route_weight(net, better_second) >= route_weight(net, second):
            break
        second = better_second
    return first, second


def penalty_pair(problem: Problem, rounds: int = PENALTY_ROUNDS) -> Pair | None:
    """Heuristic: route a first path, a second around all its risks; when that fails, make the
    first path's risks dearer and try again. Any pair it returns shares no risk."""
    net = problem.net
    penalty: dict[int, int] = {}
    best: Pair | None = None
    for _ in range(rounds):
        first = shortest_route(problem, penalty=penalty)
        if first is None:
            return best
        second = shortest_route(problem, banned=route_risks(problem, first))
        if second is not None:
            pair = _polish(problem, (first, second))
            if best is None or pair_weight(net, pair) < pair_weight(net, best):
                best = pair
        step = max(1, route_weight(net, first))
        for risk in route_risks(problem, first):
            penalty[risk] = penalty.get(risk, 0) + step
    return best


@dataclass(frozen=True)
class Search:
    pair: Pair | None
    exact: bool  # the search finished: the pair is the cheapest (or there is none)
    explored: int


@dataclass
class _Bounds:
    """Memoised shortest paths (per banned set) and relaxation values (per common banned set)."""

    problem: Problem
    routes: dict[frozenset[int], Route | None]
    relaxed: dict[frozenset[int], int | None]

    def route(self, banned: frozenset[int]) -> Route | None:
        if banned not in self.routes:
            self.routes[banned] = shortest_route(self.problem, banned)
        return self.routes[banned]

    def relaxation(self, common: frozenset[int]) -> int | None:
        if common not in self.relaxed:
            pair = disjoint_pair(self.problem, common)
            self.relaxed[common] = pair_weight(self.problem.net, pair) if len(pair) == 2 else None
        return self.relaxed[common]

    def lower_bound(self, first: frozenset[int], second: frozenset[int]) -> int | None:
        """No pair where path 1 avoids ``first`` and path 2 avoids ``second`` is cheaper."""
        one, two = self.route(first), self.route(second)
        relaxed = self.relaxation(first & second)
        if one is None or two is None or relaxed is None:
            return None
        return max(
            route_weight(self.problem.net, one) + route_weight(self.problem.net, two), relaxed
        )


def _canonical(first: frozenset[int], second: frozenset[int]) -> tuple[tuple[int, ...], ...]:
    return tuple(sorted((tuple(sorted(first)), tuple(sorted(second)))))


def branch_and_bound(
    problem: Problem,
    incumbent: Pair | None = None,
    bound: int | None = None,
    budget: int = NODE_BUDGET,
) -> Search:
    """The cheapest pair sharing no risk, cheaper than ``incumbent`` and below ``bound``.

    A node is (F1, F2): path 1 avoids the risks F1, path 2 the risks F2. Its bound is the larger
    of shortest(F1) + shortest(F2) and the flow relaxation avoiding F1 ∩ F2. If the two shortest
    paths share no risk they are the node's optimum; otherwise any solution keeps their first
    common risk r off path 1 or off path 2: the children are (F1 + r, F2) and (F1, F2 + r).
    Nodes are expanded cheapest bound first; (F1, F2) and (F2, F1) are the same node."""
    net = problem.net
    bounds = _Bounds(problem, {}, {})
    best = incumbent
    limit = pair_weight(net, incumbent) if incumbent else bound
    if bound is not None and limit is not None:
        limit = min(limit, bound)
    heap: list[tuple[int, int, frozenset[int], frozenset[int]]] = []
    seen: set[tuple[tuple[int, ...], ...]] = set()
    order = itertools.count()

    def push(first: frozenset[int], second: frozenset[int]) -> None:
        key = _canonical(first, second)
        if key in seen:
            return
        seen.add(key)
        value = bounds.lower_bound(first, second)
        if value is not None and (limit is None or value < limit):
            heapq.heappush(heap, (value, next(order), first, second))

    push(frozenset(), frozenset())
    explored = 0
    while heap:
        value, _, first, second = heapq.heappop(heap)
        if limit is not None and value >= limit:
            break
        if explored >= budget:
            return Search(best, False, explored)
        explored += 1
        one, two = bounds.route(first), bounds.route(second)
        assert one is not None and two is not None
        risk = first_conflict(problem, one, two)
        if risk is None:
            best, limit = (one, two), route_weight(net, one) + route_weight(net, two)
            continue
        push(first | {risk}, second)
        push(first, second | {risk})
    return Search(best, True, explored)


@dataclass(frozen=True)
class DuctAnswer:
    pair: Pair | None
    exists: bool | None
    method: Method
    exact: bool
    cut: int | None = None
    explored: int = 0


def duct_disjoint_pair(
    net: Net,
    query: Query,
    exact_limit: int = EXACT_EDGE_LIMIT,
    budget: int = NODE_BUDGET,
) -> DuctAnswer:
    """The cheapest pair of paths sharing no duct and no link (see the module docstring)."""
    problem = duct_problem(net, query)
    first = shortest_route(problem)
    if first is None:
        return DuctAnswer(None, False, Method.CUT, exact=True)
    cut = single_risk_cut(problem, first)
    if cut is not None:
        return DuctAnswer(None, False, Method.CUT, exact=True, cut=cut)
    relaxed = disjoint_pair(problem)
    if len(relaxed) < 2:
        return DuctAnswer(None, False, Method.FLOW, exact=True)
    if not shares_risk(problem, relaxed):
        answer = DuctAnswer((relaxed[0], relaxed[1]), True, Method.FLOW, exact=True)
    elif len(net.keys) > exact_limit:
        pair = penalty_pair(problem)
        answer = DuctAnswer(pair, True if pair else None, Method.HEURISTIC, exact=False)
    else:
        search = branch_and_bound(problem, incumbent=penalty_pair(problem), budget=budget)
        exists = True if search.pair else (False if search.exact else None)
        answer = DuctAnswer(
            search.pair, exists, Method.BRANCH_AND_BOUND, search.exact, explored=search.explored
        )
    return _prefer_node_disjoint(net, query, answer, budget)


def _prefer_node_disjoint(net: Net, query: Query, answer: DuctAnswer, budget: int) -> DuctAnswer:
    """Among duct-disjoint pairs of equal IGP cost, one that also shares no device."""
    if answer.pair is None or not answer.exact or is_node_disjoint(query, answer.pair):
        return answer
    bound = igp_bound(net, answer.pair)
    search = branch_and_bound(full_problem(net, query), bound=bound, budget=budget)
    explored = answer.explored + search.explored
    return DuctAnswer(
        search.pair or answer.pair, True, answer.method, True, answer.cut, explored=explored
    )


# --- the analysis ------------------------------------------------------------------------------


def describe(net: Net, route: Route) -> PathInfo:
    ducts = dict.fromkeys(d for e in route.edges for d in net.ducts[e])
    return PathInfo(
        devices=[net.names[n] for n in route.nodes],
        links=[net.keys[e] for e in route.edges],
        cost=sum(net.metric[e] for e in route.edges),
        length_km=sum(net.metres[e] for e in route.edges) / 1000,
        ducts=list(ducts),
    )


def _totals(paths: Sequence[PathInfo]) -> tuple[int | None, float | None]:
    if not paths:
        return None, None
    return sum(p.cost for p in paths), sum(round(p.length_km * 1000) for p in paths) / 1000


def _shared_ducts(paths: Sequence[PathInfo]) -> list[str]:
    if len(paths) != 2:
        return []
    return sorted(set(paths[0].ducts) & set(paths[1].ducts))


def _duct_search(net: Net, query: Query, answer: DuctAnswer) -> DuctSearch:
    paths = [describe(net, r) for r in ordered(net, answer.pair or ())]
    total_cost, total_km = _totals(paths)
    return DuctSearch(
        exists=answer.exists,
        paths=paths,
        total_cost=total_cost,
        total_km=total_km,
        node_disjoint=is_node_disjoint(query, answer.pair) if answer.pair else None,
        method=answer.method,
        exact=answer.exact,
        cut=net.risk_name(answer.cut) if answer.cut is not None else None,
        explored=answer.explored,
    )


def _cheapest_fully_disjoint(net: Net, query: Query, pair: Pair, budget: int) -> list[Route]:
    """A node-disjoint pair of the same IGP cost that shares no duct either, if there is one."""
    search = branch_and_bound(full_problem(net, query), bound=igp_bound(net, pair), budget=budget)
    return list(search.pair) if search.pair else []


def analyse_target(
    net: Net,
    target: str,
    devices: Sequence[str],
    gateways: Sequence[str],
    exact_limit: int = EXACT_EDGE_LIMIT,
    budget: int = NODE_BUDGET,
) -> TargetPaths:
    """Node-disjoint pair, shared ducts and, when needed, the duct-disjoint search."""
    query = make_query(net, devices, gateways)
    routes = node_disjoint_pair(net, query) if query.sources and query.sinks else []
    answer: DuctAnswer | None = None
    local = bool(query.sources & query.sinks)
    if routes and not local and _shared_ducts([describe(net, r) for r in routes]):
        answer = duct_disjoint_pair(net, query, exact_limit, budget)
        if len(routes) == 2 and answer.exists and len(net.keys) <= exact_limit:
            pair = (routes[0], routes[1])
            routes = _cheapest_fully_disjoint(net, query, pair, budget) or routes
    elif len(routes) == 1 and not local:
        answer = duct_disjoint_pair(net, query, exact_limit, budget)
    paths = [describe(net, r) for r in ordered(net, routes)]
    shared = _shared_ducts(paths)
    if len(paths) == 2 and not shared:
        answer = None  # an equally cheap node-disjoint pair shares no duct after all
    total_cost, total_km = _totals(paths)
    return TargetPaths(
        target=target,
        gateways=list(gateways),
        verdict=_verdict(paths, shared, local),
        node_disjoint=len(paths) == 2,
        paths=paths,
        total_cost=total_cost,
        total_km=total_km,
        shares_duct=bool(shared),
        shared_ducts=shared,
        duct_disjoint=_duct_disjoint(paths, shared, local, answer),
        duct_search=_duct_search(net, query, answer) if answer else None,
    )


def _verdict(paths: Sequence[PathInfo], shared: Sequence[str], local: bool) -> Verdict:
    if local:
        return Verdict.LOCAL
    if not paths:
        return Verdict.UNREACHABLE
    if len(paths) == 1:
        return Verdict.SINGLE_PATH
    return Verdict.SHARED_DUCT if shared else Verdict.DISJOINT


def _duct_disjoint(
    paths: Sequence[PathInfo], shared: Sequence[str], local: bool, answer: DuctAnswer | None
) -> bool | None:
    if local:
        return True  # nothing separates a site from a gateway it hosts
    if not paths:
        return False
    if len(paths) == 2 and not shared:
        return True
    return answer.exists if answer else None


def analyse_site(
    design: Design,
    graph: nx.MultiGraph,
    site: str,
    exact_limit: int = EXACT_EDGE_LIMIT,
    budget: int = NODE_BUDGET,
) -> PathReport:
    """The paths from one site's devices to each target's gateways."""
    devices = sorted(h.name for h in design.hosts_by_site.get(site, []) if h.name in graph)
    net = build_net(graph)
    gateways = target_nodes(graph)
    return PathReport(
        site=site,
        devices=devices,
        targets={
            target: analyse_target(
                net, target, devices, gateways.get(target, []), exact_limit, budget
            )
            for target in TARGET_ROLES
        },
    )


# --- tables ------------------------------------------------------------------------------------

VERDICT_TEXT = {
    Verdict.DISJOINT: "[green]two node-disjoint paths, no duct shared[/]",
    Verdict.SHARED_DUCT: "[yellow]node-disjoint, but both paths run in {ducts}[/]",
    Verdict.SINGLE_PATH: "[red]no two node-disjoint paths: one device or link cuts it off[/]",
    Verdict.UNREACHABLE: "[red]no path[/]",
    Verdict.LOCAL: "[green]the site hosts the target[/]",
}


def _km(km: float | None) -> str:
    return "" if km is None else f"{km:.1f}"


def _chain(path: PathInfo) -> str:
    return escape(" → ".join(path.devices))


def _ducts(path: PathInfo, shared: Iterable[str]) -> str:
    marked = set(shared)
    return ", ".join(f"[red]{escape(d)}[/]" if d in marked else escape(d) for d in path.ducts)


def verdict_text(paths: TargetPaths) -> str:
    text = VERDICT_TEXT[paths.verdict].format(ducts=escape(", ".join(paths.shared_ducts)))
    search = paths.duct_search
    return f"{text}; {_search_text(search)}" if search else text


def _search_text(search: DuctSearch) -> str:
    how = f"{search.method.value}, {'exact' if search.exact else 'not proven'}"
    if search.exists is None:
        return f"[yellow]no duct-disjoint pair found[/] ({how})"
    if not search.exists:
        cut = f": every path crosses {escape(search.cut)}" if search.cut else ""
        return f"[red]no duct-disjoint pair exists{cut}[/] ({how})"
    shares = "" if search.node_disjoint else ", sharing a device"
    cheapest = "the cheapest" if search.exact else "the best found"
    return (
        f"[green]a duct-disjoint pair exists[/]{shares}: {cheapest} costs {search.total_cost}"
        f" ({_km(search.total_km)} km) ({how})"
    )


def _summary_table(report: PathReport) -> Table:
    devices = ", ".join(report.devices) or "no devices"
    table = Table(
        title=f"paths from {escape(report.site)} ({escape(devices)})",
        title_justify="left",
        title_style="bold",
    )
    table.add_column("target")
    table.add_column("cost", justify="right")
    table.add_column("km", justify="right")
    table.add_column("verdict")
    for paths in report.targets.values():
        cost = "" if paths.total_cost is None else str(paths.total_cost)
        table.add_row(paths.target, cost, _km(paths.total_km), verdict_text(paths))
    return table


def _target_table(site: str, paths: TargetPaths) -> Table:
    gateways = ", ".join(paths.gateways) or "no gateway"
    table = Table(
        title=f"{escape(site)} → {paths.target} ({escape(gateways)})",
        title_justify="left",
        title_style="bold",
        caption=verdict_text(paths),
        caption_justify="left",
    )
    table.add_column("")
    table.add_column("path", overflow="fold")
    table.add_column("IGP cost", justify="right")
    table.add_column("km", justify="right")
    table.add_column("ducts", overflow="fold")
    label = "node-disjoint" if paths.node_disjoint else "shortest"
    for number, path in enumerate(paths.paths, 1):
        name = f"{label} {number}" if paths.node_disjoint else label
        table.add_row(
            name,
            _chain(path),
            str(path.cost),
            _km(path.length_km),
            _ducts(path, paths.shared_ducts),
        )
    search = paths.duct_search
    for number, path in enumerate(search.paths if search else [], 1):
        table.add_row(
            f"duct-disjoint {number}",
            _chain(path),
            str(path.cost),
            _km(path.length_km),
            _ducts(path, ()),
        )
    return table


def paths_tables(report: PathReport) -> list[Table]:
    """A summary per target, then each target's paths."""
    return [
        _summary_table(report),
        *(_target_table(report.site, paths) for paths in report.targets.values()),
    ]
