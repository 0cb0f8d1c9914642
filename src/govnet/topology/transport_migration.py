"""The MPLS -> SRv6 evolution of a design as stages an engineer can review, push and roll back.

API (stable; ``govnet migrate transport`` and ``govnet lab rehearse-migration`` use it)::

    migration = plan_transport_migration(design, Transport.SRV6, waves=[["pe1", "pe2"], ["pe3"]])
    for stage in migration.stages:
        stage.name, stage.title        # "add-path", "Add-path and both route kinds everywhere"
        stage.design                   # a full in-memory Design of that state: render, push it
        stage.change.diffs             # per changed device: unified diff of its production config
        stage.change.unchanged         # devices whose config this stage does not change
        stage.pre_checks               # RouteCheck per (ingress PE, egress PE, VRF) before
        stage.post_checks              # ... and after the stage
        stage.rollback.design          # the previous stage's state (the starting design first)
        stage.rollback.change          # the reverse diff
        stage.switched                 # the post checks whose transport the stage changes
        stage.caution                  # what the checks cannot promise ("" for most stages)
    migration.waves                    # the waves planned; migration.nothing_to_do

The stages, in order (a design that is already part of the way starts where it is):

- ``srv6-sessions`` (a): SRv6 locators, per-VRF SIDs and the IPv6 VPN sessions beside MPLS
  (``transport: dual``, ``dual_transport: {add_path: false, srv6_preferred: none}``); MPLS stays
  in use.
- ``add-path`` (b): the reflectors send each VPN route's MPLS and SRv6 paths, every PE receives
  both (``add_path: true``); MPLS still in use.
- ``srv6-wave-<i>`` (c1..cN): the SRv6 routes originated by the egress PEs of wave i (and of
  the waves before) are preferred by every ingress PE (``srv6_preferred: [PEs]``): each egress PE
  of the wave gives the VPN routes it sends on its SRv6 sessions the higher local preference.
  Default waves: one per district (districts and PEs by name), PEs that carry VRFs only.
- ``remove-mpls`` (d): ``transport: srv6``: LDP, MPLS labels and the IPv4 VPN sessions gone.

From ``mpls`` the plan starts at (a); from the finished ``dual`` (``srv6_preferred: all``, the
default) it has only (d); from ``srv6`` it has no stage (nothing to do). Any target other than
``srv6`` raises :class:`MigrationError`, as does a bad wave (unknown device, not a PE, a PE in
two waves or already preferred). PEs that carry VRFs but are named in no wave form a last wave.
A route reflector that is also a PE (a CE attached to it) is in no wave: an export policy on its
SRv6 sessions would raise every SRv6 route it reflects, so its own routes stay on MPLS until
(d) (and resolve over SRv6 in the finished ``dual``, where every ingress PE prefers SRv6).

A :class:`RouteCheck` says how a VPN route of ``egress`` in ``vrf`` must resolve on ``ingress``:
``transport`` ``mpls`` (next hop the egress's IPv4 loopback) or ``srv6`` (next hop its IPv6
loopback, SID inside ``locator``). Stage (a) expects MPLS although the ingress PEs hold no
preference yet: without add-path the reflectors pass one path per route, and which one is BGP's
tie-break (vendor-dependent); the lab rehearsal is where that is seen.

Pure: nothing here reads or writes files (see :mod:`govnet.topology.transport_runbook`).
"""

from __future__ import annotations

import difflib
from collections.abc import Mapping, Sequence
from dataclasses import asdict, dataclass, replace
from typing import Any, Literal

import networkx as nx

from govnet.design import Design
from govnet.inventory.roles import is_srv6_pe
from govnet.templates.render import render_design
from govnet.topology.graph import build_graph
from govnet.topology.models import (
    SRV6_PREFERRED_ALL,
    SRV6_PREFERRED_NONE,
    DualTransport,
    Network,
    Transport,
)
from govnet.topology.services import attachments, pe_devices

RouteTransport = Literal["mpls", "srv6"]

CAUTIONS = {
    "srv6-sessions": "Without add-path each reflector passes on one path per VPN route, chosen "
    "between the egress's MPLS and SRv6 path by BGP's last tie-breaks (vendor-dependent): the "
    "checks expect MPLS; rehearse the stage in the lab and push stage 2 right after it.",
}


class MigrationError(ValueError):
    """The target or the waves asked for cannot be planned (one message, for the CLI)."""


@dataclass(frozen=True)
class RouteCheck:
    """How the VPN routes ``egress`` originates in ``vrf`` must resolve on ``ingress``."""

    ingress: str
    egress: str
    vrf: str
    transport: RouteTransport
    next_hop: str  # the egress's IPv4 loopback (MPLS) or IPv6 loopback (SRv6)
    locator: str | None  # the egress's SRv6 locator where it has one configured

    def as_json(self) -> dict[str, Any]:
        return asdict(self)


@dataclass(frozen=True)
class DeviceDiff:
    device: str
    platform: str
    path: str  # the config's path as `govnet render` writes it: "huawei_vrp/pe1.cfg"
    diff: str  # unified diff, previous state -> this state


