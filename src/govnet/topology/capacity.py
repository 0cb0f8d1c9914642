"""Link loads from the traffic matrix: normally and under every single link and every duct failure.

Routing model (IS-IS with per-destination ECMP). Each demand ``source site -> target site`` enters
the network at the source site's devices (split equally among them) and leaves at any device of
the target site: per destination site, the target's devices form one super-sink and traffic
follows the shortest-path DAG towards it by IGP metric, splitting equally among every
shortest-path next hop at every node (parallel links of equal cost are separate next hops, so
they share). Only devices of the design run the IGP: links to peers outside our management
(province WAN core, carriers) never carry transit traffic. Links are full duplex: the load of a
link is kept per direction and the busier direction is compared with its capacity. Traffic with
no path in a scenario is lost, not load.

Scenarios: the normal state, the failure of every link (parallel links one at a time) and the
failure of every duct (all the links that list it). For each link the worst load over all
scenarios and the scenario that causes it (the first one in scenario order on a tie).

The fast sweep (:func:`sweep`) repairs the normal routing instead of recomputing it:

* a failure changes the traffic towards a destination only if a failed link carries some of
  that traffic normally (otherwise every node that has traffic keeps its next hops), so most
  scenarios touch one or two destinations and many touch none;
* for an affected destination, the nodes whose distance grows are exactly those whose every
  next hop is dead: they are peeled upwards from the failed links' tails by counting dead next
  hops (a node joins when all of its next hops are dead);
* their new distances come from a Dijkstra seeded at their boundary (the best neighbour outside
  the region), restricted to the region and stopped once every node carrying traffic is settled;
* the loads change only below the nodes that lost a next hop: those nodes withdraw their old
  flow and send their new flow along their new next hops, and the changes run down the DAG in
  decreasing new distance, each node passing on what it received, until they cancel out
  (typically where the old and the new paths meet again).

Cost per scenario and affected destination: O(z * d + r log r) for a region of r nodes whose
distance grows, z nodes whose flow or next hops change (r <= z) and degree d, against
O(D * (m + n log n)) to route all D destinations from scratch (:func:`sweep_full`).
"""

from __future__ import annotations

import heapq
import math
import time
from array import array
from collections import defaultdict
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass

import networkx as nx
import numpy as np
import numpy.typing as npt
from pydantic import BaseModel, ConfigDict
from rich.table import Table
from scipy.sparse import csr_array  # type: ignore[import-untyped, unused-ignore]
from scipy.sparse.csgraph import dijkstra  # type: ignore[import-untyped, unused-ignore]

from govnet.design import Design
from govnet.topology.models import Demand

FloatArray = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.int64]
BoolArray = npt.NDArray[np.bool_]

INF = math.inf
DEFAULT_THRESHOLD = 0.8
TOP_SCENARIOS = 10
# a failure must beat the load found so far by more than this (Mb/s) to become the worst case
WORST_TOLERANCE = 1e-6
NORMAL = "normal"

# (neighbour, edge index, metric, directed key of the way out: 2 * edge + 0 from the edge's
# first end, + 1 from its second)
Hop = tuple[int, int, float, int]


# --- the network, compiled once ------------------------------------------------------------


@dataclass(frozen=True)
class Destination:
    """One target site: its devices (the super-sink) and the Mb/s each device injects."""

    site: str
    sinks: IntArray
    inject: FloatArray


@dataclass(frozen=True)
class Network:
    """The graph as arrays: node and edge indices, the IGP adjacency and the demands."""

    nodes: tuple[str, ...]
    sites: tuple[str | None, ...]
    keys: tuple[str, ...]
    ends: tuple[tuple[int, int], ...]
    metric: tuple[float, ...]
    ends_array: IntArray  # the same as arrays
    metric_array: FloatArray
    capacity: FloatArray
    routed: BoolArray  # both ends run the IGP
    adjacency: tuple[tuple[Hop, ...], ...]
    destinations: tuple[Destination, ...]
    unplaced: tuple[tuple[str, str, float], ...]  # demands whose source site has no device

    @property
    def edge_count(self) -> int:
        return len(self.keys)


@dataclass(frozen=True)
class Scenario:
    name: str
    edges: tuple[int, ...]


