"""Rehearse a sequence of designs on the running lab: each stage's lab configs pushed as `lab
push --commit` pushes them (baseline, commit-confirmed, fresh connection with the management
probe, drift check, verification, differential verdict), continuous pings every 50 ms from every
user-site router to every other router's loopback (IPv4 and IPv6) through all stages, and after
each stage its route checks read from FRR's BGP tables.

What the lab can prove of a route check (FRR 8.4, no VRF devices, no MPLS forwarding): a PE
announces its VRF prefixes straight into the VPN families, over its IPv4 (MPLS) sessions and its
IPv6 (SRv6) sessions alike, without SIDs (FRR 8.4 gives SIDs only to routes exported from a
VRF). So:

- at each route reflector, the egress's route is there, learnt on the session of the expected
  transport (from the egress's IPv4 loopback for MPLS, its IPv6 loopback for SRv6), and that
  path is the reflector's best;
- at the ingress PE, the best path is the SRv6 one when it carries the SRv6 preference (the
  local preference the egress, or the ingress itself, gives to SRv6 routes) or when no MPLS
  session is left; the MPLS one otherwise;
- no SID is checked (none exists in the lab).

Reusable for any sequence of designs (``lab rehearse OLD NEW`` is two stages).
"""

from __future__ import annotations

import ipaddress
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from govnet.design import Design
from govnet.inventory.push_report import PushReport
from govnet.inventory.rollout import Rollout
from govnet.labs.faults import ContinuousPings, PingPair, window_loss
from govnet.labs.netns import LabState, management_paths, vtysh_json, wait_converged
from govnet.labs.nornir_lab import lab_nornir, lab_push, lab_verifier
from govnet.labs.srv6 import steer
from govnet.labs.workflow import lab_configs
from govnet.templates.build import SRV6_LOCAL_PREFERENCE, build_intents
from govnet.templates.intent import DeviceIntent, VpnRoute
from govnet.topology.graph import build_graph
from govnet.topology.transport_migration import RouteCheck

FAMILIES = {"vpnv4": "ipv4", "vpnv6": "ipv6"}
UNREACHABLE_MS = 1000.0  # a loopback silent this long is unreachable, not a lost ping


@dataclass(frozen=True)
class RehearsalStage:
    name: str
    title: str
    design: Design
    checks: tuple[RouteCheck, ...]  # how the VPN routes resolve once the stage is in
    caution: str = ""  # what the checks cannot promise (the planner's words)


@dataclass(frozen=True)
class StageCheck:
    # "reflector" (route at a route reflector), "ingress" (PE's selection) or "steering"
    # (packets from the ingress through the egress's End SID, counted there)
    kind: str
    router: str
    egress: str
    vrf: str
    family: str
    expected: str  # "mpls" or "srv6"
    seen: str  # what FRR shows, in words
    ok: bool


@dataclass(frozen=True)
class SiteLoss:
    site: str  # the user-site router the pings leave from
    sent: int
    lost: int
    outage_ms: float  # its longest outage towards any one loopback
    unreachable: tuple[str, ...]  # loopbacks silent for UNREACHABLE_MS or more


@dataclass
class StageReport:
    name: str
    title: str
    caution: str = ""
    pushed: list[str] = field(default_factory=list)
    statuses: dict[str, str] = field(default_factory=dict)  # router -> push status
    verdicts: dict[str, str] = field(default_factory=dict)  # router -> verdict / reason
    checks: list[StageCheck] = field(default_factory=list)
    loss: list[SiteLoss] = field(default_factory=list)
    seconds: float = 0.0
    window: tuple[float, float] = (0.0, 0.0)  # wall clock, for the probes

    @property
    def confirmed(self) -> bool:
        return all(status in ("committed", "unchanged") for status in self.statuses.values())

    @property
    def unreachable(self) -> list[str]:
        return [f"{s.site} -> {t}" for s in self.loss for t in s.unreachable]

    @property
    def ok(self) -> bool:
        return self.confirmed and all(c.ok for c in self.checks) and not self.unreachable

    def as_json(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "title": self.title,
            "caution": self.caution,
            "ok": self.ok,
            "pushed": self.pushed,
            "statuses": self.statuses,
            "verdicts": self.verdicts,
            "checks": [c.__dict__ for c in self.checks],
            "failed_checks": sum(not c.ok for c in self.checks),
            "loss": [s.__dict__ for s in self.loss],
            "unreachable": self.unreachable,
            "seconds": round(self.seconds, 1),
        }


