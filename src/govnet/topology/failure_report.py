"""Failure analysis results for people and machines: scenarios grouped into equivalence classes,
worst first, per scope (single link, node, duct, double link)."""

from __future__ import annotations

import itertools
import time
from collections import defaultdict
from collections.abc import Iterable
from functools import partial
from typing import Literal

import networkx as nx
from pydantic import BaseModel, ConfigDict

from govnet.topology.engine import Engine, LocalEngine
from govnet.topology.failures import LABEL_SEED, TargetAnalysis, analyse_target
from govnet.topology.targets import target_nodes, user_sites

Scope = Literal["single", "node", "srlg", "double"]
SCOPES: tuple[Scope, ...] = ("single", "node", "srlg", "double")


class Model(BaseModel):
    model_config = ConfigDict(frozen=True)


class SiteLoss(Model):
    site: str
    devices: int  # devices of the site cut off
    of: int  # devices the site has

    def text(self) -> str:
        return self.site if self.devices == self.of else f"{self.site} ({self.devices}/{self.of})"


class Scenario(Model):
    """One failure (or one class of equivalent failures) and what it does to each target."""

    scope: Scope
    failed: list[str]  # the failed element(s); a class lists all of its members
    kind: Literal["cut", "degrade"]
    description: str
    cut_off: dict[str, list[SiteLoss]]  # target -> sites that lose it
    degraded: dict[str, list[str]]  # target -> sites that keep it but lose redundancy
    pairs: int = 1  # double-failure classes: how many failure pairs the class stands for
    segments: list[list[str]] = []  # classes: the sites between consecutive members, in order

    @property
    def impact(self) -> int:
        return sum(len(v) for v in self.cut_off.values()) or sum(
            len(v) for v in self.degraded.values()
        )


class FailureReport(Model):
    scopes: list[Scope]
    targets: list[str]
    sites: int
    baseline_unreachable: dict[str, list[str]]
    scenarios: list[Scenario]
    counts: dict[str, int]  # failures examined per scope
    seconds: float
    engine: str = "local"


def _analyse_chunk(
    graph: nx.MultiGraph, seed: int, target: tuple[str, list[str]]
) -> TargetAnalysis:
    return analyse_target(graph, target[0], target[1], seed)


def _losses(
    nodes: Iterable[int], analysis: TargetAnalysis, site_of: dict[str, str], size: dict[str, int]
) -> list[SiteLoss]:
    per_site: dict[str, int] = defaultdict(int)
    for node in nodes:
        site = site_of.get(analysis.indexed.names[node])
        if site is not None:
            per_site[site] += 1
    return [SiteLoss(site=s, devices=n, of=size[s]) for s, n in sorted(per_site.items())]


def _sites(nodes: Iterable[int], analysis: TargetAnalysis, site_of: dict[str, str]) -> list[str]:
    return sorted({site_of[n] for n in (analysis.indexed.names[i] for i in nodes) if n in site_of})


def _ring_of(rings: dict[str, str | None], keys: tuple[str, ...]) -> str | None:
    found = {rings.get(key) for key in keys}
    return found.pop() if len(found) == 1 else None