@dataclass(frozen=True)
class ConfigChange:
    diffs: tuple[DeviceDiff, ...]  # changed devices only, by name
    unchanged: int  # devices whose config stays the same

    @property
    def devices(self) -> list[str]:
        return [d.device for d in self.diffs]


@dataclass(frozen=True)
class Rollback:
    design: Design  # the state before the stage
    change: ConfigChange  # what pushing it back changes


@dataclass(frozen=True)
class Stage:
    number: int  # 1-based
    name: str
    title: str
    design: Design
    change: ConfigChange
    pre_checks: tuple[RouteCheck, ...]
    post_checks: tuple[RouteCheck, ...]
    rollback: Rollback
    caution: str = ""  # what the checks cannot promise about this stage

    @property
    def directory(self) -> str:
        """The stage's design directory under ``govnet migrate --out``."""
        return f"stage-{self.number}-{self.name}"

    @property
    def switched(self) -> tuple[RouteCheck, ...]:
        """The post checks whose transport this stage changes."""
        before = {(c.ingress, c.egress, c.vrf): c.transport for c in self.pre_checks}
        return tuple(
            c
            for c in self.post_checks
            if before.get((c.ingress, c.egress, c.vrf), c.transport) != c.transport
        )


@dataclass(frozen=True)
class TransportMigration:
    design: Design  # the starting design
    target: Transport
    waves: tuple[tuple[str, ...], ...]  # the waves still to do, in order
    stages: tuple[Stage, ...]

    @property
    def nothing_to_do(self) -> bool:
        return not self.stages


# --- the states -------------------------------------------------------------------------------


def egress_pes(design: Design) -> list[str]:
    """The PEs whose SRv6 VPN routes a wave can make preferred: SRv6 PEs that carry a VRF."""
    attached = attachments(design.hosts, design.links, design.vpns)
    carrying = set().union(*(pe_devices(v, design.hosts, attached) for v in design.vpns))
    return sorted(n for n in carrying if is_srv6_pe(design.hosts[n].role))


def default_waves(design: Design, pes: Sequence[str]) -> list[list[str]]:
    """One wave per district, districts and PEs by name."""
    by_district: dict[str, list[str]] = {}
    for name in sorted(pes):
        by_district.setdefault(design.hosts[name].district, []).append(name)
    return [by_district[d] for d in sorted(by_district)]


def _checked_waves(
    design: Design, waves: Sequence[Sequence[str]], remaining: Sequence[str], preferred: set[str]
) -> list[list[str]]:
    seen: dict[str, int] = {}
    for number, wave in enumerate(waves, 1):
        if not wave:
            raise MigrationError(f"wave {number} is empty")
        for name in wave:
            if name not in design.hosts:
                raise MigrationError(f"wave {number}: unknown device '{name}'")
            if not is_srv6_pe(design.hosts[name].role):
                role = design.hosts[name].role.value
                raise MigrationError(f"wave {number}: '{name}' is a {role}, not an SRv6 PE")
            if name in seen:
                raise MigrationError(
                    f"wave {number}: '{name}' is already in wave {seen[name]} (one wave per PE)"
                )
            if name in preferred:
                raise MigrationError(
                    f"wave {number}: the SRv6 routes of '{name}' are already preferred"
                )
            seen[name] = number
    result = [list(w) for w in waves]
    rest = [n for n in remaining if n not in seen]
    return [*result, rest] if rest else result


def _dual(
    network: Network, add_path: bool, preferred: Literal["all", "none"] | list[str]
) -> Network:
    knobs = DualTransport(add_path=add_path, srv6_preferred=preferred)
    return network.model_copy(update={"transport": Transport.DUAL, "dual_transport": knobs})


def _states(
    design: Design, waves: list[list[str]] | None
) -> tuple[list[list[str]], list[tuple[str, str, Network]]]:
    """The waves planned and each stage's (name, title, network)."""
    network = design.network
    states: list[tuple[str, str, Network]] = []  # name, title, network
    knobs = network.dual
    if network.transport is Transport.MPLS:
        states.append(
            (
                "srv6-sessions",
                "SRv6 locators and IPv6 VPN sessions beside MPLS (MPLS in use)",
                _dual(network, False, SRV6_PREFERRED_NONE),
            )
        )
        knobs = DualTransport(add_path=False, srv6_preferred=SRV6_PREFERRED_NONE)
    assert knobs is not None
    if not knobs.add_path:
        states.append(
            (
                "add-path",
                "Add-path: both route kinds to every PE (MPLS in use)",
                _dual(network, True, SRV6_PREFERRED_NONE),
            )
        )
    planned: list[list[str]] = []
    if knobs.srv6_preferred == SRV6_PREFERRED_ALL and waves:
        raise MigrationError("every ingress PE already prefers every SRv6 route: no wave to plan")
    if knobs.srv6_preferred != SRV6_PREFERRED_ALL:
        preferred = list(knobs.srv6_preferred) if isinstance(knobs.srv6_preferred, list) else []
        remaining = [p for p in egress_pes(design) if p not in preferred]
        asked = default_waves(design, remaining) if waves is None else waves
        planned = _checked_waves(design, asked, remaining, set(preferred))
        for number, wave in enumerate(planned, 1):
            preferred = preferred + wave
            states.append(
                (
                    f"srv6-wave-{number}",
                    f"SRv6 preferred for the routes of wave {number}: {', '.join(wave)}",
                    _dual(network, True, sorted(preferred)),
                )
            )
    states.append(
        (
            "remove-mpls",
            "MPLS removed: SRv6 only (no LDP, no labels, no IPv4 VPN sessions)",
            network.model_copy(update={"transport": Transport.SRV6, "dual_transport": None}),
        )
    )
    return planned, states