# --- the checks (pure: FRR's ``show bgp ipv4|ipv6 vpn json`` in, verdicts out)


def route_paths(table: Any, route: VpnRoute) -> list[dict[str, Any]]:
    """The paths of ``route`` (its RD and prefix) in a ``show bgp … vpn json`` table."""
    rds = table.get("routes", {}).get("routeDistinguishers", {}) if isinstance(table, dict) else {}
    paths = rds.get(route.rd, {}).get(route.prefix, [])
    return [p for p in paths if isinstance(p, dict)]


def _best(paths: list[dict[str, Any]]) -> dict[str, Any] | None:
    return next((p for p in paths if p.get("bestpath")), None)


def _hop(path: dict[str, Any]) -> str:
    return ",".join(str(h.get("ip")) for h in path.get("nexthops", []))


def session_transport(peer: str) -> str:
    """The transport of the iBGP session a path was learnt on: IPv6 sessions are SRv6's;
    ``local`` for the router's own routes (FRR's peer ``(unspec)``)."""
    try:
        version = ipaddress.ip_address(peer).version
    except ValueError:
        return "local"
    return "srv6" if version == 6 else "mpls"


def reflector_check(rr: str, table: Any, check: RouteCheck, route: VpnRoute) -> StageCheck:
    """At a route reflector: the egress's route learnt on the session of the expected
    transport (from ``check.next_hop``) is there and is the best path."""
    paths = route_paths(table, route)
    best = _best(paths)
    learnt = sorted({str(p.get("peerId")) for p in paths})
    if not paths:
        seen, ok = "no path", False
    elif best is None:
        seen, ok = f"no best path among {len(paths)} (from {', '.join(learnt)})", False
    else:
        source = str(best.get("peerId"))
        seen = f"best from {source} (next hop {_hop(best)}); paths from {', '.join(learnt)}"
        ok = source == check.next_hop
    return StageCheck(
        "reflector", rr, check.egress, check.vrf, route.family, check.transport, seen, ok
    )


def ingress_check(
    pe: str, table: Any, check: RouteCheck, route: VpnRoute, preference: int
) -> StageCheck:
    """At the ingress PE: the best path of the egress's route is SRv6 when it carries the SRv6
    local preference or when every path came on an SRv6 session; MPLS otherwise."""
    paths = route_paths(table, route)
    best = _best(paths)
    if best is None:
        seen, transport = f"no best path among {len(paths)}", ""
    else:
        only_srv6 = all(session_transport(str(p.get("peerId"))) == "srv6" for p in paths)
        transport = "srv6" if best.get("locPrf") == preference or only_srv6 else "mpls"
        seen = (
            f"{transport}: best from {best.get('peerId')}, local preference "
            f"{best.get('locPrf')}, next hop {_hop(best)}"
        )
    return StageCheck(
        "ingress", pe, check.egress, check.vrf, route.family, check.transport, seen,
        transport == check.transport,
    )  # fmt: skip


def first_routes(intent: DeviceIntent, vrf: str) -> list[VpnRoute]:
    """One VPN route of ``vrf`` per family that the (lab) intent announces."""
    found: dict[str, VpnRoute] = {}
    for route in intent.vpn_routes:
        if route.vrf == vrf:
            found.setdefault(route.family, route)
    return [found[f] for f in sorted(found)]


def evaluate(
    checks: Sequence[RouteCheck],
    intents: Mapping[str, DeviceIntent],
    tables: Mapping[tuple[str, str], Any],
    preference: int = SRV6_LOCAL_PREFERENCE,
) -> list[StageCheck]:
    """Every route check whose ingress and egress are in the lab, at every route reflector of
    the lab (once per egress and VRF) and at its ingress. ``tables``: (router, family) -> that
    router's ``show bgp ipv4|ipv6 vpn json``."""
    reflectors = sorted(n for n, i in intents.items() if i.bgp and i.bgp.route_reflector)
    results: list[StageCheck] = []
    seen: set[tuple[str, str]] = set()
    for check in checks:
        if check.ingress not in intents or check.egress not in intents:
            continue
        for route in first_routes(intents[check.egress], check.vrf):
            if (check.egress, check.vrf + route.family) not in seen:
                results += [
                    reflector_check(rr, tables.get((rr, route.family)), check, route)
                    for rr in reflectors
                    if rr != check.egress
                ]
            results.append(
                ingress_check(
                    check.ingress,
                    tables.get((check.ingress, route.family)),
                    check,
                    route,
                    preference,
                )
            )
        seen |= {(check.egress, check.vrf + f) for f in FAMILIES}
    return results


