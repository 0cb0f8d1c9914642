"""A drawing a planner can read: core and DCs in the middle, aggregation nodes around them, each
first-level ring as a coloured loop of towns outside, CEs and spurs next to where they attach.

Large designs (a generated province) are drawn one node per district instead, sized by devices.
"""

from __future__ import annotations

import math
from collections import Counter, defaultdict
from pathlib import Path
from typing import Any

import matplotlib

matplotlib.use("Agg")
import itertools

import matplotlib.pyplot as plt
import networkx as nx
from matplotlib.lines import Line2D

from govnet.design import Design

DETAIL_LIMIT = 1500  # above this many nodes, draw districts instead of devices

LAYER_STYLE: dict[str, dict[str, Any]] = {
    "province": {"marker": "h", "color": "#5b2a86", "size": 420},
    "wan": {"marker": "D", "color": "#1f3b73", "size": 320},
    "core": {"marker": "s", "color": "#0b6e4f", "size": 380},
    "dc": {"marker": "s", "color": "#c17817", "size": 300},
    "aggregation": {"marker": "^", "color": "#2a6f97", "size": 300},
    "town": {"marker": "o", "color": "#ffffff", "size": 150},
    "access": {"marker": "o", "color": "#bbbbbb", "size": 20},
    "ce": {"marker": "s", "color": "#8d99ae", "size": 60},
    "external": {"marker": "h", "color": "#7f7f7f", "size": 260},
}
CENTRE_ROWS = {"province": 3.4, "wan": 2.1, "core": 0.8, "dc": -0.7, "external": -2.2}
RING_COLOURS: tuple[Any, ...] = tuple(plt.get_cmap("tab10").colors)  # type: ignore[attr-defined]


def draw_design(
    design: Design,
    graph: nx.MultiGraph,
    out: Path,
    status: dict[str, str] | None = None,
    legend: dict[str, str] | None = None,
    title: str | None = None,
) -> str:
    """Write the PNG; returns a note for the user when the drawing is simplified. ``status``
    colours devices (device -> colour) with ``legend`` (label -> colour) explaining them."""
    out.parent.mkdir(parents=True, exist_ok=True)
    if graph.number_of_nodes() > DETAIL_LIMIT:
        _draw_districts(design, graph, out)
        return f"{graph.number_of_nodes()} nodes: drawn one node per district"
    _draw_devices(design, graph, out, status or {}, legend or {}, title)
    return ""