def _site_devices(graph: nx.MultiGraph, index: dict[str, int]) -> dict[str, list[int]]:
    devices: dict[str, list[int]] = defaultdict(list)
    for name, data in graph.nodes(data=True):
        if data.get("managed", True) and data.get("site") is not None:
            devices[data["site"]].append(index[name])
    return {site: sorted(nodes) for site, nodes in devices.items()}


def _destinations(
    demands: Sequence[Demand], devices: dict[str, list[int]], n: int
) -> tuple[tuple[Destination, ...], tuple[tuple[str, str, float], ...]]:
    inject: dict[str, FloatArray] = {}
    unplaced: list[tuple[str, str, float]] = []
    for demand in demands:
        vector = inject.setdefault(demand.target, np.zeros(n))
        sources = devices.get(demand.source, [])
        if not sources:
            unplaced.append((demand.source, demand.target, float(demand.mbps)))
            continue
        vector[sources] += demand.mbps / len(sources)
    destinations = tuple(
        Destination(site, np.array(devices.get(site, []), dtype=np.int64), vector)
        for site, vector in sorted(inject.items())
    )
    return destinations, tuple(unplaced)


def _adjacency(
    n: int, ends: Sequence[tuple[int, int]], metric: Sequence[float], routed: BoolArray
) -> tuple[tuple[Hop, ...], ...]:
    hops: list[list[Hop]] = [[] for _ in range(n)]
    for edge, ((a, b), w) in enumerate(zip(ends, metric, strict=True)):
        if routed[edge]:
            hops[a].append((b, edge, w, 2 * edge))
            hops[b].append((a, edge, w, 2 * edge + 1))
    return tuple(tuple(h) for h in hops)


def compile_network(graph: nx.MultiGraph, demands: Sequence[Demand]) -> Network:
    """Index the graph (nodes sorted by name, edges in graph order) and place the demands."""
    nodes = tuple(sorted(graph.nodes))
    index = {name: i for i, name in enumerate(nodes)}
    in_igp = [bool(graph.nodes[name].get("managed", True)) for name in nodes]
    edges = list(graph.edges(keys=True, data=True))
    ends = tuple((index[a], index[b]) for a, b, _, _ in edges)
    metric = tuple(float(data["metric"]) for *_, data in edges)
    routed = np.array([a != b and in_igp[a] and in_igp[b] for a, b in ends], dtype=np.bool_)
    if any(w <= 0 for w, used in zip(metric, routed, strict=True) if used):
        raise ValueError("IGP metrics must be positive")
    destinations, unplaced = _destinations(demands, _site_devices(graph, index), len(nodes))
    return Network(
        nodes=nodes,
        sites=tuple(graph.nodes[name].get("site") for name in nodes),
        keys=tuple(str(key) for _, _, key, _ in edges),
        ends=ends,
        metric=metric,
        ends_array=np.array(ends, dtype=np.int64).reshape(-1, 2),
        metric_array=np.array(metric, dtype=np.float64),
        capacity=np.array([float(d["capacity_mbps"]) for *_, d in edges]),
        routed=routed,
        adjacency=_adjacency(len(nodes), ends, metric, routed),
        destinations=destinations,
        unplaced=unplaced,
    )


def failure_scenarios(graph: nx.MultiGraph, net: Network) -> list[Scenario]:
    """Every link on its own, then every duct named by a link (all its links at once)."""
    scenarios = [Scenario(f"link {key}", (edge,)) for edge, key in enumerate(net.keys)]
    in_duct: dict[str, list[int]] = defaultdict(list)
    for edge, (*_, data) in enumerate(graph.edges(keys=True, data=True)):
        for duct in data.get("ducts") or ():
            in_duct[duct].append(edge)
    scenarios += [Scenario(f"duct {duct}", tuple(in_duct[duct])) for duct in sorted(in_duct)]
    return scenarios


# --- routing one destination from scratch (vectorised) -------------------------------------


@dataclass(frozen=True)
class Routing:
    """One destination in one state: distances, the DAG's directed edges and the flows."""

    dist: FloatArray
    tails: IntArray
    heads: IntArray
    dkeys: IntArray  # directed keys of the DAG edges
    outdeg: IntArray
    flow: FloatArray  # traffic through each node (its own plus what it receives)

    def shares(self) -> FloatArray:
        """Load on each DAG edge."""
        return self.flow[self.tails] / self.outdeg[self.tails]