def read_tables(state: LabState, routers: Sequence[str]) -> dict[tuple[str, str], Any]:
    return {
        (router, family): vtysh_json(state.routers[router], f"show bgp {afi} vpn json")
        for router in routers
        for family, afi in FAMILIES.items()
    }


def check_stage(
    state: LabState,
    checks: Sequence[RouteCheck],
    intents: Mapping[str, DeviceIntent],
    timeout: float = 30.0,
    interval: float = 1.0,
) -> list[StageCheck]:
    """The stage's checks, read again until they all pass or ``timeout`` seconds went by (BGP
    needs a moment to pass a new preference round)."""
    deadline = time.monotonic() + timeout
    while True:
        wanted = {c.ingress for c in checks if c.ingress in intents and c.egress in intents}
        wanted |= {n for n, i in intents.items() if i.bgp and i.bgp.route_reflector}
        results = evaluate(checks, intents, read_tables(state, sorted(wanted)))
        if all(r.ok for r in results) or time.monotonic() >= deadline:
            return results
        time.sleep(interval)


def switched_pairs(
    before: Sequence[RouteCheck], after: Sequence[RouteCheck], routers: Sequence[str]
) -> list[tuple[str, str]]:
    """(ingress, egress) of the lab whose routes the stage moves to SRv6: one per egress, the
    first ingress by name."""
    old = {(c.ingress, c.egress, c.vrf): c.transport for c in before}
    pairs: dict[str, str] = {}
    for check in after:
        key = (check.ingress, check.egress, check.vrf)
        if (
            check.transport == "srv6"
            and old.get(key) != "srv6"
            and check.ingress in routers
            and check.egress in routers
        ):
            pairs[check.egress] = min(pairs.get(check.egress, check.ingress), check.ingress)
    return sorted((ingress, egress) for egress, ingress in pairs.items())


def steering_checks(
    state: LabState, intents: Mapping[str, DeviceIntent], pairs: Sequence[tuple[str, str]]
) -> list[StageCheck]:
    """Packets from each ingress to its egress's IPv6 loopback, encapsulated to the egress's
    End and End.DT6 SIDs, counted at the End SID (:func:`govnet.labs.srv6.steer`): the SRv6
    path the routes now take forwards. The probes' own pings to that loopback are steered
    while it runs, so the count may exceed the pings sent."""
    results = []
    for ingress, egress in pairs:
        done = steer(state, dict(intents), ingress, egress, egress, count=10)
        seen = (
            f"{done.answered}/{done.sent} answered, {done.counted_at_via} counted at "
            f"{done.segments[0]}"
        )
        ok = done.answered == done.sent and done.counted_at_via >= done.sent
        results.append(StageCheck("steering", ingress, egress, "-", "ipv6", "srv6", seen, ok))
    return results


# --- the probes


def user_sites(design: Design, state: LabState) -> list[str]:
    """The lab's user-site routers: IS-IS routers with a user LAN."""
    return sorted(
        n for n in state.loopbacks if n in design.hosts and design.hosts[n].data.lan_interface
    )


def ping_pairs(state: LabState, sources: Sequence[str]) -> list[PingPair]:
    return [
        PingPair(source, state.routers[source], state.loopbacks[source][i], target, address[i])
        for source in sources
        for target, address in sorted(state.loopbacks.items())
        if target != source
        for i in (0, 1)
    ]


