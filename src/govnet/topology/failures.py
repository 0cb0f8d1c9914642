"""Which sites a failure cuts off from a target, and which lose their redundancy: exactly, in
linear time, from one depth-first search per target.

Each target (cloud DC, DR DC, Internet egress) becomes a super-sink joined by unfailable edges to
its gateways; a site is cut off when none of its devices is still connected to the sink. One DFS
from the sink gives, for every failure scope:

- single link failures: the bridges (a tree edge no non-tree edge covers) cut off their subtree;
- single node failures: the articulation points (Tarjan's low-links) cut off every child subtree
  with no back edge above them;
- double link failures: cycle-space labels. Every non-tree edge gets a random 64-bit label and
  every tree edge the XOR of the labels of the non-tree edges covering it. Two non-bridge edges
  form a cut exactly when their labels are equal (with probability 1 - 2^-64 per pair). Edges
  of one label form a chain down one root path; cutting two of them isolates the segments of
  the chain between them, so a class is reported once ("any two cuts on this chain isolate the
  sites between them") instead of as its pairs;
- duct (shared-risk) failures: the duct's edges contain a cut exactly when their labels are
  linearly dependent over GF(2); only those ducts are confirmed with a search of the graph.

The naive remove-and-recompute loop is kept in the tests and the benchmark as the reference.
"""

from __future__ import annotations

import random
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field

import networkx as nx

from govnet.topology.targets import target_nodes, user_sites

SINK = "__sink__"
LABEL_SEED = 20190769


@dataclass
class Indexed:
    """A target's graph as arrays: node 0 is the sink; edges keep their design key."""

    names: list[str]
    edge_keys: list[str]  # "" for the unfailable sink edges
    edge_ends: list[tuple[int, int]]
    edge_ducts: list[tuple[str, ...]]
    adjacency: list[list[tuple[int, int]]]  # node -> [(neighbour, edge id)]

    @property
    def size(self) -> int:
        return len(self.names)


def index_graph(graph: nx.MultiGraph, gateways: Iterable[str]) -> Indexed:
    names = [SINK, *sorted(graph.nodes)]
    position = {name: i for i, name in enumerate(names)}
    keys: list[str] = []
    ends: list[tuple[int, int]] = []
    ducts: list[tuple[str, ...]] = []
    for a, b, key, data in sorted(graph.edges(keys=True, data=True), key=lambda e: e[2]):
        keys.append(key)
        ends.append((position[a], position[b]))
        ducts.append(tuple(data.get("ducts", ())))
    for gateway in sorted(gateways):
        keys.append("")
        ends.append((0, position[gateway]))
        ducts.append(())
    adjacency: list[list[tuple[int, int]]] = [[] for _ in names]
    for edge, (a, b) in enumerate(ends):
        adjacency[a].append((b, edge))
        adjacency[b].append((a, edge))
    return Indexed(names, keys, ends, ducts, adjacency)


@dataclass
class SearchTree:
    """DFS from the sink: preorder intervals, low-links and cycle-space labels."""

    tin: list[int]
    tout: list[int]
    order: list[int]  # nodes in preorder (reachable ones)
    parent: list[int]
    parent_edge: list[int]
    depth: list[int]
    low: list[int]
    children: list[list[int]]
    edge_label: list[int]
    tree_edge: list[bool]

    def reachable(self, node: int) -> bool:
        return self.tin[node] >= 0

    def subtree(self, node: int) -> list[int]:
        return self.order[self.tin[node] : self.tout[node]]


