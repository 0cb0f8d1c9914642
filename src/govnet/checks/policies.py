"""The design's requirements as data (``checks/policies.yaml``) and their evaluation.

Each policy has a kind; `govnet check` evaluates every policy against the design, the failure
analysis and (for utilisation) the capacity sweep, and reports one row per violation: the
subject (a site, a ring, a link), the policy and the evidence (the failure, the duct, the load).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable

import networkx as nx
from pydantic import BaseModel, ConfigDict

from govnet.checks.policy_models import (
    DisjointPaths,
    DualHomed,
    DuctDiverse,
    MaxUtilisation,
    Policy,
    RingSize,
    SiteScope,
)
from govnet.design import Design
from govnet.inventory.roles import Role
from govnet.topology.failures import TargetAnalysis, analyse
from govnet.topology.targets import TARGET_ROLES, user_sites


class Violation(BaseModel):
    model_config = ConfigDict(frozen=True)

    policy: str
    subject: str
    evidence: str


class PolicyResult(BaseModel):
    model_config = ConfigDict(frozen=True)

    policy: str
    title: str
    checked: int
    violations: list[Violation]


def _scoped_sites(graph: nx.MultiGraph, scope: SiteScope) -> dict[str, list[str]]:
    sites = user_sites(graph)
    if scope == "all":
        return sites
    return {
        s: nodes
        for s, nodes in sites.items()
        if any(graph.nodes[n]["layer"] == "town" for n in nodes)
    }


def _cut_evidence(
    analysis: TargetAnalysis, devices: set[int], nodes_too: bool
) -> dict[int, list[str]]:
    """Device index -> the single failures that cut it off."""
    names, keys = analysis.indexed.names, analysis.indexed.edge_keys
    evidence: dict[int, list[str]] = {}
    for edge, lost in analysis.bridges.items():
        for node in devices.intersection(lost):
            evidence.setdefault(node, []).append(f"link {keys[edge]}")
    if nodes_too:
        for failed, lost in analysis.articulation.items():
            for node in devices.intersection(lost):
                evidence.setdefault(node, []).append(f"device {names[failed]}")
    return evidence


def _per_site(
    graph: nx.MultiGraph,
    analyses: dict[str, TargetAnalysis],
    policy: DisjointPaths | DuctDiverse,
    find: Callable[[TargetAnalysis, set[int]], dict[int, list[str]]],
) -> PolicyResult:
    sites = _scoped_sites(graph, policy.sites)
    violations = []
    for target in policy.targets:
        analysis = analyses.get(target)
        if analysis is None:
            violations.append(
                Violation(
                    policy=policy.id,
                    subject=target,
                    evidence=f"the design has no {TARGET_ROLES[target].value}",
                )
            )
            continue
        position = {name: i for i, name in enumerate(analysis.indexed.names)}
        for site, devices in sorted(sites.items()):
            indices = {position[d] for d in devices}
            found = find(analysis, indices)
            if found:
                reasons = sorted({r for rs in found.values() for r in rs})
                shown = "; ".join(reasons[:4]) + (
                    f"; … (+{len(reasons) - 4})" if len(reasons) > 4 else ""
                )
                violations.append(
                    Violation(policy=policy.id, subject=site, evidence=f"to {target}: {shown}")
                )
    return PolicyResult(
        policy=policy.id,
        title=policy.title,
        checked=len(sites) * len(policy.targets),
        violations=violations,
    )


def _duct_cuts(analysis: TargetAnalysis, devices: set[int]) -> dict[int, list[str]]:
    evidence: dict[int, list[str]] = {}
    for duct, lost in analysis.duct_cuts.items():
        for node in devices.intersection(lost):
            evidence.setdefault(node, []).append(f"duct {duct} cuts it off")
    return evidence


def _dual_homed(design: Design, graph: nx.MultiGraph, policy: DualHomed) -> PolicyResult:
    closers = {Role.AGGREGATION.value, Role.METRO_CORE.value}
    on_ring = {
        m
        for r in design.rings
        if r.level == 1 and r.members[0] != r.members[-1]
        for m in r.members[1:-1]
    }
    towns = sorted(h.name for h in design.hosts_with_role(Role.TOWN))
    violations = []
    for town in towns:
        if town in on_ring:
            continue
        uplinks = sorted({n for n in graph.neighbors(town) if graph.nodes[n]["role"] in closers})
        if len(uplinks) < 2:
            where = ", ".join(uplinks) if uplinks else "none"
            violations.append(
                Violation(
                    policy=policy.id,
                    subject=graph.nodes[town]["site"],
                    evidence=f"{town}: not on a ring; aggregation uplinks: {where}",
                )
            )
    return PolicyResult(
        policy=policy.id, title=policy.title, checked=len(towns), violations=violations
    )


def _ring_size(design: Design, policy: RingSize) -> PolicyResult:
    rings = [r for r in design.rings if r.level == policy.level]
    violations = [
        Violation(
            policy=policy.id,
            subject=f"ring {r.name}",
            evidence=f"{len(r.members) - 2} nodes (at most {policy.max_nodes}): {', '.join(r.members[1:-1])}",
        )
        for r in rings
        if len(r.members) - 2 > policy.max_nodes
    ]
    return PolicyResult(
        policy=policy.id, title=policy.title, checked=len(rings), violations=violations
    )


def _utilisation(design: Design, graph: nx.MultiGraph, policy: MaxUtilisation) -> PolicyResult:
    from govnet.topology.capacity import analyse as capacity

    report = capacity(design, graph, threshold=policy.threshold)
    violations = [
        Violation(
            policy=policy.id,
            subject=f"link {link.link}",
            evidence=f"{100 * link.worst_utilisation:.0f}% of {link.capacity_mbps:.0f} Mb/s when {link.worst_scenario}",
        )
        for link in report.overloaded
    ]
    return PolicyResult(
        policy=policy.id, title=policy.title, checked=report.links, violations=violations
    )


def evaluate(
    design: Design, graph: nx.MultiGraph, policies: Iterable[Policy]
) -> list[PolicyResult]:
    analyses = analyse(graph)
    results = []
    for policy in policies:
        if isinstance(policy, DisjointPaths):
            results.append(
                _per_site(
                    graph,
                    analyses,
                    policy,
                    lambda a, d: _cut_evidence(a, d, nodes_too=True) if d else {},
                )
            )
        elif isinstance(policy, DuctDiverse):
            results.append(_per_site(graph, analyses, policy, _duct_cuts))
        elif isinstance(policy, DualHomed):
            results.append(_dual_homed(design, graph, policy))
        elif isinstance(policy, RingSize):
            results.append(_ring_size(design, policy))
        else:
            results.append(_utilisation(design, graph, policy))
    return results