def site_losses(
    samples: Sequence[tuple[PingPair, dict[int, tuple[float, bool]]]],
    window: tuple[float, float],
    unreachable_ms: float = UNREACHABLE_MS,
) -> list[SiteLoss]:
    """Per source router, the pings of the window: sent, lost, its longest outage, and the
    loopbacks silent for ``unreachable_ms`` or more."""
    by_site: dict[str, list[tuple[PingPair, Any]]] = {}
    for pair, found in samples:
        by_site.setdefault(pair.source, []).append((pair, window_loss(found, *window)))
    return [
        SiteLoss(
            site=site,
            sent=sum(loss.sent for _, loss in pairs),
            lost=sum(loss.lost for _, loss in pairs),
            outage_ms=max((loss.outage_ms for _, loss in pairs), default=0.0),
            unreachable=tuple(
                sorted(
                    f"{pair.target} {pair.target_address}"
                    for pair, loss in pairs
                    if loss.outage_ms >= unreachable_ms or (loss.sent and loss.lost == loss.sent)
                )
            ),
        )
        for site, pairs in sorted(by_site.items())
    ]


# --- the run


def push_stage(
    state: LabState,
    before: Design,
    after: Design,
    rollout: Rollout,
) -> tuple[list[str], PushReport | None]:
    """The routers whose lab config the stage changes, pushed as `lab push --commit` does,
    judged before the change against the previous stage's intent."""
    routers = sorted(state.routers)
    old_graph, new_graph = build_graph(before), build_graph(after)
    old = lab_configs(before, old_graph, routers)
    new = lab_configs(after, new_graph, routers)
    changed = [r for r in routers if old[r] != new[r]]
    if not changed:
        return [], None
    old_intents = build_intents(before, old_graph, routers, lab=True)
    new_intents = build_intents(after, new_graph, routers, lab=True)
    paths = management_paths(state)
    settle = rollout.settle
    verifiers = {
        r: lab_verifier(new_intents[r], state.loopbacks, settle, management=paths) for r in changed
    }
    baselines = {
        r: lab_verifier(old_intents[r], state.loopbacks, 0, management=paths) for r in changed
    }
    roles = {r: str(after.hosts[r].role) for r in changed}
    nornir = lab_nornir({r: state.routers[r] for r in changed}, management=paths)
    try:
        report = lab_push(
            nornir,
            {r: new[r] for r in changed},
            True,
            verifiers,
            None,
            rollout,
            roles,
            baselines=baselines,
        )
    finally:
        nornir.close_connections(on_good=True, on_failed=True)
    return changed, report


def rehearse(
    state: LabState,
    start: Design,
    stages: Sequence[RehearsalStage],
    rollout: Rollout,
    probe_folder: Path,
    check_timeout: float = 30.0,
) -> list[StageReport]:
    """Walk ``stages`` from ``start`` (what the lab runs now) with the probes running all the
    way; stops after the first stage whose push is not confirmed everywhere (the rest are not
    reported). The loss is measured per stage window (push, convergence and checks)."""
    reports: list[StageReport] = []
    previous = start
    checks_before: Sequence[RouteCheck] = ()
    pings = ContinuousPings(ping_pairs(state, user_sites(start, state)), probe_folder)
    with pings:
        time.sleep(1.0)  # the probes running before the first change
        for stage in stages:
            report = StageReport(stage.name, stage.title, stage.caution)
            begin, clock = time.time(), time.monotonic()
            changed, pushed = push_stage(state, previous, stage.design, rollout)
            report.pushed = changed
            if pushed is not None:
                for host in pushed.hosts:
                    report.statuses[host.host] = host.status
                    report.verdicts[host.host] = host.reason or (
                        host.verdict.summary() if host.verdict else ""
                    )
            if report.confirmed:
                wait_converged(state, 60)
                intents = build_intents(
                    stage.design, build_graph(stage.design), sorted(state.routers), lab=True
                )
                report.checks = check_stage(state, stage.checks, intents, check_timeout)
                pairs = switched_pairs(checks_before, stage.checks, sorted(state.routers))
                report.checks += steering_checks(state, intents, pairs)
            report.seconds = time.monotonic() - clock
            report.window = (begin, time.time())
            reports.append(report)
            previous, checks_before = stage.design, stage.checks
            if not report.confirmed:
                break
        time.sleep(0.5)  # the last stage's last pings answered
    samples = pings.samples()
    for report in reports:
        report.loss = site_losses(samples, report.window)
    return reports