def search(indexed: Indexed, seed: int = LABEL_SEED) -> SearchTree:
    n = indexed.size
    tin, tout, low = [-1] * n, [-1] * n, [0] * n
    parent, parent_edge, depth = [-1] * n, [-1] * n, [0] * n
    children: list[list[int]] = [[] for _ in range(n)]
    order: list[int] = []
    tree_edge = [False] * len(indexed.edge_ends)
    tin[0] = 0
    order.append(0)
    stack = [(0, iter(indexed.adjacency[0]))]
    while stack:
        node, neighbours = stack[-1]
        advanced = False
        for nxt, edge in neighbours:
            if edge == parent_edge[node]:
                continue
            if tin[nxt] < 0:
                tin[nxt] = low[nxt] = len(order)
                order.append(nxt)
                parent[nxt], parent_edge[nxt], depth[nxt] = node, edge, depth[node] + 1
                tree_edge[edge] = True
                children[node].append(nxt)
                stack.append((nxt, iter(indexed.adjacency[nxt])))
                advanced = True
                break
            low[node] = min(low[node], tin[nxt])
        if not advanced:
            stack.pop()
            tout[node] = len(order)
            if parent[node] >= 0:
                low[parent[node]] = min(low[parent[node]], low[node])
    rng = random.Random(seed)
    node_xor = [0] * n
    edge_label = [0] * len(indexed.edge_ends)
    for edge, (a, b) in enumerate(indexed.edge_ends):
        if not tree_edge[edge] and tin[a] >= 0 and tin[b] >= 0:
            label = rng.getrandbits(64) | 1
            edge_label[edge] = label
            node_xor[a] ^= label
            node_xor[b] ^= label
    for node in reversed(order):
        if parent[node] >= 0:
            edge_label[parent_edge[node]] = node_xor[node]
            node_xor[parent[node]] ^= node_xor[node]
    return SearchTree(
        tin, tout, order, parent, parent_edge, depth, low, children, edge_label, tree_edge
    )


@dataclass(frozen=True)
class Chain:
    """Edges of one cycle-space label, top to bottom: cutting any two isolates the segments
    between them (segment i lies between edge i and edge i+1)."""

    edges: tuple[int, ...]
    segments: tuple[tuple[int, ...], ...]


@dataclass
class TargetAnalysis:
    """Everything one target's DFS answers, as node sets (indices into ``indexed.names``)."""

    target: str
    indexed: Indexed
    tree: SearchTree
    unreachable: list[int]
    bridges: dict[int, list[int]]  # edge -> nodes cut off
    articulation: dict[int, list[int]]  # node -> nodes cut off (the node itself excluded)
    chains: list[Chain]
    duct_cuts: dict[str, list[int]] = field(default_factory=dict)


def _chains(indexed: Indexed, tree: SearchTree) -> list[Chain]:
    by_label: dict[int, list[int]] = defaultdict(list)
    for edge, label in enumerate(tree.edge_label):
        if label and indexed.edge_keys[edge]:
            by_label[label].append(edge)
    chains = []
    for edges in by_label.values():
        if len(edges) < 2:
            continue
        tree_edges = sorted(
            (e for e in edges if tree.tree_edge[e]),
            key=lambda e: tree.depth[_child(indexed, tree, e)],
        )
        closing = [e for e in edges if not tree.tree_edge[e]]
        ordered = tree_edges + closing
        segments = []
        for i, edge in enumerate(tree_edges):
            top = _child(indexed, tree, edge)
            below = (
                set(tree.subtree(_child(indexed, tree, tree_edges[i + 1])))
                if i + 1 < len(tree_edges)
                else None
            )
            if below is None and not closing:
                continue
            segments.append(tuple(n for n in tree.subtree(top) if below is None or n not in below))
        chains.append(Chain(tuple(ordered), tuple(segments)))
    return sorted(chains, key=lambda c: c.edges)


def _child(indexed: Indexed, tree: SearchTree, edge: int) -> int:
    a, b = indexed.edge_ends[edge]
    return b if tree.parent[b] == a and tree.parent_edge[b] == edge else a


def _independent(labels: list[int]) -> bool:
    """Whether 64-bit labels are linearly independent over GF(2) (Gaussian elimination)."""
    basis: list[int] = []
    for label in labels:
        for vector in basis:
            label = min(label, label ^ vector)
        if label == 0:
            return False
        basis.append(label)
    return True


