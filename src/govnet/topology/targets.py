"""What the failure analysis measures against: the service targets and the sites that use them.

A site reaches a target (the government cloud DC, the disaster-recovery DC, the Internet egress)
when one of its devices can reach one of the target's gateways. Sites that host targets or the
core itself are not analysed as users.
"""

from __future__ import annotations

from collections import defaultdict

import networkx as nx

from govnet.inventory.roles import Layer, Role

TARGET_ROLES: dict[str, Role] = {
    "cloud-dc": Role.CLOUD_DC_GW,
    "dr-dc": Role.DR_DC_GW,
    "internet": Role.INTERNET_EGRESS,
}
USER_LAYERS = frozenset({Layer.AGGREGATION, Layer.TOWN, Layer.ACCESS, Layer.CE})


def target_nodes(graph: nx.MultiGraph) -> dict[str, list[str]]:
    """Target name -> the gateways that serve it (sorted); targets without gateways are left out."""
    result: dict[str, list[str]] = {}
    for name, role in TARGET_ROLES.items():
        nodes = sorted(n for n, d in graph.nodes(data=True) if d["role"] == role.value)
        if nodes:
            result[name] = nodes
    return result


def user_sites(graph: nx.MultiGraph) -> dict[str, list[str]]:
    """Site -> its devices, for every site whose devices are users of the targets."""
    sites: dict[str, list[str]] = defaultdict(list)
    for node, data in sorted(graph.nodes(data=True)):
        if data["managed"] and data["layer"] in USER_LAYERS:
            sites[data["site"]].append(node)
    return dict(sites)


def target_site(graph: nx.MultiGraph, target: str) -> str | None:
    """The design site of a target's gateways (where demands to that target point)."""
    nodes = target_nodes(graph).get(target, [])
    return graph.nodes[nodes[0]]["site"] if nodes else None