def _igp_matrix(net: Network, alive: BoolArray) -> csr_array:
    """Symmetric adjacency with the smallest metric of parallel links (csgraph sums duplicates)."""
    ends, metric = net.ends_array[alive], net.metric_array[alive]
    n = len(net.nodes)
    low, high = ends.min(axis=1), ends.max(axis=1)
    pair = low * n + high
    order = np.lexsort((metric, pair))
    first = np.ones(len(order), dtype=np.bool_)
    first[1:] = pair[order][1:] != pair[order][:-1]
    keep = order[first]
    return csr_array((metric[keep], (low[keep], high[keep])), shape=(n, n))


def _distances(matrix: csr_array, sinks: IntArray, n: int) -> FloatArray:
    if len(sinks) == 0:
        return np.full(n, INF)
    dist: FloatArray = np.asarray(
        dijkstra(matrix, directed=False, indices=sinks, min_only=True), dtype=np.float64
    )
    return dist


def _dag(net: Network, dist: FloatArray, alive: BoolArray) -> tuple[IntArray, IntArray, IntArray]:
    ends, metric = net.ends_array, net.metric_array
    a, b = ends[:, 0], ends[:, 1]
    da, db = dist[a], dist[b]
    forward = alive & np.isfinite(db) & (da == metric + db)
    backward = alive & np.isfinite(da) & (db == metric + da)
    edges = np.arange(len(metric), dtype=np.int64)
    tails = np.concatenate([a[forward], b[backward]])
    heads = np.concatenate([b[forward], a[backward]])
    dkeys = np.concatenate([2 * edges[forward], 2 * edges[backward] + 1])
    return tails, heads, dkeys


def _propagate(
    dist: FloatArray, tails: IntArray, heads: IntArray, outdeg: IntArray, inject: FloatArray
) -> FloatArray:
    """Node flows: every level of equal distance, farthest first, hands its flow down."""
    flow = np.where(np.isfinite(dist), inject, 0.0)
    order = np.argsort(-dist[tails], kind="stable")
    tails, heads = tails[order], heads[order]
    level = dist[tails]
    cuts = np.flatnonzero(level[1:] != level[:-1]) + 1
    inverse = 1.0 / np.maximum(outdeg, 1)
    for start, stop in zip(
        np.concatenate([[0], cuts]), np.concatenate([cuts, [len(tails)]]), strict=True
    ):
        t = tails[start:stop]
        np.add.at(flow, heads[start:stop], flow[t] * inverse[t])
    return flow


def route(net: Network, dest: Destination, alive: BoolArray, matrix: csr_array) -> Routing:
    """Route one destination over the links in ``alive`` (``matrix`` from :func:`_igp_matrix`)."""
    n = len(net.nodes)
    dist = _distances(matrix, dest.sinks, n)
    tails, heads, dkeys = _dag(net, dist, alive)
    outdeg = np.bincount(tails, minlength=n).astype(np.int64)
    flow = _propagate(dist, tails, heads, outdeg, dest.inject)
    return Routing(dist, tails, heads, dkeys, outdeg, flow)


def _lost(net: Network, dest: Destination, dist: FloatArray) -> dict[tuple[str, str], float]:
    lost: dict[tuple[str, str], float] = defaultdict(float)
    for node in np.flatnonzero(~np.isfinite(dist) & (dest.inject > 0)).tolist():
        lost[(str(net.sites[node]), dest.site)] += float(dest.inject[node])
    return dict(lost)


@dataclass(frozen=True)
class State:
    """Every destination routed in one scenario: loads per directed key and lost demand."""

    routings: tuple[Routing, ...]
    loads: FloatArray  # 2 * edges: [2e] from the edge's first end, [2e + 1] from its second
    lost: dict[tuple[str, str], float]  # (source site, target site) -> Mb/s without a path