# --- what a state renders and how its routes resolve -----------------------------------------


@dataclass(frozen=True)
class RenderedState:
    configs: Mapping[str, tuple[str, str, str]]  # device -> (platform, path, text)
    checks: tuple[RouteCheck, ...]


def render_state(design: Design) -> RenderedState:
    graph = build_graph(design)
    configs = {c.hostname: (c.platform, str(c.path), c.text) for c in render_design(design, graph)}
    return RenderedState(configs, route_checks(design, graph))


def _route_transport(design: Design, graph: nx.MultiGraph, egress: str) -> RouteTransport:
    network = design.network
    if network.transport is Transport.MPLS or graph.nodes[egress]["srv6_locator"] is None:
        return "mpls"
    knobs = network.dual
    if knobs is None:
        return "srv6"
    preferred = knobs.srv6_preferred
    if preferred == SRV6_PREFERRED_ALL:
        return "srv6"
    return "srv6" if isinstance(preferred, list) and egress in preferred else "mpls"


def route_checks(design: Design, graph: nx.MultiGraph) -> tuple[RouteCheck, ...]:
    """For every VRF, every ordered pair of distinct PEs that carry it: how the egress's routes
    resolve on the ingress in this design's state."""
    attached = attachments(design.hosts, design.links, design.vpns)
    checks = []
    for vpn in sorted(design.vpns, key=lambda v: v.name):
        pes = sorted(pe_devices(vpn, design.hosts, attached))
        for egress in pes:
            node = graph.nodes[egress]
            transport = _route_transport(design, graph, egress)
            loopback = node["loopback_ipv6" if transport == "srv6" else "loopback_ipv4"]
            locator = (
                node["srv6_locator"] if design.network.transport is not Transport.MPLS else None
            )
            checks += [
                RouteCheck(
                    ingress=ingress,
                    egress=egress,
                    vrf=vpn.name,
                    transport=transport,
                    next_hop=str(loopback).split("/")[0],
                    locator=str(locator) if locator else None,
                )
                for ingress in pes
                if ingress != egress
            ]
    return tuple(sorted(checks, key=lambda c: (c.ingress, c.egress, c.vrf)))


def config_change(
    before: Mapping[str, tuple[str, str, str]],
    after: Mapping[str, tuple[str, str, str]],
    before_label: str,
    after_label: str,
) -> ConfigChange:
    """Per device (platform, path, config text) in both states: the unified diffs."""
    diffs = []
    unchanged = 0
    for device in sorted(set(before) | set(after)):
        platform, path, old = before.get(device, ("", "", ""))
        new_platform, new_path, new = after.get(device, (platform, path, ""))
        if old == new:
            unchanged += 1
            continue
        text = "".join(
            difflib.unified_diff(
                old.splitlines(keepends=True),
                new.splitlines(keepends=True),
                f"{before_label}/{path or new_path}",
                f"{after_label}/{new_path}",
            )
        )
        diffs.append(DeviceDiff(device, new_platform, new_path, text))
    return ConfigChange(tuple(diffs), unchanged)


# --- the plan ---------------------------------------------------------------------------------


def plan_transport_migration(
    design: Design, target: Transport, waves: list[list[str]] | None = None
) -> TransportMigration:
    """The stages from ``design``'s transport state to ``target`` (only ``srv6`` is planned)."""
    if target is not Transport.SRV6:
        raise MigrationError(
            f"only the migration to srv6 is planned (asked: {Transport(target).value})"
        )
    if design.network.transport is Transport.SRV6:
        return TransportMigration(design, target, (), ())
    planned, states = _states(design, waves)
    previous_design, previous = design, render_state(design)
    previous_label = "current"
    stages = []
    for number, (name, title, network) in enumerate(states, 1):
        stage_design = replace(design, network=network)
        rendered = render_state(stage_design)
        label = f"stage-{number}-{name}"
        stages.append(
            Stage(
                number=number,
                name=name,
                title=title,
                design=stage_design,
                change=config_change(previous.configs, rendered.configs, previous_label, label),
                pre_checks=previous.checks,
                post_checks=rendered.checks,
                rollback=Rollback(
                    previous_design,
                    config_change(rendered.configs, previous.configs, label, previous_label),
                ),
                caution=CAUTIONS.get(name, ""),
            )
        )
        previous_design, previous, previous_label = stage_design, rendered, label
    return TransportMigration(design, target, tuple(tuple(w) for w in planned), tuple(stages))
