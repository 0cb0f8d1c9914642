"""What `govnet show` reports: the design at a glance, as plain data (rendered by the CLI)."""

from __future__ import annotations

import itertools
from collections import Counter
from typing import Any

import networkx as nx

from govnet.design import Design
from govnet.inventory.roles import LAYER_ORDER, ROLES, TOWN_SITE_KINDS
from govnet.topology.addressing import PoolKind, pool_of, usable_slots


def ring_rows(design: Design, graph: nx.MultiGraph) -> list[dict[str, Any]]:
    rows = []
    for ring in design.rings:
        spans = list(itertools.pairwise(ring.members))
        lengths = [min(d["length_km"] for d in graph[a][b].values()) for a, b in spans]
        capacities = [min(d["capacity_mbps"] for d in graph[a][b].values()) for a, b in spans]
        rows.append(
            {
                "name": ring.name,
                "name_zh": ring.name_zh,
                "level": ring.level,
                "closes_on": [ring.members[0], ring.members[-1]],
                "nodes": len(ring.members) - 2,
                "members": ring.members[1:-1],
                "length_km": round(sum(lengths), 1),
                "min_capacity_mbps": min(capacities),
            }
        )
    return rows


def pool_usage_rows(design: Design) -> dict[str, dict[str, Any]]:
    """Per declared pool: prefix, allocation length, used and usable allocations, percent."""
    pools: dict[str, dict[str, Any]] = {}
    for kind in PoolKind:
        pool = pool_of(design.network.pools, kind)
        if pool is None:
            continue
        used = len(design.addressing.allocations.get(kind, {}))
        capacity = usable_slots(pool)
        pools[kind.value] = {
            "prefix": str(pool.prefix),
            "length": pool.length,
            "used": used,
            "usable": capacity,
            "percent": round(100 * used / capacity, 2) if capacity else 0.0,
        }
    return pools


def summarize(design: Design, graph: nx.MultiGraph) -> dict[str, Any]:
    hosts = design.hosts.values()
    layers = Counter(ROLES[h.role].layer.value for h in hosts)
    roles = Counter(h.role.value for h in hosts)
    platforms = Counter(h.platform.value for h in hosts)
    towns = [s for s in design.sites.values() if s.kind in TOWN_SITE_KINDS]
    rings = ring_rows(design, graph)
    first_level = [r for r in rings if r["level"] == 1]
    access = [r for r in rings if r["level"] == 2]
    districts = []
    for district in design.districts.values():
        sites = [s for s, d in design.site_district.items() if d == district.name]
        district_towns = sorted(
            s.name for s in towns if design.site_district.get(s.name) == district.name
        )
        districts.append(
            {
                "name": district.name,
                "name_zh": district.name_zh,
                "sites": len(sites),
                "towns": district_towns,
                "devices": sum(len(design.hosts_by_site[s]) for s in sites),
            }
        )
    pools = pool_usage_rows(design)
    zones = Counter(v.zone.value for v in design.vpns)
    return {
        "network": {
            "name": design.network.name,
            "name_zh": design.network.name_zh,
            "asn": design.network.asn,
            "transport": design.network.transport.value,
        },
        "counts": {
            "devices": len(design.hosts),
            "peers": len(design.peers),
            "sites": len(design.sites),
            "towns": len(towns),
            "districts": len(design.districts),
            "links": len(design.links),
            "uplinks": len(design.uplinks),
            "ducts": len(design.ducts),
            "first_level_rings": len(first_level),
            "access_rings": len(access),
            "vpns": len(design.vpns),
            "departments": len(design.departments),
            "demands": len(design.demands),
            "demand_total_mbps": round(sum(d.mbps for d in design.demands), 1),
            "fiber_km": round(sum(d["length_km"] for _, _, d in graph.edges(data=True)), 1),
        },
        "layers": {
            layer.value: layers[layer.value] for layer in LAYER_ORDER if layers[layer.value]
        },
        "roles": dict(sorted(roles.items())),
        "platforms": dict(platforms.most_common()),
        "rings": first_level,
        "access_rings": {
            "count": len(access),
            "min_nodes": min((r["nodes"] for r in access), default=0),
            "max_nodes": max((r["nodes"] for r in access), default=0),
        },
        "districts": districts,
        "vpns_by_zone": dict(sorted(zones.items())),
        "pools": pools,
        "lock": design.lock_diff.summary(),
    }