def solve(net: Network, failed: Iterable[int] = ()) -> State:
    """Route every destination from scratch with the ``failed`` links down."""
    alive = net.routed.copy()
    alive[list(failed)] = False
    matrix = _igp_matrix(net, alive)
    routings = tuple(route(net, dest, alive, matrix) for dest in net.destinations)
    loads = np.zeros(2 * net.edge_count)
    lost: dict[tuple[str, str], float] = defaultdict(float)
    for source, target, mbps in net.unplaced:
        lost[(source, target)] += mbps
    for dest, routing in zip(net.destinations, routings, strict=True):
        loads += np.bincount(routing.dkeys, routing.shares(), minlength=2 * net.edge_count)
        for demand, mbps in _lost(net, dest, routing.dist).items():
            lost[demand] += mbps
    return State(routings, loads, dict(lost))


def sweep_full(net: Network, scenarios: Iterable[Scenario]) -> Iterator[tuple[Scenario, State]]:
    """The naive sweep: every scenario routed from scratch."""
    for scenario in scenarios:
        yield scenario, solve(net, scenario.edges)


# --- the fast sweep: incremental repair of the normal routing -------------------------------


@dataclass(frozen=True, slots=True)
class _Tree:
    """One destination's normal routing as compact Python arrays for the scalar repair loops,
    and the next hops of the nodes looked at so far (filled on demand, kept across scenarios)."""

    dist: array[float]
    outdeg: array[int]
    flow: array[float]
    inject: array[float]
    next_hops: dict[int, list[tuple[int, int]]]


@dataclass(frozen=True)
class Change:
    """What a scenario changes: load per directed key (added to the normal loads) and the demand
    lost on top of the normal state's, per node and destination index."""

    scenario: Scenario
    delta: dict[int, float]
    lost: dict[tuple[int, int], float]


@dataclass
class _Repair:
    """The repair of one destination for one scenario (scratch state of :func:`_repair`)."""

    tree: _Tree
    adjacency: tuple[tuple[Hop, ...], ...]
    failed: frozenset[int]
    dead: dict[int, int]  # node -> next hops lost (nodes that lost at least one)
    region: set[int]  # nodes whose distance grows
    new_dist: dict[int, float]  # their new distances (unreachable: absent)

    def distance(self, node: int) -> float:
        if node in self.region:
            return self.new_dist.get(node, INF)
        return self.tree.dist[node]

    def old_next(self, node: int) -> list[tuple[int, int]]:
        """(next hop, directed key) in the normal state, failed links included."""
        hops = self.tree.next_hops.get(node)
        if hops is None:
            dist = self.tree.dist
            d = dist[node]
            hops = [(y, k) for y, _, w, k in self.adjacency[node] if dist[y] + w == d != INF]
            self.tree.next_hops[node] = hops
        return hops

    def new_next(self, node: int) -> list[tuple[int, int]]:
        """(next hop, directed key) in the scenario: new ones inside the region, the surviving
        ones for nodes that lost some, the old ones elsewhere."""
        failed = self.failed
        if node in self.region:
            d = self.new_dist.get(node, INF)
            return [
                (y, k)
                for y, e, w, k in self.adjacency[node]
                if e not in failed and self.distance(y) + w == d != INF
            ]
        if node in self.dead:
            region = self.region
            return [
                (y, k) for y, k in self.old_next(node) if k >> 1 not in failed and y not in region
            ]
        return self.old_next(node)


def _failed_tails(tree: _Tree, net: Network, failed: Iterable[int]) -> list[int]:
    """The upstream end of every failed link that is a next hop towards this destination."""
    dist = tree.dist
    tails = []
    for edge in failed:
        a, b = net.ends[edge]
        w = net.metric[edge]
        if dist[a] == w + dist[b] != INF:
            tails.append(a)
        elif dist[b] == w + dist[a] != INF:
            tails.append(b)
    return tails


def _peel(repair: _Repair, tails: list[int]) -> list[int]:
    """Nodes whose every next hop is dead, upwards from the failed links (their distance grows)."""
    tree, dead, failed = repair.tree, repair.dead, repair.failed
    dist, outdeg = tree.dist, tree.outdeg
    for tail in tails:
        dead[tail] = dead.get(tail, 0) + 1
    region = [node for node, count in dead.items() if count == outdeg[node]]
    i = 0
    while i < len(region):
        node = region[i]
        i += 1
        d = dist[node]
        for x, e, w, _ in repair.adjacency[node]:
            if dist[x] == d + w and e not in failed:
                count = dead.get(x, 0) + 1
                dead[x] = count
                if count == outdeg[x]:
                    region.append(x)
    repair.region.update(region)
    return region