def _ring_order(rings: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Rings that share a closing node end up next to each other around the circle."""
    remaining = sorted(rings, key=lambda r: r["name"])
    ordered: list[dict[str, Any]] = []
    while remaining:
        current = remaining.pop(0)
        ordered.append(current)
        while True:
            ends = {current["members"][0], current["members"][-1]}
            follower = next(
                (r for r in remaining if ends & {r["members"][0], r["members"][-1]}), None
            )
            if follower is None:
                break
            remaining.remove(follower)
            if current["members"][-1] != follower["members"][0] and follower["members"][-1] in ends:
                follower = {**follower, "members": follower["members"][::-1]}
            ordered.append(follower)
            current = follower
    return ordered


def _bearings(design: Design, graph: nx.MultiGraph) -> dict[str, float]:
    """Compass angle of each located device's site, seen from the middle of the city."""
    located = {
        n: design.sites[d["site"]].location
        for n, d in graph.nodes(data=True)
        if d["site"] in design.sites
    }
    points = {n: loc for n, loc in located.items() if loc is not None}
    if not points:
        return {}
    cx = sum(p[0] for p in points.values()) / len(points)
    cy = sum(p[1] for p in points.values()) / len(points)
    return {n: math.atan2(p[1] - cy, p[0] - cx) for n, p in points.items()}


def _circular_mean(angles: list[float]) -> float:
    return math.atan2(sum(math.sin(a) for a in angles), sum(math.cos(a) for a in angles))


def _layout(design: Design, graph: nx.MultiGraph) -> dict[str, tuple[float, float]]:
    pos: dict[str, tuple[float, float]] = {}
    # centre cluster: rows by layer
    rows: dict[str, list[str]] = defaultdict(list)
    for node, data in sorted(graph.nodes(data=True)):
        if data["layer"] in CENTRE_ROWS:
            rows[data["layer"]].append(node)
    for layer, nodes in rows.items():
        width = 1.5 * (len(nodes) - 1)
        for i, node in enumerate(nodes):
            pos[node] = (-width / 2 + 1.5 * i, CENTRE_ROWS[layer])
    # first-level rings: sectors around the circle (in map order where sites are located)
    rings = [
        {"name": name, **spec}
        for name, spec in graph.graph.get("rings", {}).items()
        if spec["level"] == 1 and all(m in graph for m in spec["members"])
    ]
    bearing = _bearings(design, graph)
    if rings and all(m in bearing for r in rings for m in r["members"][1:-1]):
        ordered = sorted(
            rings, key=lambda r: -_circular_mean([bearing[m] for m in r["members"][1:-1]])
        )
        start = _circular_mean([bearing[m] for m in ordered[0]["members"][1:-1]])
    else:
        ordered, start = _ring_order(rings), math.pi / 2
    weights = [len(r["members"]) for r in ordered]
    total = sum(weights) or 1
    gap = 0.06
    usable = 2 * math.pi - gap * len(ordered)
    angle = start + usable * weights[0] / total / 2 if ordered else start
    anchor_angles: dict[str, list[float]] = defaultdict(list)
    for ring, weight in zip(ordered, weights, strict=True):
        span = usable * weight / total
        members = ring["members"]
        first_at = bearing.get(members[0])
        last_at = bearing.get(members[-1])
        if first_at is not None and last_at is not None:
            # walk the ring from the closing node nearer the sector's start
            start_dir = angle - span * 0.1
            if math.cos(last_at - start_dir) > math.cos(first_at - start_dir):
                members = members[::-1]
        inner = members[1:-1]
        for i, node in enumerate(inner):
            a = angle - span * (i + 1) / (len(inner) + 1)
            radius = 9.0 + 0.9 * math.sin(math.pi * (i + 1) / (len(inner) + 1))
            pos.setdefault(node, (radius * math.cos(a), radius * math.sin(a)))
        anchor_angles[members[0]].append(angle - span * 0.08)
        anchor_angles[members[-1]].append(angle - span * 0.92)
        angle -= span + gap
    for node, angles in anchor_angles.items():
        if node in pos:
            continue
        a = _circular_mean(angles)
        pos[node] = (5.2 * math.cos(a), 5.2 * math.sin(a))
    # anything left (aggregation without rings, CEs, spurs, access): next to its first neighbour
    pending = [n for n in sorted(graph.nodes) if n not in pos]
    for _ in range(len(pending) + 1):
        if not pending:
            break
        progress: list[str] = []
        satellites: dict[str, int] = Counter()
        for node in pending:
            placed = [n for n in sorted(graph.neighbors(node)) if n in pos]
            if not placed and graph.nodes[node]["layer"] != "aggregation":
                continue
            if placed:
                px, py = pos[placed[0]]
                k = satellites[placed[0]]
                satellites[placed[0]] += 1
                base = math.atan2(py, px) if (px, py) != (0.0, 0.0) else -math.pi / 2
                a = base + (k - 4) * 0.22
                reach = 2.0 + 0.35 * (k % 3)
                pos[node] = (px + reach * math.cos(a), py + reach * math.sin(a))
            else:
                a = 2 * math.pi * len(progress) / max(1, len(pending))
                pos[node] = (5.2 * math.cos(a), 5.2 * math.sin(a))
            progress.append(node)
        pending = [n for n in pending if n not in progress]
        if not progress:
            for i, node in enumerate(pending):
                pos[node] = (-11.0 + i * 0.5, -11.5)
            break
    return pos


def _label(graph: nx.MultiGraph, node: str) -> str:
    data = graph.nodes[node]
    if data["layer"] in ("town",) and data["site"]:
        return str(data["site"])
    if data["layer"] == "ce":
        return node.removeprefix("dg-").removeprefix("ce-")
    return node


def _draw_devices(
    design: Design,
    graph: nx.MultiGraph,
    out: Path,
    status: dict[str, str],
    legend: dict[str, str],
    title: str | None,
) -> None:
    pos = _layout(design, graph)
    fig, ax = plt.subplots(figsize=(20, 15), dpi=110)
    ring_names = sorted(graph.graph.get("rings", {}))
    colour = {name: RING_COLOURS[i % len(RING_COLOURS)] for i, name in enumerate(ring_names)}
    simple = nx.Graph(graph)
    for a, b, data in simple.edges(data=True):
        (x1, y1), (x2, y2) = pos[a], pos[b]
        if data["ring"]:
            style = {
                "color": colour[data["ring"]],
                "lw": 3.2 if data["ring_level"] == 1 else 1.0,
                "zorder": 2,
            }
        elif data["kind"] == "uplink":
            style = {"color": "#5b2a86", "lw": 1.6, "ls": "--", "zorder": 1}
        elif data["kind"] == "attachment":
            style = {"color": "#8d99ae", "lw": 0.8, "zorder": 1}
        else:
            style = {"color": "#555555", "lw": 1.3, "alpha": 0.6, "zorder": 1}
        ax.plot([x1, x2], [y1, y2], solid_capstyle="round", **style)
    for layer, style in LAYER_STYLE.items():
        nodes = [n for n, d in graph.nodes(data=True) if d["layer"] == layer]
        if not nodes:
            continue
        ax.scatter(
            [pos[n][0] for n in nodes],
            [pos[n][1] for n in nodes],
            s=style["size"],
            marker=style["marker"],
            c=[status.get(n, style["color"]) for n in nodes],
            edgecolors="#222222",
            linewidths=1.0,
            zorder=3,
        )
        if layer == "access":
            continue
        for node in nodes:
            x, y = pos[node]
            small = layer in ("ce",)
            ax.annotate(
                _label(graph, node),
                (x, y),
                xytext=(0, -11 if not small else -8),
                textcoords="offset points",
                ha="center",
                va="top",
                fontsize=6.5 if small else 8,
                zorder=4,
            )
    ring_rows = {r: graph.graph["rings"][r] for r in ring_names}
    handles = []
    for name in ring_names:
        members = ring_rows[name]["members"]
        if ring_rows[name]["level"] != 1:
            continue
        km = sum(
            min(d["length_km"] for d in graph[a][b].values())
            for a, b in itertools.pairwise(members)
        )
        handles.append(
            Line2D(
                [],
                [],
                color=colour[name],
                lw=3,
                label=f"{name}: {len(members) - 2} towns, {km:.0f} km",
            )
        )
    for layer, style in LAYER_STYLE.items():
        count = sum(1 for _, d in graph.nodes(data=True) if d["layer"] == layer)
        if count:
            handles.append(
                Line2D(
                    [],
                    [],
                    marker=style["marker"],
                    ls="",
                    markersize=9,
                    markerfacecolor=style["color"],
                    markeredgecolor="#222222",
                    label=f"{layer} ({count})",
                )
            )
    for label, fill in legend.items():
        handles.append(
            Line2D(
                [],
                [],
                marker="o",
                ls="",
                markersize=10,
                markerfacecolor=fill,
                markeredgecolor="#222222",
                label=label,
            )
        )
    ax.legend(
        handles=handles,
        loc="upper left",
        bbox_to_anchor=(1.0, 1.0),
        fontsize=9,
        frameon=True,
        title="rings and layers",
    )
    counts = Counter(d["layer"] for _, d in graph.nodes(data=True))
    ax.set_title(
        title
        or f"{design.network.name}: {len(design.hosts)} devices, "
        f"{sum(1 for r in design.rings if r.level == 1)} first-level rings, "
        f"{counts.get('town', 0)} towns, transport {design.network.transport.value}",
        fontsize=14,
    )
    ax.set_aspect("equal")
    ax.axis("off")
    fig.tight_layout()
    fig.savefig(out)
    plt.close(fig)


def _draw_districts(design: Design, graph: nx.MultiGraph, out: Path) -> None:
    district_of = {n: d.get("district") or n for n, d in graph.nodes(data=True)}
    core_layers = {"province", "external"}

    def group(node: str) -> str:
        return node if graph.nodes[node]["layer"] in core_layers else str(district_of[node])

    summary = nx.Graph()
    sizes: Counter[str] = Counter(group(n) for n in graph.nodes)
    for a, b in graph.edges():
        ga, gb = group(a), group(b)
        if ga != gb:
            weight = summary.get_edge_data(ga, gb, {"weight": 0})["weight"]
            summary.add_edge(ga, gb, weight=weight + 1)
    summary.add_nodes_from(sizes)
    # the province (or other outside) core in the middle, districts around it
    inner = sorted(n for n in summary if n in graph and graph.nodes[n]["layer"] in core_layers)
    outer = sorted(n for n in summary if n not in inner)
    pos = nx.shell_layout(summary, nlist=[inner, outer] if inner else [outer])
    fig, ax = plt.subplots(figsize=(14, 12), dpi=110)
    nx.draw_networkx_edges(summary, pos, ax=ax, edge_color="#777777", width=1.2)
    nodes = list(summary.nodes)
    nx.draw_networkx_nodes(
        summary,
        pos,
        nodelist=nodes,
        ax=ax,
        node_size=[80 + 2.5 * sizes[n] for n in nodes],
        node_color=[
            "#5b2a86" if n in graph and graph.nodes[n]["layer"] in core_layers else "#2a6f97"
            for n in nodes
        ],
        edgecolors="#222222",
    )
    nx.draw_networkx_labels(
        summary, pos, labels={n: f"{n}\n{sizes[n]}" for n in nodes}, font_size=7, ax=ax
    )
    ax.set_title(
        f"{design.network.name}: {len(design.hosts)} devices in {len(design.districts)} districts "
        "(one node per district, sized by devices)",
        fontsize=13,
    )
    ax.axis("off")
    fig.tight_layout()
    fig.savefig(out)
    plt.close(fig)