def build_report(
    graph: nx.MultiGraph,
    scopes: Iterable[Scope] = SCOPES,
    seed: int = LABEL_SEED,
    engine: Engine | None = None,
) -> FailureReport:
    """Every scope, every target. Each target's analysis is one chunk for the engine."""
    started = time.perf_counter()
    wanted = list(dict.fromkeys(scopes))
    targets = sorted(target_nodes(graph).items())
    run = engine or LocalEngine()
    results = run.map(partial(_analyse_chunk, graph, seed), targets)
    analyses = dict(zip([t for t, _ in targets], results, strict=True))
    sites = user_sites(graph)
    site_of = {n: s for s, nodes in sites.items() for n in nodes}
    size = {s: len(nodes) for s, nodes in sites.items()}
    # element -> target -> result, merged across targets afterwards
    cut: dict[tuple[Scope, tuple[str, ...]], dict[str, list[SiteLoss]]] = defaultdict(dict)
    degraded: dict[tuple[Scope, tuple[str, ...]], dict[str, list[str]]] = defaultdict(dict)
    pair_counts: dict[tuple[Scope, tuple[str, ...]], int] = {}
    segments: dict[tuple[Scope, tuple[str, ...]], list[list[str]]] = {}
    counts = {"single": 0, "node": 0, "srlg": 0, "double": 0}
    baseline: dict[str, list[str]] = {}
    for target, a in analyses.items():
        names, keys = a.indexed.names, a.indexed.edge_keys
        baseline[target] = _sites(a.unreachable, a, site_of)
        failable = [e for e, k in enumerate(keys) if k]
        counts["single"] = len(failable)
        counts["node"] = graph.number_of_nodes()
        counts["srlg"] = len({d for ds in a.indexed.edge_ducts for d in ds})
        counts["double"] = len(failable) * (len(failable) - 1) // 2
        if "single" in wanted:
            for edge, nodes in a.bridges.items():
                losses = _losses(nodes, a, site_of, size)
                if losses:
                    cut[("single", (keys[edge],))][target] = losses
            for chain in a.chains:
                sites_in_chain = _sites(itertools.chain.from_iterable(chain.segments), a, site_of)
                if sites_in_chain:
                    members = tuple(keys[e] for e in chain.edges)
                    degraded[("single", members)][target] = sites_in_chain
                    segments.setdefault(
                        ("single", members), [_sites(seg, a, site_of) for seg in chain.segments]
                    )
        if "node" in wanted:
            for node, nodes in a.articulation.items():
                losses = _losses(nodes, a, site_of, size)
                if losses:
                    cut[("node", (names[node],))][target] = losses
        if "srlg" in wanted:
            for duct, nodes in a.duct_cuts.items():
                losses = _losses(nodes, a, site_of, size)
                if losses:
                    cut[("srlg", (duct,))][target] = losses
        if "double" in wanted:
            for chain in a.chains:
                losses = _losses(itertools.chain.from_iterable(chain.segments), a, site_of, size)
                if losses:
                    members = tuple(keys[e] for e in chain.edges)
                    cut[("double", members)][target] = losses
                    pair_counts[("double", members)] = len(members) * (len(members) - 1) // 2
                    segments.setdefault(
                        ("double", members), [_sites(seg, a, site_of) for seg in chain.segments]
                    )
    rings = {key: data.get("ring") for _, _, key, data in graph.edges(keys=True, data=True)}
    scenarios = []
    for (scope, members), per_target in cut.items():
        key = (scope, members)
        scenarios.append(
            _scenario(
                rings,
                scope,
                members,
                "cut",
                per_target,
                {},
                pair_counts.get(key, 1),
                segments.get(key, []),
            )
        )
    for (scope, members), per_target_sites in degraded.items():
        key = (scope, members)
        scenarios.append(
            _scenario(
                rings, scope, members, "degrade", {}, per_target_sites, 1, segments.get(key, [])
            )
        )
    scenarios.sort(key=lambda s: (SCOPES.index(s.scope), s.kind != "cut", -s.impact, s.failed))
    return FailureReport(
        scopes=wanted,
        targets=sorted(analyses),
        sites=len(sites),
        baseline_unreachable={t: v for t, v in baseline.items() if v},
        scenarios=scenarios,
        counts={k: v for k, v in counts.items() if k in wanted},
        seconds=time.perf_counter() - started,
        engine=run.name,
    )


def _scenario(
    rings: dict[str, str | None],
    scope: Scope,
    members: tuple[str, ...],
    kind: Literal["cut", "degrade"],
    cut_off: dict[str, list[SiteLoss]],
    degraded: dict[str, list[str]],
    pairs: int,
    segments: list[list[str]],
) -> Scenario:
    ring = _ring_of(rings, members) if len(members) > 1 else None
    where = f" on ring {ring}" if ring else ""
    if scope == "single" and kind == "cut":
        description = f"link {members[0]}"
    elif scope == "single":
        description = f"any one of {len(members)} links{where}"
    elif scope == "node":
        description = f"device {members[0]}"
    elif scope == "srlg":
        description = f"duct {members[0]}"
    else:
        description = f"any two of {len(members)} links{where}: the sites between the cuts"
    return Scenario(
        scope=scope,
        failed=list(members),
        kind=kind,
        description=description,
        cut_off=dict(sorted(cut_off.items())),
        degraded=dict(sorted(degraded.items())),
        pairs=pairs,
        segments=segments,
    )