def _redistance(repair: _Repair, region: list[int]) -> None:
    """Dijkstra inside the region from its boundary, until every node with traffic is settled."""
    tree, failed, inside = repair.tree, repair.failed, repair.region
    dist, flow, adjacency = tree.dist, tree.flow, repair.adjacency
    heap: list[tuple[float, int]] = []
    for node in region:
        best = min(
            (w + dist[y] for y, e, w, _ in adjacency[node] if y not in inside and e not in failed),
            default=INF,
        )
        if best < INF:
            heap.append((best, node))
    heapq.heapify(heap)
    pending = sum(1 for node in region if flow[node] > 0)
    settled = repair.new_dist
    while heap and pending:
        d, node = heapq.heappop(heap)
        if node in settled:
            continue
        settled[node] = d
        if flow[node] > 0:
            pending -= 1
        for y, e, w, _ in adjacency[node]:
            if y in inside and y not in settled and e not in failed:
                heapq.heappush(heap, (d + w, y))


@dataclass
class _Flows:
    """Changes on their way down, farthest node (by new distance) first."""

    repair: _Repair
    delta: dict[int, float]  # load change per directed key
    # per node on the way: inside the region its new inflow, outside the change of its inflow
    received: dict[int, float]
    heap: list[tuple[float, int]]

    def start(self, node: int) -> None:
        self.received[node] = 0.0
        heapq.heappush(self.heap, (-self.repair.distance(node), node))

    def send(self, hops: list[tuple[int, int]], amount: float, new: bool) -> None:
        """Add ``amount`` on each hop. Old hops (``new`` False) into the region change only
        the link: region nodes get their flow from their new inflow alone."""
        delta, received, heap = self.delta, self.received, self.heap
        region, dist, new_dist = self.repair.region, self.repair.tree.dist, self.repair.new_dist
        for y, k in hops:
            delta[k] = delta.get(k, 0.0) + amount
            inside = y in region
            if new or not inside:
                if y in received:
                    received[y] += amount
                else:
                    received[y] = amount
                    heapq.heappush(heap, (-(new_dist[y] if inside else dist[y]), y))


# changes of node flow smaller than this (Mb/s) are rounding noise and stop there
NOISE = 1e-9


def _reflow(repair: _Repair, delta: dict[int, float], lost: dict[int, float]) -> None:
    """Push the flow changes down from the nodes that lost a next hop, in decreasing new
    distance (every change a node receives comes from a node farther away)."""
    tree, dead, region = repair.tree, repair.dead, repair.region
    flow, outdeg, inject = tree.flow, tree.outdeg, tree.inject
    flows = _Flows(repair, delta, {}, [])
    for node in dead:
        if flow[node] > 0:
            flows.start(node)
    received, heap = flows.received, flows.heap
    while heap:
        d, node = heapq.heappop(heap)
        if node not in dead:  # same next hops, different inflow
            change = received[node]
            if (change > NOISE or change < -NOISE) and outdeg[node]:
                flows.send(repair.old_next(node), change / outdeg[node], new=False)
            continue
        if flow[node] > 0:
            flows.send(repair.old_next(node), -flow[node] / outdeg[node], new=False)
        if node in region:
            if d == -INF:
                if inject[node] > 0:
                    lost[node] = inject[node]
                continue
            total = inject[node] + received[node]
        else:
            total = flow[node] + received[node]
        if total > NOISE and d < 0:
            hops = repair.new_next(node)
            flows.send(hops, total / len(hops), new=True)


def _repair(
    tree: _Tree, net: Network, failed: frozenset[int], delta: dict[int, float]
) -> dict[int, float]:
    """Add one destination's load changes to ``delta``; return its newly lost Mb/s per node."""
    repair = _Repair(tree, net.adjacency, failed, {}, set(), {})
    region = _peel(repair, _failed_tails(tree, net, failed))
    if region:
        _redistance(repair, region)
    lost: dict[int, float] = {}
    _reflow(repair, delta, lost)
    return lost


