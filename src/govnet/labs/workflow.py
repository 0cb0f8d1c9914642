"""The lab from a design, end to end: plan -> namespaces and daemons -> the rendered lab
configs pushed through Nornir (commit) -> convergence -> verification, each step timed."""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from pathlib import Path

import networkx as nx
from nornir.core import Nornir
from rich.progress import Progress

from govnet.design import Design
from govnet.inventory.push_report import PushReport
from govnet.inventory.rollout import Rollout
from govnet.inventory.verification import VerifyResult, failed_hosts
from govnet.labs.netns import (
    LabError,
    LabState,
    down,
    lab_plan,
    management_paths,
    up,
    wait_converged,
    wait_managed,
)
from govnet.labs.nornir_lab import lab_nornir, lab_push, lab_verifier, lab_verify
from govnet.templates.build import build_intents
from govnet.templates.intent import DeviceIntent
from govnet.templates.render import render_design


def lab_configs(design: Design, graph: nx.MultiGraph, routers: list[str]) -> dict[str, str]:
    """The rendered lab (FRR) config of each router."""
    return {
        c.hostname: c.text
        for c in render_design(design, graph, routers, lab=True)
        if c.path.parts[0] == "lab"
    }


def lab_intents(design: Design, graph: nx.MultiGraph, state: LabState) -> dict[str, DeviceIntent]:
    return build_intents(design, graph, sorted(state.routers), lab=True)


def deliver_to_lab(
    design: Design,
    graph: nx.MultiGraph,
    state: LabState,
    nornir: Nornir,
    commit: bool,
    rollout: Rollout | None = None,
    settle: float = 20.0,
    progress: Progress | None = None,
) -> PushReport:
    """The design's lab configs delivered to the lab routers of ``nornir`` (a lab inventory,
    filtered as the caller likes) exactly as `govnet lab push` delivers them: the diff per
    router; with ``commit``, baseline, staged commit-confirmed, verification over a fresh
    connection and the differential verdict."""
    names = sorted(n for n in nornir.inventory.hosts if n in state.routers)
    configs = lab_configs(design, graph, names)
    intents = lab_intents(design, graph, state)
    paths = management_paths(state)
    verifiers = {
        n: lab_verifier(intents[n], state.loopbacks, settle, management=paths) for n in names
    }
    roles = {n: str(design.hosts[n].role) for n in names}
    return lab_push(
        nornir, configs, commit, verifiers if commit else None, progress, rollout, roles
    )


@dataclass
class BringUp:
    routers: int
    started_s: float = 0.0  # namespaces, links and daemons
    pushed_s: float = 0.0  # configs through Nornir
    converged_s: float = 0.0  # every IS-IS router routes to every loopback
    verified_s: float = 0.0
    push: PushReport | None = None
    verification: dict[str, VerifyResult | str] = field(default_factory=dict)

    @property
    def total_s(self) -> float:
        return self.started_s + self.pushed_s + self.converged_s + self.verified_s

    @property
    def failed(self) -> list[str]:
        return failed_hosts(self.verification)


def bring_up(
    design: Design,
    graph: nx.MultiGraph,
    scope: set[str],
    state_file: Path,
    timeout: float = 120.0,
    progress: Progress | None = None,
) -> BringUp:
    """The whole lab up, pushed, converged and verified as `lab verify` does (every connection
    over the router's management path from the NOC, every PE against its CEs' paths). A failed
    push tears everything down and raises; a failed verification is reported (the lab stays up
    for inspection)."""
    plan = lab_plan(design, graph, scope)
    configs = lab_configs(design, graph, sorted(scope))
    report = BringUp(routers=len(plan.routers))
    clock = time.perf_counter()
    state = up(plan, state_file)
    report.started_s = time.perf_counter() - clock
    nornir = lab_nornir(state.routers)
    try:
        clock = time.perf_counter()
        report.push = lab_push(nornir, configs, commit=True, progress=progress)
        report.pushed_s = time.perf_counter() - clock
        if not report.push.ok:
            problems = "; ".join(
                f"{h.host}: {h.reason}" for h in report.push.hosts if h.status != "committed"
            )
            raise LabError(f"push failed: {problems}")
        report.converged_s = wait_converged(state, timeout)
        clock = time.perf_counter()
        wait_managed(state, timeout / 4)  # the silent ones fail verification: cannot connect
        intents = lab_intents(design, graph, state)
        paths = management_paths(state)
        managed = lab_nornir(state.routers, management=paths)
        try:
            report.verification = lab_verify(
                managed, intents, state.loopbacks, timeout / 4, progress, paths
            )
        finally:
            managed.close_connections(on_good=True, on_failed=True)
        report.verified_s = time.perf_counter() - clock
    except BaseException:
        down(state_file)
        raise
    finally:
        nornir.close_connections(on_good=True, on_failed=True)
    return report