def cut_off_by(
    indexed: Indexed, failed_edges: set[int], failed_nodes: frozenset[int] = frozenset()
) -> list[int]:
    """Exact search: nodes not connected to the sink once the given edges and nodes fail."""
    seen = [False] * indexed.size
    seen[0] = True
    stack = [0]
    while stack:
        node = stack.pop()
        for nxt, edge in indexed.adjacency[node]:
            if not seen[nxt] and edge not in failed_edges and nxt not in failed_nodes:
                seen[nxt] = True
                stack.append(nxt)
    return [n for n in range(1, indexed.size) if not seen[n] and n not in failed_nodes]


def analyse_target(
    graph: nx.MultiGraph, target: str, gateways: list[str], seed: int = LABEL_SEED
) -> TargetAnalysis:
    indexed = index_graph(graph, gateways)
    tree = search(indexed, seed)
    unreachable = [n for n in range(1, indexed.size) if not tree.reachable(n)]
    bridges = {}
    for edge, label in enumerate(tree.edge_label):
        if tree.tree_edge[edge] and label == 0 and indexed.edge_keys[edge]:
            bridges[edge] = tree.subtree(_child(indexed, tree, edge))
    articulation: dict[int, list[int]] = {}
    for node in tree.order[1:]:
        lost = [
            n
            for child in tree.children[node]
            if tree.low[child] >= tree.tin[node]
            for n in tree.subtree(child)
        ]
        if lost:
            articulation[node] = lost
    analysis = TargetAnalysis(
        target, indexed, tree, unreachable, bridges, articulation, _chains(indexed, tree)
    )
    by_duct: dict[str, set[int]] = defaultdict(set)
    for edge, ducts in enumerate(indexed.edge_ducts):
        for duct in ducts:
            by_duct[duct].add(edge)
    for duct, edges in sorted(by_duct.items()):
        labels = [tree.edge_label[e] for e in edges if tree.reachable(indexed.edge_ends[e][0])]
        if not _independent(labels):
            lost = [n for n in cut_off_by(indexed, edges) if tree.reachable(n)]
            if lost:
                analysis.duct_cuts[duct] = lost
    return analysis


def analyse(graph: nx.MultiGraph, seed: int = LABEL_SEED) -> dict[str, TargetAnalysis]:
    return {t: analyse_target(graph, t, gws, seed) for t, gws in target_nodes(graph).items()}


def user_site_of(graph: nx.MultiGraph) -> dict[str, str]:
    """Device -> its site, for user devices only."""
    return {node: site for site, nodes in user_sites(graph).items() for node in nodes}


def chain_positions(analysis: TargetAnalysis) -> dict[int, tuple[int, int]]:
    """Edge -> (chain index, position in the chain)."""
    return {
        edge: (c, p)
        for c, chain in enumerate(analysis.chains)
        for p, edge in enumerate(chain.edges)
    }


def cut_by_pair(
    analysis: TargetAnalysis, first: int, second: int, positions: dict[int, tuple[int, int]]
) -> set[int]:
    """Nodes cut off when two links fail: the bridges' subtrees, and the chain segments between
    the two when they share a label (no graph search)."""
    lost: set[int] = set()
    for edge in (first, second):
        lost.update(analysis.bridges.get(edge, ()))
    a, b = positions.get(first), positions.get(second)
    if a is not None and b is not None and a[0] == b[0]:
        low, high = sorted((a[1], b[1]))
        for segment in analysis.chains[a[0]].segments[low:high]:
            lost.update(segment)
    return lost


def single_points(analysis: TargetAnalysis) -> set[int]:
    """Nodes some single link failure cuts off (no link redundancy even with nothing failed)."""
    return {n for nodes in analysis.bridges.values() for n in nodes}


def degraded_by(
    analysis: TargetAnalysis, edge: int, positions: dict[int, tuple[int, int]]
) -> set[int]:
    """Nodes that keep the target when ``edge`` fails but lose link redundancy: the segments of
    its chain, less what was never redundant."""
    place = positions.get(edge)
    if place is None:
        return set()
    chain = analysis.chains[place[0]]
    return {n for segment in chain.segments for n in segment} - single_points(analysis)