def _doubles(values: FloatArray) -> array[float]:
    return array("d", values.astype(np.float64).tobytes())


def _trees(routings: Sequence[Routing], net: Network) -> list[_Tree]:
    return [
        _Tree(
            _doubles(r.dist),
            array("q", r.outdeg.tobytes()),
            _doubles(r.flow),
            _doubles(d.inject),
            {},
        )
        for r, d in zip(routings, net.destinations, strict=True)
    ]


def _carriers(routings: Sequence[Routing], edges: int) -> list[tuple[int, ...]]:
    """Per edge, the destinations whose normal traffic crosses it."""
    pairs: list[tuple[int, int]] = []
    for d, routing in enumerate(routings):
        busy = routing.dkeys[routing.shares() > 0] // 2
        pairs += [(int(e), d) for e in np.unique(busy)]
    result: list[list[int]] = [[] for _ in range(edges)]
    for edge, d in pairs:
        result[edge].append(d)
    return [tuple(r) for r in result]


def sweep(net: Network, normal: State, scenarios: Iterable[Scenario]) -> Iterator[Change]:
    """The fast sweep: each scenario as a change to the normal state (see the module doc)."""
    trees = _trees(normal.routings, net)
    carriers = _carriers(normal.routings, net.edge_count)
    routed = net.routed
    for scenario in scenarios:
        failed = frozenset(e for e in scenario.edges if routed[e])
        affected = sorted({d for e in failed for d in carriers[e]})
        delta: dict[int, float] = {}
        lost: dict[tuple[int, int], float] = {}
        for d in affected:
            for node, mbps in _repair(trees[d], net, failed, delta).items():
                lost[(node, d)] = mbps
        yield Change(scenario, delta, lost)


# --- the report -----------------------------------------------------------------------------


class Model(BaseModel):
    model_config = ConfigDict(frozen=True)


class LinkLoad(Model):
    """One link: its load (busier direction) normally and in its worst scenario."""

    link: str
    a: str
    b: str
    capacity_mbps: float
    normal_mbps: float
    normal_utilisation: float
    normal_from: str | None  # the device the busier direction leaves; None when idle
    worst_mbps: float
    worst_utilisation: float
    worst_from: str | None
    worst_scenario: str

    def overloads(self, threshold: float) -> bool:
        """The worst case is above ``threshold`` of the capacity (utilisations shown are
        rounded; this is not)."""
        return self.worst_mbps > threshold * self.capacity_mbps


class DemandLoss(Model):
    source: str
    target: str
    mbps: float


class ScenarioLoss(Model):
    scenario: str
    lost_mbps: float
    demands: tuple[DemandLoss, ...]


class Timings(Model):
    compile_s: float
    normal_s: float
    sweep_s: float
    total_s: float


class CapacityReport(Model):
    threshold: float  # a link overloads when its worst utilisation is above this
    devices: int
    links: int
    demands: int
    demand_mbps: float
    destinations: int
    scenarios: int  # failure scenarios swept (links, then ducts)
    rerouting: int  # scenarios that move some traffic
    normal_lost_mbps: float
    scenarios_with_loss: int
    loads: tuple[LinkLoad, ...]  # every link, highest worst utilisation first
    overloaded: tuple[LinkLoad, ...]
    losses: tuple[ScenarioLoss, ...]  # the scenarios losing the most demand, most first
    timings: Timings


@dataclass
class _Sweep:
    """What the sweep keeps: per directed key the worst load and its scenario (-1: normal),
    and the demand lost per scenario (beyond the normal state's)."""

    worst: list[float]
    cause: list[int]
    extra_lost: dict[int, dict[tuple[str, str], float]]
    rerouting: int


def _collect(net: Network, normal: State, changes: Iterable[Change]) -> _Sweep:
    worst = normal.loads.tolist()
    cause = [-1] * len(worst)
    extra: dict[int, dict[tuple[str, str], float]] = {}
    rerouting = 0
    base = normal.loads.tolist()
    for i, change in enumerate(changes):
        rerouting += bool(change.delta)
        failed = set(change.scenario.edges)
        for key, value in change.delta.items():
            load = base[key] + value
            if load > worst[key] + WORST_TOLERANCE and key >> 1 not in failed:
                worst[key] = load
                cause[key] = i
        if change.lost:
            lost: dict[tuple[str, str], float] = defaultdict(float)
            for (node, d), mbps in change.lost.items():
                lost[(str(net.sites[node]), net.destinations[d].site)] += mbps
            extra[i] = dict(lost)
    return _Sweep(worst, cause, extra, rerouting)


def _rounded(value: float, digits: int = 3) -> float:
    return round(value, digits) + 0.0  # no -0.0


def _link_loads(
    net: Network, normal: State, swept: _Sweep, scenarios: Sequence[Scenario]
) -> list[LinkLoad]:
    loads = []
    for edge, key in enumerate(net.keys):
        a, b = net.ends[edge]
        capacity = float(net.capacity[edge])
        now = normal.loads[2 * edge : 2 * edge + 2].tolist()
        worst = swept.worst[2 * edge : 2 * edge + 2]
        n_side = int(now[1] > now[0])
        w_side = int(worst[1] > worst[0])
        cause = swept.cause[2 * edge + w_side]
        loads.append(
            LinkLoad(
                link=key,
                a=net.nodes[a],
                b=net.nodes[b],
                capacity_mbps=capacity,
                normal_mbps=_rounded(now[n_side]),
                normal_utilisation=_rounded(now[n_side] / capacity, 4),
                normal_from=net.nodes[(a, b)[n_side]] if now[n_side] > 0 else None,
                worst_mbps=_rounded(worst[w_side]),
                worst_utilisation=_rounded(worst[w_side] / capacity, 4),
                worst_from=net.nodes[(a, b)[w_side]] if worst[w_side] > 0 else None,
                worst_scenario=NORMAL if cause < 0 else scenarios[cause].name,
            )
        )
    loads.sort(key=lambda x: (-x.worst_utilisation, -x.worst_mbps, x.link))
    return loads


def _scenario_loss(name: str, lost: dict[tuple[str, str], float]) -> ScenarioLoss:
    demands = [
        DemandLoss(source=s, target=t, mbps=_rounded(mbps))
        for (s, t), mbps in sorted(lost.items(), key=lambda item: (-item[1], item[0]))
    ]
    return ScenarioLoss(
        scenario=name, lost_mbps=_rounded(sum(lost.values())), demands=tuple(demands)
    )


def _losses(
    normal: State, swept: _Sweep, scenarios: Sequence[Scenario], top: int
) -> tuple[int, list[ScenarioLoss]]:
    """How many scenarios lose demand, and the ``top`` that lose the most."""
    base = sum(normal.lost.values())
    candidates = range(len(scenarios) if base > 0 else 0)
    totals = {i: base + sum(swept.extra_lost.get(i, {}).values()) for i in candidates}
    totals |= {i: base + sum(lost.values()) for i, lost in swept.extra_lost.items()}
    ranked = sorted(totals, key=lambda i: (-totals[i], i))[:top]
    result = []
    for i in ranked:
        lost: dict[tuple[str, str], float] = defaultdict(float, normal.lost)
        for demand, mbps in swept.extra_lost.get(i, {}).items():
            lost[demand] += mbps
        result.append(_scenario_loss(scenarios[i].name, lost))
    return len(totals), result


def analyse_graph(
    graph: nx.MultiGraph,
    demands: Sequence[Demand],
    threshold: float = DEFAULT_THRESHOLD,
    top: int = TOP_SCENARIOS,
) -> CapacityReport:
    """Route ``demands`` on ``graph`` normally and in every failure scenario (fast sweep)."""
    started = time.perf_counter()
    net = compile_network(graph, demands)
    scenarios = failure_scenarios(graph, net)
    compiled = time.perf_counter()
    normal = solve(net)
    routed = time.perf_counter()
    swept = _collect(net, normal, sweep(net, normal, scenarios))
    done = time.perf_counter()
    loads = _link_loads(net, normal, swept, scenarios)
    with_loss, losses = _losses(normal, swept, scenarios, top)
    return CapacityReport(
        threshold=threshold,
        devices=sum(1 for s in net.sites if s is not None),
        links=net.edge_count,
        demands=len(demands),
        demand_mbps=_rounded(sum(float(d.mbps) for d in demands)),
        destinations=len(net.destinations),
        scenarios=len(scenarios),
        rerouting=swept.rerouting,
        normal_lost_mbps=_rounded(sum(normal.lost.values())),
        scenarios_with_loss=with_loss,
        loads=tuple(loads),
        overloaded=tuple(x for x in loads if x.overloads(threshold)),
        losses=tuple(losses),
        timings=Timings(
            compile_s=_rounded(compiled - started, 4),
            normal_s=_rounded(routed - compiled, 4),
            sweep_s=_rounded(done - routed, 4),
            total_s=_rounded(time.perf_counter() - started, 4),
        ),
    )


def analyse(
    design: Design,
    graph: nx.MultiGraph,
    threshold: float = DEFAULT_THRESHOLD,
    top: int = TOP_SCENARIOS,
) -> CapacityReport:
    """The design's demands on its graph (see :func:`analyse_graph`)."""
    return analyse_graph(graph, design.demands, threshold, top)


# --- tables ---------------------------------------------------------------------------------

BUSIEST = 15


def _table(title: str, *columns: str) -> Table:
    """Columns named in Mb/s hold numbers (right-aligned); the others text."""
    table = Table(title=title, title_justify="left", title_style="bold")
    for column in columns:
        table.add_column(column, justify="right" if "Mb/s" in column else "left")
    return table


def _percent(value: float) -> str:
    return f"{100 * value:.1f}%"


def _summary_table(report: CapacityReport) -> Table:
    table = _table("capacity", "", "")
    table.show_header = False
    rows = [
        ("devices / links", f"{report.devices:,} / {report.links:,}"),
        ("demands", f"{report.demands:,} ({report.demand_mbps:,.0f} Mb/s)"),
        ("destinations", f"{report.destinations:,}"),
        ("failure scenarios", f"{report.scenarios:,} ({report.rerouting:,} move traffic)"),
        ("lost in the normal state", f"{report.normal_lost_mbps:,.0f} Mb/s"),
        ("scenarios losing demand", f"{report.scenarios_with_loss:,}"),
        ("overloaded links", f"{len(report.overloaded):,} (worst > {_percent(report.threshold)})"),
        (
            "time",
            f"{report.timings.total_s:.2f} s (sweep {report.timings.sweep_s:.2f} s, "
            f"normal {report.timings.normal_s:.2f} s)",
        ),
    ]
    for row in rows:
        table.add_row(*row)
    return table


def _load_text(mbps: float, utilisation: float) -> str:
    return f"{mbps:,.0f} ({_percent(utilisation)})"


def _links_table(report: CapacityReport) -> Table:
    shown = report.overloaded or report.loads[:BUSIEST]
    title = (
        f"overloaded links (worst case above {_percent(report.threshold)})"
        if report.overloaded
        else f"busiest links in their worst case (none above {_percent(report.threshold)})"
    )
    table = _table(title, "link", "capacity Mb/s", "normal Mb/s", "worst Mb/s", "worst when")
    for x in shown:
        table.add_row(
            x.link,
            f"{x.capacity_mbps:,.0f}",
            _load_text(x.normal_mbps, x.normal_utilisation),
            _load_text(x.worst_mbps, x.worst_utilisation),
            x.worst_scenario,
            style="red" if x.overloads(report.threshold) else None,
        )
    return table


def _losses_table(report: CapacityReport) -> Table:
    table = _table("demand lost, worst scenarios", "scenario", "lost Mb/s", "demands")
    for loss in report.losses:
        demands = ", ".join(f"{d.source}→{d.target} {d.mbps:,.0f}" for d in loss.demands[:4])
        more = len(loss.demands) - 4
        table.add_row(
            loss.scenario,
            f"{loss.lost_mbps:,.0f}",
            demands + (f" (+{more} more)" if more > 0 else ""),
        )
    return table


def capacity_tables(report: CapacityReport) -> list[Table]:
    tables = [_summary_table(report), _links_table(report)]
    if report.losses:
        tables.append(_losses_table(report))
    return tables
